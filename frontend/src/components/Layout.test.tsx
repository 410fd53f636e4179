import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { AppRoutes } from "../App";
import { botStatus } from "../test/fixtures";
import { fakeFetch, networkError, renderWithApp } from "../test/providers";

describe("Layout", () => {
  it("shows PAPER, Systems Normal, the live indicator, a skip link and the main nav", async () => {
    renderWithApp(<AppRoutes />, { bare: true });
    const badge = await screen.findByTestId("mode-badge");
    expect(badge).toHaveTextContent(/^PAPER$/);
    expect(badge).toHaveClass("mode-paper");
    expect(screen.getByTestId("kill-switch-badge")).toHaveTextContent(/^Systems Normal$/);
    await waitFor(() => expect(screen.getByTestId("live-indicator")).toHaveTextContent("Live updates on"));
    expect(screen.getByRole("link", { name: "Skip to main content" })).toHaveAttribute("href", "#main");
    expect(screen.getByRole("main")).toHaveAttribute("id", "main");
    expect(screen.queryByText("LIVE TRADING — real money")).toBeNull();
    expect(within(screen.getByRole("navigation", { name: "Main" })).getByRole("link", { name: "Dashboard" })).toHaveAttribute(
      "aria-current",
      "page",
    );
  });

  it("shows LIVE in red with the real-money banner, and a tripped kill switch", async () => {
    const fetch = fakeFetch({
      "GET /api/bot/status": () => ({
        body: botStatus({
          mode: "live",
          paper_trading: false,
          kill_switch: { state: "TRIPPED", tripped: true, reason: "daily loss limit", trigger: "daily_loss", changed_at: null },
        }),
      }),
    });
    renderWithApp(<AppRoutes />, { bare: true, fetch, route: "/positions" });
    const badge = await screen.findByTestId("mode-badge");
    expect(badge).toHaveTextContent(/^LIVE$/);
    expect(badge).toHaveClass("mode-live");
    expect(screen.getByText("LIVE TRADING — real money")).toBeInTheDocument();
    expect(screen.getByTestId("kill-switch-badge")).toHaveTextContent(/^KILL SWITCH ACTIVE$/);
    expect(screen.getByText(/Kill switch tripped: daily loss limit/)).toBeInTheDocument();
  });

  it("shows one 'Cannot reach the inplay API' banner whose Retry loads everything again", async () => {
    let down = true;
    const fetch = fakeFetch({
      "GET /api/bot/status": () => (down ? networkError() : { body: botStatus() }),
      "GET /api/positions": () => (down ? networkError() : { body: { status: "open", mode: null, positions: [] } }),
    });
    const { user } = renderWithApp(<AppRoutes />, { bare: true, fetch, route: "/positions" });
    const banner = await screen.findByText("Cannot reach the inplay API");
    const alert = banner.closest('[role="alert"]') as HTMLElement;
    expect(alert).not.toBeNull();
    expect(await screen.findByText(/Could not load open positions: the inplay API cannot be reached/)).toBeInTheDocument();
    down = false;
    await user.click(within(alert).getByRole("button", { name: "Retry" }));
    expect(await screen.findByTestId("mode-badge")).toHaveTextContent("PAPER");
    expect(await screen.findByText(/No open positions/)).toBeInTheDocument();
    expect(screen.queryByText("Cannot reach the inplay API")).toBeNull();
  });

  it("signs out to the sign-in page", async () => {
    const { user } = renderWithApp(<AppRoutes />, { bare: true });
    await user.click(await screen.findByRole("button", { name: "Sign out" }));
    expect(await screen.findByRole("heading", { name: "Sign in to inplay" })).toBeInTheDocument();
  });

  it("moves focus to the new page's heading after navigating", async () => {
    const { user } = renderWithApp(<AppRoutes />, { bare: true, fetch: fakeFetch({ "GET /api/positions": () => ({ body: { status: "open", mode: null, positions: [] } }) }) });
    await screen.findByTestId("mode-badge");
    await user.click(screen.getByRole("link", { name: "Positions" }));
    await waitFor(() => expect(screen.getByRole("heading", { name: "Positions", level: 1 })).toHaveFocus());
  });
});
