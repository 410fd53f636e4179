import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { Performance, TradingHealth } from "../api/pageTypes";
import { fakeFetch, renderWithApp } from "../test/providers";
import HealthPage from "./HealthPage";

function health(): TradingHealth {
  return {
    status: "degraded",
    summary: "reconcile: no reconcile has run",
    checked_at: "2026-11-24T15:53:41Z",
    components: {
      venue: {
        status: "ok",
        detail: "paper answered in 115 ms; $9887.9500 available",
        mode: "paper",
        account: "paper",
        available: "9887.9500",
        latency_ms: 115,
      },
      dynamodb: {
        status: "ok",
        detail: "9 tables answered a consistent read",
        tables: [{ table: "audit", status: "ok", latency_ms: 3, error: null }],
      },
      feed: {
        status: "ok",
        detail: "7 league(s) polled within 90 s",
        leagues: [{ league: "nba", status: "ok", age_seconds: 4, live_games: 2, error: null }],
      },
      bots: { status: "ok", detail: "1 running", bots: [{ bot_id: "demo", state: "RUNNING", mode: "paper" }] },
      reconcile: { status: "degraded", detail: "no reconcile has run yet", finished_at: null },
      kill_switch: { status: "ok", detail: "armed, not tripped", state: "ACTIVE" },
    },
  };
}

function performance(overrides: Partial<Performance> = {}): Performance {
  return {
    mode: "paper",
    since: "2026-10-25T15:00:00Z",
    as_of: "2026-11-24T15:00:00Z",
    truncated: false,
    equity: [
      { at: "2026-11-24T15:10:00Z", market_ticker: "KXNBAGAME-A", league: "nba", net: "-3.3000", cumulative: "-3.3000" },
      { at: "2026-11-24T15:20:00Z", market_ticker: "KXNBAGAME-B", league: "nba", net: "8.1000", cumulative: "4.8000" },
      { at: "2026-11-24T15:30:00Z", market_ticker: "KXNHLGAME-C", league: null, net: "-1.0000", cumulative: "3.8000" },
    ],
    leagues: [
      { league: "nba", positions: 2, wins: 1, losses: 1, flat: 0, win_rate: "0.5000", realized: "6.0000", fees: "1.2000", net: "4.8000" },
      { league: null, positions: 1, wins: 0, losses: 1, flat: 0, win_rate: "0.0000", realized: "-0.5000", fees: "0.5000", net: "-1.0000" },
    ],
    totals: { league: null, positions: 3, wins: 1, losses: 2, flat: 0, win_rate: "0.3333", realized: "5.5000", fees: "1.7000", net: "3.8000" },
    ...overrides,
  };
}

describe("HealthPage", () => {
  it("shows the overall status and a card per component", async () => {
    const fetch = fakeFetch({
      "GET /api/health/trading": () => ({ body: health() }),
      "GET /api/performance": () => ({ body: performance() }),
    });
    renderWithApp(<HealthPage />, { fetch });

    expect(screen.getByRole("heading", { level: 1, name: "Health" })).toBeInTheDocument();
    expect(await screen.findByTestId("health-status")).toHaveTextContent("DEGRADED");
    expect(screen.getByText("reconcile: no reconcile has run")).toBeInTheDocument();
    expect(screen.getByRole("list", { name: "Health components" }).children).toHaveLength(6);
    const venue = screen.getByRole("heading", { level: 3, name: /Venue/ }).closest("li")!;
    expect(venue).toHaveTextContent("$9,887.95");
    expect(venue).toHaveTextContent("115 ms");
    const reconcile = screen.getByRole("heading", { level: 3, name: /Reconcile/ });
    expect(reconcile).toHaveTextContent("Degraded");
  });

  it("draws the equity curve and the per-league statistics from /api/performance", async () => {
    const fetch = fakeFetch({
      "GET /api/health/trading": () => ({ body: health() }),
      "GET /api/performance": () => ({ body: performance() }),
    });
    renderWithApp(<HealthPage />, { fetch });

    const chart = await screen.findByRole("img", { name: /Equity curve/ });
    expect(chart.getAttribute("aria-label")).toContain("3 closed positions");
    expect(chart.getAttribute("aria-label")).toContain("cumulative net P&L +$3.80 (high +$4.80, low −$3.30)");

    const table = screen.getByRole("table", { name: "Per-league statistics" });
    const rows = within(table).getAllByRole("row");
    expect(rows).toHaveLength(4);
    expect(rows[1]).toHaveTextContent(/NBA.*2.*1.*1.*0.*50\.0%.*\+\$6\.00.*\$1\.20.*\+\$4\.80/);
    expect(rows[2]).toHaveTextContent("Unknown league");
    expect(rows[2]).toHaveTextContent("−$1.00");
    expect(rows[3]).toHaveTextContent(/All leagues.*3.*33\.3%.*\+\$3\.80/);
    const query = fetch.callsTo("GET /api/performance")[0]!.url.searchParams;
    expect(query.get("mode")).toBeNull();
    expect(query.get("days")).toBe("30");
  });

  it("asks again for another mode and period", async () => {
    const fetch = fakeFetch({
      "GET /api/health/trading": () => ({ body: health() }),
      "GET /api/performance": (req) => ({
        body: performance({ mode: (req.url.searchParams.get("mode") as "live" | null) ?? "paper" }),
      }),
    });
    const { user } = renderWithApp(<HealthPage />, { fetch });
    await screen.findByRole("img", { name: /PAPER/ });

    await user.selectOptions(screen.getByLabelText("Mode"), "live");
    await user.selectOptions(screen.getByLabelText("Period"), "7");
    await screen.findByRole("img", { name: /LIVE/ });
    const last = fetch.callsTo("GET /api/performance").at(-1)!.url.searchParams;
    expect(last.get("mode")).toBe("live");
    expect(last.get("days")).toBe("7");
  });

  it("says when nothing closed yet and still draws a flat curve", async () => {
    const empty = performance({
      equity: [],
      leagues: [],
      totals: { league: null, positions: 0, wins: 0, losses: 0, flat: 0, win_rate: null, realized: "0", fees: "0", net: "0" },
    });
    const fetch = fakeFetch({
      "GET /api/health/trading": () => ({ body: health() }),
      "GET /api/performance": () => ({ body: empty }),
    });
    renderWithApp(<HealthPage />, { fetch });
    expect(await screen.findByText(/No PAPER positions closed in this period yet/)).toBeInTheDocument();
    expect(screen.getByRole("img", { name: /no closed positions/ })).toBeInTheDocument();
  });

  it("keeps the health report when the performance route fails", async () => {
    const fetch = fakeFetch({
      "GET /api/health/trading": () => ({ body: health() }),
      "GET /api/performance": () => ({ status: 404, body: { message: "no such route" } }),
    });
    renderWithApp(<HealthPage />, { fetch });
    expect(await screen.findByRole("alert")).toHaveTextContent("Could not load performance: no such route");
    expect(screen.getByTestId("health-status")).toHaveTextContent("DEGRADED");
  });

  it("re-reads the performance when a position closes", async () => {
    const fetch = fakeFetch({
      "GET /api/health/trading": () => ({ body: health() }),
      "GET /api/performance": () => ({ body: performance() }),
    });
    const { emitLive } = renderWithApp(<HealthPage />, { fetch });
    await screen.findByRole("img", { name: /Equity curve/ });
    const before = fetch.callsTo("GET /api/performance").length;
    emitLive({ type: "POSITION_CLOSED", data: { market_ticker: "KXNBAGAME-A" } });
    await waitFor(() => expect(fetch.callsTo("GET /api/performance").length).toBe(before + 1));
  });
});
