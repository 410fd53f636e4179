import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { ReconcileReport, RiskEvent, RiskEventsPage } from "../api/pageTypes";
import { botStatus } from "../test/fixtures";
import { fakeFetch, renderWithApp, type FakeRequest } from "../test/providers";
import RiskPage from "./RiskPage";

const tripped = {
  state: "TRIPPED" as const,
  tripped: true,
  reason: "emergency stop",
  trigger: "manual",
  changed_at: "2026-11-24T15:50:00Z",
};

function report(overrides: Partial<ReconcileReport> = {}): ReconcileReport {
  return {
    user_id: "demo",
    report_id: "rc-1",
    trigger: "api",
    venue: "kalshi",
    mode: "paper",
    started_at: "2026-11-24T15:53:40Z",
    finished_at: "2026-11-24T15:53:41Z",
    ok: true,
    aborted_reason: null,
    venue_orders: 3,
    venue_positions: 5,
    store_positions: 2,
    intents_checked: 5,
    findings: [
      {
        kind: "orphan_position",
        market_ticker: "KXNFLGAME-26NOV24BUFKC-KC",
        store: "0",
        venue: "-25.00",
        action: "deferred: order(s) in flight",
        critical: false,
      },
    ],
    ...overrides,
  };
}

const events: RiskEvent[] = [
  {
    kind: "kill_switch",
    id: "ks-1",
    at: "2026-11-24T15:50:00Z",
    kill_switch: {
      user_id: "demo",
      event_id: "ks-1",
      trigger: "daily_loss",
      by: "kill-switch",
      reason: "lost too much",
      tripped_at: "2026-11-24T15:50:00Z",
      total_pnl: "-51.2500",
      resolved_at: null,
    },
  },
  {
    kind: "orphan",
    id: "or-1",
    at: "2026-11-24T15:51:00Z",
    orphan: {
      user_id: "demo",
      orphan_id: "or-1",
      kind: "position",
      venue: "kalshi",
      mode: "paper",
      market_ticker: "KXNHLGAME-26NOV24BOSTOR-TOR",
      side: "no",
      size: "23.00",
      price: "0.4100",
      detected_at: "2026-11-24T15:51:00Z",
      resolved: false,
    },
  },
  { kind: "reconcile", id: "rc-1", at: "2026-11-24T15:53:41Z", reconcile: report() },
];

function eventsRoute(req: FakeRequest): { body: RiskEventsPage } {
  const kind = req.url.searchParams.get("kind");
  return { body: { events: kind ? events.filter((e) => e.kind === kind) : events, next_cursor: null } };
}

