import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { EquityPoint } from "../api/pageTypes";
import EquityChart, { CHART, equitySummary } from "./EquityChart";

const points: EquityPoint[] = [
  { at: "2026-11-24T15:10:00Z", market_ticker: "KXA", league: "nba", net: "2.0000", cumulative: "2.0000" },
  { at: "2026-11-24T15:20:00Z", market_ticker: "KXB", league: "nba", net: "-6.0000", cumulative: "-4.0000" },
];
const window = { mode: "paper" as const, since: "2026-10-25T15:00:00Z", asOf: "2026-11-24T15:00:00Z" };

describe("EquityChart", () => {
  it("summarises the curve for screen readers from the exact strings", () => {
    expect(equitySummary({ points, ...window })).toBe(
      "Equity curve, PAPER: 2 closed positions from Oct 25, 2026 to Nov 24, 2026; " +
        "cumulative net P&L −$4.00 (high +$2.00, low −$4.00).",
    );
    expect(equitySummary({ points: [], ...window })).toMatch(/no closed positions/);
  });

  it("draws a line from $0 through each cumulative value, scaled to the plot", () => {
    render(<EquityChart points={points} {...window} />);
    const svg = screen.getByRole("img");
    expect(svg).toHaveClass("equity-loss");
    const line = svg.querySelector("path.equity-line")!.getAttribute("d")!;
    const coords = line
      .split(" ")
      .map((s) => s.slice(1).split(",").map(Number) as [number, number]);
    expect(coords).toHaveLength(3);
    const { left, right, top, bottom, width, height } = CHART;
    // x: evenly spaced from the left edge to the right edge.
    expect(coords[0]![0]).toBeCloseTo(left);
    expect(coords[2]![0]).toBeCloseTo(width - right);
    // y: the high (+2) at the top, the low (−4) at the bottom, $0 one third down.
    expect(coords[1]![1]).toBeCloseTo(top);
    expect(coords[2]![1]).toBeCloseTo(height - bottom);
    expect(coords[0]![1]).toBeCloseTo(top + (height - top - bottom) / 3, 0);
    expect(svg).toHaveTextContent("+$2.00");
    expect(svg).toHaveTextContent("−$4.00");
    expect(svg.querySelectorAll("circle")).toHaveLength(2);
    expect(screen.getByText("−$4.00", { selector: "strong" })).toBeInTheDocument();
  });

  it("leaves out an axis label that would overlap the $0 label", () => {
    const near: EquityPoint[] = [
      { at: "2026-11-24T15:10:00Z", market_ticker: "KXA", league: "nba", net: "6.1400", cumulative: "6.1400" },
      { at: "2026-11-24T15:20:00Z", market_ticker: "KXB", league: null, net: "-6.2000", cumulative: "-0.0600" },
    ];
    render(<EquityChart points={near} {...window} />);
    const labels = [...screen.getByRole("img").querySelectorAll("text")].map((t) => t.textContent);
    expect(labels).toContain("+$6.14");
    expect(labels).toContain("$0.00");
    expect(labels).not.toContain("−$0.06");
    expect(screen.getByRole("img").querySelectorAll("circle")[1]!.textContent).toContain("KXB (Unknown league): −$6.20");
  });

  it("draws a flat line at $0 when nothing closed", () => {
    render(<EquityChart points={[]} {...window} />);
    const svg = screen.getByRole("img");
    expect(svg).toHaveClass("equity-gain");
    expect(svg.querySelectorAll("circle")).toHaveLength(0);
  });
});
