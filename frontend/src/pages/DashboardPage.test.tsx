import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { BotStatus } from "../api/types";
import { EMERGENCY_STOP_REASON } from "../components/EmergencyStop";
import { botStatus } from "../test/fixtures";
import { fakeFetch, renderWithApp } from "../test/providers";
import DashboardPage from "./DashboardPage";

/** A fake API whose GET /api/bot/status answers whatever `state.status` is now. */
function statusApi(initial: BotStatus = botStatus()) {
  const state = { status: initial };
  const fetch = fakeFetch({ "GET /api/bot/status": () => ({ body: state.status }) });
  return { state, fetch };
}

describe("DashboardPage: trading status", () => {
  it("shows mode, kill switch, balance, open positions and today's P&L from the status", async () => {
    const { fetch } = statusApi();
    renderWithApp(<DashboardPage />, { fetch });
    const region = await screen.findByRole("region", { name: "Trading status" });
    expect(within(region).getByTestId("status-mode")).toHaveTextContent(/^PAPER$/);
    expect(within(region).getByTestId("status-mode")).toHaveClass("mode-paper");
    expect(within(region).getByTestId("status-kill-switch")).toHaveTextContent(/^Systems Normal$/);
    expect(within(region).getByTestId("balance")).toHaveTextContent("$9,903.72");
    expect(within(region).getByTestId("open-positions")).toHaveTextContent(/^1/);
    expect(within(region).getByTestId("pnl-today")).toHaveTextContent("\u2212$1.15");
    expect(within(region).getByText(/As of/)).toBeInTheDocument();
  });

  it("shows loading, then an error with Retry that loads again", async () => {
    let fail = true;
    const fetch = fakeFetch({
      "GET /api/bot/status": () => (fail ? { status: 500, body: { message: "status is broken" } } : { body: botStatus() }),
    });
    const { user } = renderWithApp(<DashboardPage />, { fetch });
    expect(screen.getByText("Loading…")).toHaveAttribute("role", "status");
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("status is broken");
    fail = false;
    await user.click(within(alert).getByRole("button", { name: "Retry" }));
    expect(await screen.findByRole("region", { name: "Trading status" })).toBeInTheDocument();
  });
});