describe("RiskPage", () => {
  it("requires a reason to reset a tripped kill switch, then shows it armed", async () => {
    let state = botStatus({ kill_switch: tripped });
    const fetch = fakeFetch({
      "GET /api/bot/status": () => ({ body: state }),
      "GET /api/risk/events": eventsRoute,
      "POST /api/bot/kill-switch/reset": () => {
        state = botStatus();
        return { body: { message: "kill switch reset", status: "reset", state: "ACTIVE" } };
      },
    });
    const { user } = renderWithApp(<RiskPage />, { fetch });

    expect(await screen.findByTestId("risk-kill-switch-state")).toHaveTextContent("TRIPPED");
    expect(screen.getByText("manual (emergency stop)")).toBeInTheDocument();
    const button = screen.getByRole("button", { name: "Reset kill switch" });
    expect(button).toBeDisabled();
    const reason = screen.getByLabelText("Reason");
    await user.type(reason, "   ");
    expect(button).toBeDisabled();
    await user.type(reason, "checked the positions ");
    expect(button).toBeEnabled();
    await user.click(button);

    await waitFor(() => expect(fetch.callsTo("POST /api/bot/kill-switch/reset")).toHaveLength(1));
    expect(fetch.callsTo("POST /api/bot/kill-switch/reset")[0]!.body).toEqual({ reason: "checked the positions" });
    expect(await screen.findByText("Kill switch reset. New orders are allowed again.")).toBeInTheDocument();
    await waitFor(() => expect(screen.getByTestId("risk-kill-switch-state")).toHaveTextContent("ARMED"));
    expect(screen.queryByRole("button", { name: "Reset kill switch" })).not.toBeInTheDocument();
  });

  it("shows the API's refusal of a reset", async () => {
    const fetch = fakeFetch({
      "GET /api/bot/status": () => ({ body: botStatus({ kill_switch: tripped }) }),
      "GET /api/risk/events": eventsRoute,
      "POST /api/bot/kill-switch/reset": () => ({ status: 409, body: { message: "the kill switch is not tripped" } }),
    });
    const { user } = renderWithApp(<RiskPage />, { fetch });
    await user.type(await screen.findByLabelText("Reason"), "ok");
    await user.click(screen.getByRole("button", { name: "Reset kill switch" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("the kill switch is not tripped");
  });

  it("offers no reset while the switch is armed", async () => {
    const fetch = fakeFetch({ "GET /api/risk/events": eventsRoute });
    renderWithApp(<RiskPage />, { fetch });
    expect(await screen.findByTestId("risk-kill-switch-state")).toHaveTextContent("ARMED");
    expect(screen.queryByLabelText("Reason")).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Reset kill switch" })).not.toBeInTheDocument();
  });

  it("lists risk events, orphans and reconcile reports", async () => {
    const fetch = fakeFetch({ "GET /api/risk/events": eventsRoute });
    renderWithApp(<RiskPage />, { fetch });

    const list = await screen.findByRole("list", { name: "Risk events" });
    const items = within(list).getAllByRole("listitem");
    expect(items).toHaveLength(3);
    expect(items[0]).toHaveTextContent("Tripped by daily loss limit");
    expect(items[0]).toHaveTextContent("−$51.25");
    expect(items[1]).toHaveTextContent("Orphan position on KXNHLGAME-26NOV24BOSTOR-TOR: NO 23");
    expect(items[2]).toHaveTextContent("1 finding");

    const orphans = await screen.findByRole("table", { name: "Orphans" });
    expect(within(orphans).getAllByRole("row")[1]).toHaveTextContent("Unresolved");
    expect(within(orphans).getAllByRole("row")[1]).toHaveTextContent("$0.41");

    const reports = await screen.findByRole("list", { name: "Reconcile reports" });
    expect(within(reports).getByRole("table", { name: /Reconcile findings/ })).toHaveTextContent(
      "Orphan position",
    );
    const kinds = fetch.callsTo("GET /api/risk/events").map((c) => c.url.searchParams.get("kind"));
    expect(kinds).toEqual(expect.arrayContaining([null, "orphan", "reconcile"]));
  });

  it("runs a reconcile on demand, shows the result and re-reads the events", async () => {
    const fetch = fakeFetch({
      "GET /api/risk/events": () => ({ body: { events: [], next_cursor: null } }),
      "POST /api/bot/reconcile": () => ({ body: { status: "ok", reports: [report({ report_id: "rc-new" })] } }),
    });
    const { user } = renderWithApp(<RiskPage />, { fetch });
    expect(await screen.findByText(/No risk events yet/)).toBeInTheDocument();
    const before = fetch.callsTo("GET /api/risk/events").length;

    await user.click(screen.getByRole("button", { name: "Run reconcile now" }));
    expect(await screen.findByText(/Reconcile finished: 1 report/)).toBeInTheDocument();
    expect(screen.getByRole("table", { name: /Reconcile findings/ })).toHaveTextContent(
      "KXNFLGAME-26NOV24BUFKC-KC",
    );
    await waitFor(() => expect(fetch.callsTo("GET /api/risk/events").length).toBeGreaterThan(before));
  });

  it("shows a failed reconcile in an alert", async () => {
    const fetch = fakeFetch({
      "GET /api/risk/events": () => ({ body: { events: [], next_cursor: null } }),
      "POST /api/bot/reconcile": () => ({ status: 502, body: { message: "the reconciler failed" } }),
    });
    const { user } = renderWithApp(<RiskPage />, { fetch });
    await user.click(await screen.findByRole("button", { name: "Run reconcile now" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Reconcile failed: the reconciler failed");
  });

  it("re-reads the kill switch when a live KILL_SWITCH message arrives", async () => {
    let state = botStatus();
    const fetch = fakeFetch({
      "GET /api/bot/status": () => ({ body: state }),
      "GET /api/risk/events": eventsRoute,
    });
    const { emitLive } = renderWithApp(<RiskPage />, { fetch });
    expect(await screen.findByTestId("risk-kill-switch-state")).toHaveTextContent("ARMED");
    state = botStatus({ kill_switch: tripped });
    emitLive({ type: "KILL_SWITCH", data: tripped });
    await waitFor(() => expect(screen.getByTestId("risk-kill-switch-state")).toHaveTextContent("TRIPPED"));
    expect(screen.getByLabelText("Reason")).toBeInTheDocument();
  });
});
