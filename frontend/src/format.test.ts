import { describe, expect, it } from "vitest";
import {
  compareDecimal,
  divideDecimal,
  formatCents,
  formatCount,
  formatDate,
  formatMoney,
  formatPercent,
  formatPrice,
  formatSignedMoney,
  formatTime,
  subtractDecimal,
} from "./format";

describe("formatMoney", () => {
  it.each([
    ["9903.7200", "$9,903.72"],
    ["1234.5", "$1,234.50"],
    ["-2.9", "\u2212$2.90"],
    ["-29.050000", "\u2212$29.05"],
    ["0", "$0.00"],
    ["-0.001", "$0.00"],
    ["1234567890.125", "$1,234,567,890.12"],
    ["0.015", "$0.02"],
    ["0.005", "$0.00"],
    ["1e3", "$1,000.00"],
  ])("%s → %s", (input, shown) => {
    expect(formatMoney(input)).toBe(shown);
  });

  it("keeps digits a float would lose", () => {
    // 2^53 + 1 cents: parseFloat would print ...992.
    expect(formatMoney("90071992547409.93")).toBe("$90,071,992,547,409.93");
    expect(formatMoney("0.1000000000000000055511151231257827")).toBe("$0.10");
  });

  it("shows a dash for missing or bad values", () => {
    expect(formatMoney(null)).toBe("\u2014");
    expect(formatMoney(undefined)).toBe("\u2014");
    expect(formatMoney("abc")).toBe("\u2014");
    expect(formatMoney("")).toBe("\u2014");
  });
});

describe("formatSignedMoney", () => {
  it("signs gains and losses, not zero", () => {
    expect(formatSignedMoney("1.6000")).toBe("+$1.60");
    expect(formatSignedMoney("-1.1500")).toBe("\u2212$1.15");
    expect(formatSignedMoney("0.0000")).toBe("$0.00");
  });
});

describe("counts, prices, percents", () => {
  it("formats counts without trailing zeros", () => {
    expect(formatCount("28.00")).toBe("28");
    expect(formatCount("-48.00")).toBe("\u221248");
    expect(formatCount("1250.50")).toBe("1,250.5");
    expect(formatCount("10")).toBe("10");
  });

  it("formats prices in dollars, keeping sub-cent detail", () => {
    expect(formatPrice("0.6900")).toBe("$0.69");
    expect(formatPrice("0.681071")).toBe("$0.6811");
    expect(formatPrice("1")).toBe("$1.00");
    expect(formatCents("0.68")).toBe("68\u00a2");
    expect(formatCents("0.6811")).toBe("68.11\u00a2");
  });

  it("formats ratios as percentages", () => {
    expect(formatPercent("0.6667")).toBe("66.7%");
    expect(formatPercent("1")).toBe("100.0%");
    expect(formatPercent("0.05")).toBe("5.0%");
    expect(formatPercent(null)).toBe("\u2014");
  });
});

describe("decimal arithmetic", () => {
  it("compares exactly", () => {
    expect(compareDecimal("0.1", "0.10")).toBe(0);
    expect(compareDecimal("-1.5", "1")).toBe(-1);
    expect(compareDecimal("10.000001", "10")).toBe(1);
    expect(compareDecimal("9007199254740993", "9007199254740992")).toBe(1);
  });

  it("divides and subtracts exactly", () => {
    expect(divideDecimal("-29.050000", "-48.00", 4)).toBe("0.6052");
    expect(divideDecimal("1", "0", 2)).toBeNull();
    expect(subtractDecimal("48.00", "29.050000")).toBe("18.950000");
    expect(subtractDecimal("1", "0.6052")).toBe("0.3948");
  });
});

describe("times", () => {
  it("formats ISO times and dates, with a dash for nothing", () => {
    expect(formatTime("2026-11-24T15:45:30Z")).toMatch(/Nov 2[45]/);
    expect(formatTime(null)).toBe("\u2014");
    expect(formatTime("not a time")).toBe("\u2014");
    expect(formatDate("2026-11-24")).toBe("Nov 24, 2026");
  });
});
