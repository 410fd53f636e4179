import { describe, expect, it } from "vitest";
import { averagePrice, heldContracts, heldCost, heldSide, netPnl } from "./positions";
import { position } from "./test/fixtures";

describe("position views", () => {
  it("reads a NO holding from YES terms", () => {
    const p = position({ contracts: "-48.00", cost: "-29.050000", held_side: "no" });
    expect(heldSide(p)).toBe("no");
    expect(heldContracts(p)).toBe("48.00");
    // YES average 29.05/48 = 0.605208…; NO = 1 − that.
    expect(averagePrice(p)).toBe("0.394792");
    expect(heldCost(p)).toBe("18.950000");
  });

  it("reads a YES holding", () => {
    const p = position({ contracts: "28.00", cost: "19.320000", held_side: "yes" });
    expect(heldSide(p)).toBe("yes");
    expect(averagePrice(p)).toBe("0.690000");
    expect(heldCost(p)).toBe("19.320000");
  });

  it("prefers the live message's average entry price", () => {
    const p = position({ contracts: "-25.00", cost: "-7.5", held_side: "no", average_entry_yes_price: "0.300000" });
    expect(averagePrice(p)).toBe("0.700000");
  });

  it("has no side, price or cost when flat", () => {
    const p = position({ contracts: "0", cost: "0", held_side: null, realized_pnl: "1.60", fees: "0.45" });
    expect(heldSide(p)).toBeNull();
    expect(averagePrice(p)).toBeNull();
    expect(netPnl(p)).toBe("1.15");
  });
});