describe("DashboardPage: paper/live switch", () => {
  it("keeps Switch to LIVE disabled until the risks are accepted, then switches", async () => {
    const { state, fetch } = statusApi();
    fetch.routes["POST /api/bot/paper-trading"] = () => {
      state.status = botStatus({ mode: "live", paper_trading: false });
      return { body: { mode: "live", paper_trading: false, changed: true, message: "switched from paper to live trading" } };
    };
    const { user } = renderWithApp(<DashboardPage />, { fetch, layout: true });
    await user.click(await screen.findByRole("button", { name: "Switch to LIVE trading" }));

    const dialog = screen.getByRole("dialog", { name: "Switch to LIVE Trading?" });
    expect(within(dialog).getByText(/real money/i, { selector: "li" })).toBeInTheDocument();
    expect(within(dialog).getAllByRole("listitem").length).toBeGreaterThanOrEqual(5);
    const confirm = within(dialog).getByRole("button", { name: "Switch to LIVE" });
    expect(confirm).toBeDisabled();
    await user.click(confirm);
    expect(fetch.callsTo("POST /api/bot/paper-trading")).toHaveLength(0);

    await user.click(within(dialog).getByRole("checkbox", { name: "I understand and accept the risks" }));
    expect(confirm).toBeEnabled();
    await user.click(confirm);

    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(fetch.callsTo("POST /api/bot/paper-trading")[0]?.body).toEqual({ enabled: false, confirmed: true });
    await waitFor(() => expect(screen.getByTestId("mode-badge")).toHaveTextContent(/^LIVE$/));
    expect(screen.getByTestId("mode-badge")).toHaveClass("mode-live");
    expect(screen.getByText("LIVE TRADING — real money")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Switch to PAPER trading" })).toBeInTheDocument();
  });

  it("shows a refusal inside the dialog and keeps it open", async () => {
    const { fetch } = statusApi();
    fetch.routes["POST /api/bot/paper-trading"] = () => ({
      status: 409,
      body: {
        message: "stop every bot before switching between paper and live trading",
        mode: "paper",
        bots: [{ bot_id: "demo", state: "RUNNING" }],
      },
    });
    const { user } = renderWithApp(<DashboardPage />, { fetch });
    await user.click(await screen.findByRole("button", { name: "Switch to LIVE trading" }));
    const dialog = screen.getByRole("dialog", { name: "Switch to LIVE Trading?" });
    await user.click(within(dialog).getByRole("checkbox", { name: "I understand and accept the risks" }));
    await user.click(within(dialog).getByRole("button", { name: "Switch to LIVE" }));
    const alert = await within(dialog).findByRole("alert");
    expect(alert).toHaveTextContent("stop every bot before switching between paper and live trading");
    expect(alert).toHaveTextContent("demo: RUNNING");
    expect(screen.getByRole("dialog", { name: "Switch to LIVE Trading?" })).toBeInTheDocument();
  });

  it("asks again (box unticked) each time the dialog opens, and Cancel sends nothing", async () => {
    const { fetch } = statusApi();
    const { user } = renderWithApp(<DashboardPage />, { fetch });
    const open = await screen.findByRole("button", { name: "Switch to LIVE trading" });
    await user.click(open);
    await user.click(screen.getByRole("checkbox", { name: "I understand and accept the risks" }));
    await user.click(screen.getByRole("button", { name: "Cancel" }));
    expect(open).toHaveFocus();
    await user.click(open);
    expect(screen.getByRole("checkbox", { name: "I understand and accept the risks" })).not.toBeChecked();
    expect(screen.getByRole("button", { name: "Switch to LIVE" })).toBeDisabled();
    expect(fetch.callsTo("POST /api/bot/paper-trading")).toHaveLength(0);
  });

  it("switches back to paper from live", async () => {
    const { state, fetch } = statusApi(botStatus({ mode: "live", paper_trading: false }));
    fetch.routes["POST /api/bot/paper-trading"] = () => {
      state.status = botStatus();
      return { body: { mode: "paper", paper_trading: true, changed: true, message: "switched from live to paper trading" } };
    };
    const { user } = renderWithApp(<DashboardPage />, { fetch, layout: true });
    expect(await screen.findByText("LIVE TRADING — real money")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Switch to PAPER trading" }));
    const dialog = screen.getByRole("dialog", { name: "Switch to PAPER trading?" });
    await user.click(within(dialog).getByRole("button", { name: "Switch to PAPER" }));
    await waitFor(() => expect(screen.getByTestId("mode-badge")).toHaveTextContent(/^PAPER$/));
    expect(fetch.callsTo("POST /api/bot/paper-trading")[0]?.body).toEqual({ enabled: true, confirmed: true });
    expect(screen.queryByText("LIVE TRADING — real money")).toBeNull();
  });
});

describe("DashboardPage: emergency stop", () => {
  it("confirms, sends close_positions and a reason, and shows KILL SWITCH ACTIVE", async () => {
    const { state, fetch } = statusApi();
    fetch.routes["POST /api/bot/emergency-stop"] = () => {
      state.status = botStatus({
        kill_switch: { state: "TRIPPED", tripped: true, reason: "emergency stop", trigger: "manual", changed_at: "2026-11-24T16:00:00Z" },
      });
      return {
        body: {
          message: "kill switch tripped",
          status: "tripped",
          state: "TRIPPED",
          trigger: "manual",
          reason: "emergency stop",
          cancelled_orders: 1,
          positions_closing: 1,
          breaches: [],
        },
      };
    };
    const { user } = renderWithApp(<DashboardPage />, { fetch, layout: true });
    await user.click(await screen.findByRole("button", { name: "Emergency stop" }));
    const dialog = screen.getByRole("dialog", { name: "Emergency stop?" });
    const close = within(dialog).getByRole("checkbox", { name: "Close all open positions" });
    expect(close).toBeChecked();
    await user.click(within(dialog).getByRole("button", { name: "Stop everything" }));

    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(fetch.callsTo("POST /api/bot/emergency-stop")[0]?.body).toEqual({ close_positions: true, reason: EMERGENCY_STOP_REASON });
    await waitFor(() => expect(screen.getByTestId("kill-switch-badge")).toHaveTextContent(/^KILL SWITCH ACTIVE$/));
    expect(screen.getByTestId("status-kill-switch")).toHaveTextContent("KILL SWITCH ACTIVE");
    expect(screen.getByTestId("toasts")).toHaveTextContent("kill switch tripped");
  });

  it("can leave positions open", async () => {
    const { fetch } = statusApi();
    fetch.routes["POST /api/bot/emergency-stop"] = () => ({
      body: { message: "kill switch tripped", status: "tripped", state: "TRIPPED", cancelled_orders: 0, positions_closing: 0 },
    });
    const { user } = renderWithApp(<DashboardPage />, { fetch });
    await user.click(await screen.findByRole("button", { name: "Emergency stop" }));
    await user.click(screen.getByRole("checkbox", { name: "Close all open positions" }));
    await user.click(screen.getByRole("button", { name: "Stop everything" }));
    await waitFor(() => expect(fetch.callsTo("POST /api/bot/emergency-stop")).toHaveLength(1));
    expect(fetch.callsTo("POST /api/bot/emergency-stop")[0]?.body).toMatchObject({ close_positions: false });
  });

  it("keeps the dialog open with the error when the stop fails", async () => {
    const { fetch } = statusApi();
    fetch.routes["POST /api/bot/emergency-stop"] = () => ({ status: 502, body: { message: "venue did not answer" } });
    const { user } = renderWithApp(<DashboardPage />, { fetch });
    await user.click(await screen.findByRole("button", { name: "Emergency stop" }));
    await user.click(screen.getByRole("button", { name: "Stop everything" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("venue did not answer");
    expect(screen.getByRole("dialog", { name: "Emergency stop?" })).toBeInTheDocument();
  });
});

const CHECKS = [
  { name: "kill_switch", ok: true, detail: "not tripped" },
  { name: "credentials", ok: true, detail: "paper account (simulated fills): none needed" },
  { name: "feed", ok: false, detail: "stale: nba 300 s ago" },
];

describe("DashboardPage: bot control", () => {
  it("starts a stopped bot and lists the pre-flight checks", async () => {
    const stopped = botStatus();
    stopped.bots = [{ ...stopped.bots[0]!, state: "STOPPED", reason: "stopped by user" }];
    const { state, fetch } = statusApi(stopped);
    fetch.routes["POST /api/bot/start"] = () => {
      state.status = botStatus();
      return {
        body: {
          message: "bot demo started (paper trading)",
          mode: "paper",
          bot: botStatus().bots[0],
          checks: CHECKS.map((c) => ({ ...c, ok: true })),
        },
      };
    };
    const { user } = renderWithApp(<DashboardPage />, { fetch });
    const bot = await screen.findByRole("region", { name: "Bot" });
    expect(within(bot).getByTestId("bot-state")).toHaveTextContent("STOPPED");
    await user.click(within(bot).getByRole("button", { name: "Start bot" }));
    const checks = await within(bot).findByRole("list", { name: "Pre-flight checks" });
    expect(within(checks).getAllByRole("listitem")).toHaveLength(3);
    expect(checks).toHaveTextContent("credentials");
    expect(fetch.callsTo("POST /api/bot/start")[0]?.body).toEqual({ bot_id: "demo" });
    await waitFor(() => expect(within(bot).getByTestId("bot-state")).toHaveTextContent("RUNNING"));
    expect(within(bot).getByRole("button", { name: "Stop bot" })).toBeInTheDocument();
  });

  it("shows a refused start with the failing check", async () => {
    const stopped = botStatus();
    stopped.bots = [{ ...stopped.bots[0]!, state: "STOPPED" }];
    const { fetch } = statusApi(stopped);
    fetch.routes["POST /api/bot/start"] = () => ({
      status: 409,
      body: { message: "pre-flight checks failed; the bot was not started", bot_id: "demo", state: "STOPPED", failed: ["feed"], checks: CHECKS },
    });
    const { user } = renderWithApp(<DashboardPage />, { fetch });
    await user.click(await screen.findByRole("button", { name: "Start bot" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("pre-flight checks failed; the bot was not started");
    const checks = screen.getByRole("list", { name: "Pre-flight checks" });
    expect(within(checks).getByText("stale: nba 300 s ago").closest("li")).toHaveTextContent("FAILED");
  });

  it("stops a running bot", async () => {
    const { fetch } = statusApi();
    fetch.routes["POST /api/bot/stop"] = () => ({
      body: { message: "bot demo stopped; its open positions are kept", changed: true, bot: { ...botStatus().bots[0], state: "STOPPED" } },
    });
    const { user } = renderWithApp(<DashboardPage />, { fetch });
    await user.click(await screen.findByRole("button", { name: "Stop bot" }));
    expect(await screen.findByText("bot demo stopped; its open positions are kept", { selector: "p" })).toBeInTheDocument();
    expect(fetch.callsTo("POST /api/bot/stop")[0]?.body).toEqual({ bot_id: "demo" });
  });

  it("offers to start bot 'default' when there is no bot yet", async () => {
    const { fetch } = statusApi(botStatus({ bots: [] }));
    fetch.routes["POST /api/bot/start"] = () => ({
      body: { message: "bot default started (paper trading)", mode: "paper", bot: { ...botStatus().bots[0], bot_id: "default" }, checks: [] },
    });
    const { user } = renderWithApp(<DashboardPage />, { fetch });
    await user.click(await screen.findByRole("button", { name: "Start bot" }));
    await waitFor(() => expect(fetch.callsTo("POST /api/bot/start")[0]?.body).toEqual({ bot_id: "default" }));
  });
});
