import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { SettingsDocument, SettingsView } from "../api/pageTypes";
import { fakeFetch, networkError, renderWithApp } from "../test/providers";
import SettingsPage, { documentFromForm, formFromDocument, placeServerErrors, validateForm } from "./SettingsPage";

/** GET /api/settings of the demo (defaults). */
function document(): SettingsDocument {
  return {
    risk: {
      kill_switch: {
        daily_loss_limit: "50.0000",
        consecutive_losses: 3,
        consecutive_window: 5,
        max_drawdown: "0.20",
        api_error_rate: "0.50",
        api_min_calls: 10,
        api_window_seconds: 300,
        slippage_spike: "0.0500",
        slippage_average: "0.0300",
        slippage_window: 5,
        balance_drop: null,
        stale_feed_seconds: 120,
        market_paused: true,
        flatten_max_slippage: "0.1000",
        flatten_attempts: 3,
      },
      order_limits: { max_contracts_per_order: "100.00", max_cost_per_order: "100.0000", slippage_tolerance: "0.0200" },
      execution: { max_wait_seconds: 60, poll_seconds: 1, partial_fill_threshold: "0.8" },
    },
    sizing: {
      default_size: "10.0000",
      max_position: "50.0000",
      kelly_fraction: "0.25",
      max_balance_fraction: "0.05",
      streak_step: "0.25",
      streak_floor: "0.25",
    },
    thresholds: {
      edge_threshold: "0.03",
      min_confidence: "0.5",
      take_profit: "0.08",
      stop_loss: "0.10",
      edge_reversal: "0.02",
      exit_before_end_seconds: 120,
      cooldown_seconds: 120,
      max_spread: "0.10",
      espn_weight: "0.5",
      hold_to_settlement: false,
    },
    leagues: ["nba", "nfl"],
  };
}

function view(overrides: Partial<SettingsView> = {}): SettingsView {
  return { bot_id: "demo", settings: document(), problems: [], ...overrides };
}

describe("settings form helpers", () => {
  it("round-trips the document (nulls stay off, whole numbers stay numbers)", () => {
    expect(documentFromForm(formFromDocument(document()))).toEqual(document());
  });

  it("validates the API's ranges with exact decimals", () => {
    const form = formFromDocument(document());
    form.values["sizing.kelly_fraction"] = "1.0000000001";
    form.values["risk.kill_switch.max_drawdown"] = "1";
    form.values["thresholds.edge_threshold"] = "0.5";
    form.values["risk.kill_switch.api_window_seconds"] = "59";
    form.values["sizing.default_size"] = "1.1234567";
    form.values["risk.order_limits.max_cost_per_order"] = "-5";
    form.values["risk.kill_switch.consecutive_losses"] = "6";
    const problems = validateForm(form);
    expect(problems["sizing.kelly_fraction"]).toBe("Must be more than 0 and at most 1.");
    expect(problems["risk.kill_switch.max_drawdown"]).toBe("Must be more than 0 and less than 1.");
    expect(problems["thresholds.edge_threshold"]).toBeUndefined();
    expect(problems["risk.kill_switch.api_window_seconds"]).toBe("Must be at least 60 and at most 3600.");
    expect(problems["sizing.default_size"]).toBe("Use at most 6 decimal places.");
    expect(problems["risk.order_limits.max_cost_per_order"]).toMatch(/Enter a number/);
    expect(problems["risk.kill_switch.consecutive_losses"]).toBe("Cannot exceed the consecutive-loss window (5).");
    expect(problems["risk.kill_switch.balance_drop"]).toBeUndefined();
  });

  it("places the server's errors on fields, sections or the form", () => {
    const placed = placeServerErrors([
      "sizing.kelly_fraction: Input should be less than or equal to 1",
      "risk.order_limits.max_cost_per_order: Value error, not a dollar amount with at most 6 decimals: 'abc'",
      "risk.kill_switch: kill_consecutive_losses (9) cannot exceed kill_consecutive_window (5)",
      "leagues.0: Input should be 'nba'",
      "invalid strategy settings: something",
    ]);
    expect(placed.fields).toEqual({
      "sizing.kelly_fraction": "Input should be less than or equal to 1",
      "risk.order_limits.max_cost_per_order": "not a dollar amount with at most 6 decimals: 'abc'",
    });
    expect(placed.sections["risk.kill_switch"]).toEqual([
      "kill_consecutive_losses (9) cannot exceed kill_consecutive_window (5)",
    ]);
    expect(placed.sections["leagues"]).toEqual(["leagues.0: Input should be 'nba'"]);
    expect(placed.form).toEqual(["invalid strategy settings: something"]);
  });
});

