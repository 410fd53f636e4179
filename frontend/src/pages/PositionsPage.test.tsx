import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { position } from "../test/fixtures";
import { fakeFetch, renderWithApp } from "../test/providers";
import PositionsPage from "./PositionsPage";

const NEW = position({
  position_id: "demo#kalshi#KXNBAGAME-26NOV24NYKBOS-BOS#paper",
  market_ticker: "KXNBAGAME-26NOV24NYKBOS-BOS",
  contracts: "28.00",
  cost: "19.070000",
  fees: "0.4400",
  held_side: "yes",
  average_entry_yes_price: "0.681071",
});

function positionsApi(open = [position()], closed = [] as ReturnType<typeof position>[]) {
  return fakeFetch({
    "GET /api/positions": (req) =>
      req.url.searchParams.get("status") === "closed"
        ? { body: { status: "closed", mode: null, positions: closed } }
        : { body: { status: "open", mode: null, positions: open } },
  });
}

describe("PositionsPage", () => {
  it("lists open positions on the side held, with exact money", async () => {
    renderWithApp(<PositionsPage />, { fetch: positionsApi() });
    const table = await screen.findByRole("table", { name: "Open positions" });
    const row = within(table).getByRole("row", { name: /KXNHLGAME-26NOV24BOSTOR-TOR/ });
    const cells = within(row).getAllByRole("cell").map((c) => c.textContent);
    // PAPER, NO, 48 contracts, avg NO price 1 − 29.05/48, NO cost 48 − 29.05, fees.
    expect(cells.slice(0, 6)).toEqual(["PAPER", "NO", "48", "$0.3948", "$18.95", "$0.81"]);
  });

  it("adds a row and a toast when a position opens live, and removes it when it closes", async () => {
    const { emitLive } = renderWithApp(<PositionsPage />, { fetch: positionsApi() });
    const table = await screen.findByRole("table", { name: "Open positions" });
    expect(within(table).getAllByRole("row")).toHaveLength(2);

    emitLive({ type: "NEW_POSITION", data: NEW });
    const row = await within(table).findByRole("row", { name: /KXNBAGAME-26NOV24NYKBOS-BOS/ });
    expect(within(row).getAllByRole("cell").map((c) => c.textContent).slice(1, 5)).toEqual(["YES", "28", "$0.6811", "$19.07"]);
    expect(screen.getByTestId("toasts")).toHaveTextContent("Position opened: KXNBAGAME-26NOV24NYKBOS-BOS");
    expect(screen.getByRole("tab", { name: "Open (2)" })).toBeInTheDocument();

    emitLive({ type: "POSITION_UPDATE", data: { ...NEW, contracts: "30.00", cost: "20.430000", average_entry_yes_price: "0.681000" } });
    await waitFor(() => expect(within(table).getByRole("row", { name: /KXNBAGAME/ })).toHaveTextContent("30"));

    emitLive({ type: "POSITION_CLOSED", data: { ...NEW, contracts: "0.00", cost: "0", held_side: null, status: "closed", realized_pnl: "1.60" } });
    await waitFor(() => expect(within(table).queryByRole("row", { name: /KXNBAGAME/ })).toBeNull());
    expect(screen.getByTestId("toasts")).toHaveTextContent("Position closed: KXNBAGAME-26NOV24NYKBOS-BOS");
  });

  it("says so when nothing is open, and a new position replaces the sentence", async () => {
    const { emitLive } = renderWithApp(<PositionsPage />, { fetch: positionsApi([]) });
    expect(await screen.findByText(/No open positions/)).toBeInTheDocument();
    emitLive({ type: "NEW_POSITION", data: NEW });
    expect(await screen.findByRole("table", { name: "Open positions" })).toBeInTheDocument();
    expect(screen.queryByText(/No open positions/)).toBeNull();
  });

  it("shows closed positions with realized P&L in the Closed tab", async () => {
    const closed = [
      position({ contracts: "0.00", cost: "0", held_side: null, status: "closed", realized_pnl: "1.6000", fees: "0.4500", closed_at: "2026-11-24T16:00:00Z" }),
    ];
    const { user } = renderWithApp(<PositionsPage />, { fetch: positionsApi([], closed) });
    await user.click(await screen.findByRole("tab", { name: "Closed" }));
    const table = await screen.findByRole("table", { name: "Closed positions" });
    const cells = within(within(table).getByRole("row", { name: /KXNHLGAME/ }))
      .getAllByRole("cell")
      .map((c) => c.textContent);
    expect(cells.slice(0, 4)).toEqual(["PAPER", "+$1.60", "$0.45", "+$1.15"]);
    expect(screen.getByRole("tab", { name: "Closed" })).toHaveAttribute("aria-selected", "true");
  });

  it("shows the API's error with a Retry", async () => {
    const fetch = fakeFetch({ "GET /api/positions": () => ({ status: 503, body: { message: "positions table unavailable" } }) });
    renderWithApp(<PositionsPage />, { fetch });
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Could not load open positions: positions table unavailable");
    expect(within(alert).getByRole("button", { name: "Retry" })).toBeInTheDocument();
  });
});