describe("SettingsPage", () => {
  it("loads the settings of the user's bot into labelled, grouped inputs", async () => {
    const fetch = fakeFetch({ "GET /api/settings": () => ({ body: view() }) });
    renderWithApp(<SettingsPage />, { fetch });

    expect(await screen.findByLabelText("Daily loss limit ($)")).toHaveValue("50.0000");
    expect(fetch.callsTo("GET /api/settings")[0]!.url.searchParams.get("bot_id")).toBe("demo");
    expect(screen.getByLabelText("Bot")).toHaveValue("demo");
    expect(screen.getByRole("group", { name: "Kill switch" })).toBeInTheDocument();
    expect(screen.getByRole("group", { name: "Sizing" })).toBeInTheDocument();
    expect(screen.getByRole("group", { name: "Order limits" })).toBeInTheDocument();
    expect(screen.getByLabelText("Balance drop (fraction)")).toBeDisabled();
    expect(screen.getByRole("checkbox", { name: "Turn off Balance drop (fraction)" })).toBeChecked();
    expect(screen.getByLabelText("NBA")).toBeChecked();
    expect(screen.getByLabelText("NHL")).not.toBeChecked();
    expect(screen.getByLabelText("Hold positions to settlement")).not.toBeChecked();
  });

  it("refuses an out-of-range value before sending, next to the field", async () => {
    const fetch = fakeFetch({ "GET /api/settings": () => ({ body: view() }) });
    const { user } = renderWithApp(<SettingsPage />, { fetch });
    const kelly = await screen.findByLabelText("Kelly fraction");
    await user.clear(kelly);
    await user.type(kelly, "2");
    await user.click(screen.getByRole("button", { name: "Save settings" }));

    expect(kelly).toHaveAttribute("aria-invalid", "true");
    expect(kelly).toHaveAccessibleDescription(/Must be more than 0 and at most 1\./);
    expect(kelly).toHaveFocus();
    expect(screen.getByRole("alert")).toHaveTextContent("Fix the highlighted field");
    expect(fetch.callsTo("PUT /api/settings")).toHaveLength(0);
  });

  it("sends the whole document and confirms the save", async () => {
    const fetch = fakeFetch({
      "GET /api/settings": () => ({ body: view() }),
      "PUT /api/settings": (req) => ({
        body: {
          ...view({ settings: req.body as SettingsDocument }),
          message: "settings saved; bot demo is RUNNING and uses them from its next evaluation",
          changed: ["sizing.default_size", "risk.kill_switch.daily_loss_limit", "leagues"],
        },
      }),
    });
    const { user } = renderWithApp(<SettingsPage />, { fetch });
    const size = await screen.findByLabelText("Default size ($)");
    await user.clear(size);
    await user.type(size, "12.50");
    await user.click(screen.getByRole("checkbox", { name: "Turn off Daily loss limit ($)" }));
    await user.click(screen.getByLabelText("NHL"));
    await user.click(screen.getByRole("button", { name: "Save settings" }));

    expect(await screen.findByText("Saved.")).toBeInTheDocument();
    expect(screen.getByText(/bot demo is RUNNING/)).toHaveTextContent("Changed: sizing.default_size");
    const put = fetch.callsTo("PUT /api/settings")[0]!;
    expect(put.url.searchParams.get("bot_id")).toBe("demo");
    const sent = put.body as SettingsDocument;
    expect(sent.sizing.default_size).toBe("12.50");
    expect(sent.risk.kill_switch.daily_loss_limit).toBeNull();
    expect(sent.risk.kill_switch.balance_drop).toBeNull();
    expect(sent.risk.kill_switch.consecutive_losses).toBe(3);
    expect(sent.leagues).toEqual(["nba", "nfl", "nhl"]);
  });

  it("shows the server's errors next to the fields they name", async () => {
    const fetch = fakeFetch({
      "GET /api/settings": () => ({ body: view() }),
      "PUT /api/settings": () => ({
        status: 400,
        body: {
          message: "invalid request",
          errors: [
            "thresholds.max_spread: Input should be greater than 0",
            "risk.kill_switch: kill_consecutive_losses (9) cannot exceed kill_consecutive_window (5)",
          ],
        },
      }),
    });
    const { user } = renderWithApp(<SettingsPage />, { fetch });
    await screen.findByLabelText("Max spread ($)");
    await user.click(screen.getByRole("button", { name: "Save settings" }));

    const spread = screen.getByLabelText("Max spread ($)");
    await waitFor(() => expect(spread).toHaveAttribute("aria-invalid", "true"));
    expect(spread).toHaveAccessibleDescription(/Input should be greater than 0/);
    expect(spread).toHaveFocus();
    expect(within(screen.getByRole("group", { name: "Kill switch" })).getByText(/cannot exceed/)).toBeInTheDocument();
    expect(screen.getByRole("alert")).toHaveTextContent("invalid request");

    await user.type(spread, "5");
    expect(spread).not.toHaveAttribute("aria-invalid");
  });

  it("keeps unsaved edits when the API was unreachable and everything is retried", async () => {
    const fetch = fakeFetch({
      "GET /api/settings": () => ({ body: view() }),
      "PUT /api/settings": () => networkError(),
    });
    const { user } = renderWithApp(<SettingsPage />, { fetch, layout: true });
    const size = await screen.findByLabelText("Default size ($)");
    await user.clear(size);
    await user.type(size, "12.50");
    await user.click(screen.getByRole("button", { name: "Save settings" }));
    expect(await screen.findByText(/Your changes are still here/)).toBeInTheDocument();

    const banner = await screen.findByText("Cannot reach the inplay API");
    const reads = fetch.callsTo("GET /api/settings").length;
    await user.click(within(banner.closest("[role=alert]") as HTMLElement).getByRole("button", { name: "Retry" }));
    await waitFor(() => expect(fetch.callsTo("GET /api/settings").length).toBeGreaterThan(reads));
    expect(screen.getByLabelText("Default size ($)")).toHaveValue("12.50");

    await user.click(screen.getByRole("button", { name: "Discard changes" }));
    expect(screen.getByLabelText("Default size ($)")).toHaveValue("10.0000");
  });

  it("warns about stored values that do not validate", async () => {
    const fetch = fakeFetch({
      "GET /api/settings": () => ({ body: view({ problems: ["sizing.kelly_fraction: must be ≤ 1 (shown: 0.25)"] }) }),
    });
    renderWithApp(<SettingsPage />, { fetch });
    expect(await screen.findByText(/Some stored settings are invalid/)).toBeInTheDocument();
    expect(screen.getByText("sizing.kelly_fraction: must be ≤ 1 (shown: 0.25)")).toBeInTheDocument();
  });

  it("shows a load error with Retry", async () => {
    const fetch = fakeFetch({ "GET /api/settings": () => ({ status: 500, body: { message: "boom" } }) });
    renderWithApp(<SettingsPage />, { fetch });
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Could not load settings: boom");
    expect(within(alert).getByRole("button", { name: "Retry" })).toBeInTheDocument();
  });
});
