import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { AuditTrade, AuditTradesPage } from "../api/pageTypes";
import { fakeFetch, networkError, renderWithApp } from "../test/providers";
import TradesPage, { defaultFilters, validateFilters } from "./TradesPage";

function trade(seq: number, overrides: Partial<AuditTrade> = {}): AuditTrade {
  return {
    seq,
    kind: "ENTRY",
    at: "2026-11-24T15:53:36.784659Z",
    market_ticker: "KXNBAGAME-26NOV24NYKBOS-BOS",
    intent_id: `ip-${seq}`,
    hash: `hash-${seq}`,
    prev_hash: `hash-${seq - 1}`,
    payload: {
      intent: {
        action: "buy",
        side: "yes",
        price: "0.6800",
        count: "29.00",
        filled_count: "25.00",
        average_fill_price: "0.681071",
        fees: "1234.3900",
        status: "FILLED",
        mode: "paper",
      },
      reason: "edge",
    },
    ...overrides,
  };
}

function page(trades: AuditTrade[], next_cursor: string | null = null): AuditTradesPage {
  return { start: "2026-11-18", end: "2026-11-24", trades, next_cursor };
}

describe("defaultFilters / validateFilters", () => {
  it("defaults to the last 7 UTC days, today included", () => {
    expect(defaultFilters(new Date("2026-11-24T01:00:00Z"))).toEqual({
      start: "2026-11-18",
      end: "2026-11-24",
      market: "",
      kind: "",
    });
  });

  it("refuses an end before the start, a window over 92 days and a bad ticker", () => {
    expect(validateFilters({ start: "2026-11-24", end: "2026-11-23", market: "", kind: "" }).end).toMatch(/before/);
    expect(validateFilters({ start: "2026-01-01", end: "2026-11-24", market: "", kind: "" }).end).toMatch(/92/);
    expect(validateFilters({ start: "2026-11-18", end: "2026-11-24", market: "KX NBA", kind: "" }).market).toBeTruthy();
    expect(validateFilters({ start: "2026-11-18", end: "2026-11-24", market: "kxnba-1", kind: "" })).toEqual({});
  });
});

describe("TradesPage", () => {
  it("shows the audit trail of the last 7 days with exact money", async () => {
    const fetch = fakeFetch({ "GET /api/audit/trades": () => ({ body: page([trade(8)]) }) });
    renderWithApp(<TradesPage />, { fetch });

    expect(screen.getByRole("heading", { level: 1, name: "Trades" })).toBeInTheDocument();
    const table = await screen.findByRole("table", { name: "Audit trail" });
    const row = within(table).getAllByRole("row")[1]!;
    expect(row).toHaveTextContent("KXNBAGAME-26NOV24NYKBOS-BOS");
    expect(row).toHaveTextContent("buy YES");
    expect(row).toHaveTextContent("25 / 29");
    expect(row).toHaveTextContent("$1,234.39");
    expect(row).toHaveTextContent("$0.6811");

    const query = fetch.callsTo("GET /api/audit/trades")[0]!.url.searchParams;
    const defaults = defaultFilters();
    expect(query.get("start")).toBe(defaults.start);
    expect(query.get("end")).toBe(defaults.end);
    expect(query.get("market")).toBeNull();
    expect(screen.getByLabelText("From")).toHaveValue(defaults.start);
    expect(screen.getByLabelText("To")).toHaveValue(defaults.end);
  });

  it("applies the market filter and loads more pages with the cursor", async () => {
    const fetch = fakeFetch({
      "GET /api/audit/trades": (req) => {
        const cursor = req.url.searchParams.get("cursor");
        if (cursor === "c2") return { body: page([trade(1, { kind: "EXIT" })], null) };
        return { body: page([trade(3), trade(2)], "c2") };
      },
    });
    const { user } = renderWithApp(<TradesPage />, { fetch });
    await screen.findByRole("table", { name: "Audit trail" });

    await user.type(screen.getByLabelText("Market"), "kxnbagame-26nov24nykbos-bos");
    await user.click(screen.getByRole("button", { name: "Apply" }));
    await waitFor(() => expect(fetch.callsTo("GET /api/audit/trades")).toHaveLength(2));
    expect(fetch.callsTo("GET /api/audit/trades")[1]!.url.searchParams.get("market")).toBe(
      "KXNBAGAME-26NOV24NYKBOS-BOS",
    );
    const table = await screen.findByRole("table", { name: "Audit trail" });
    expect(within(table).getAllByRole("row")).toHaveLength(3);

    await user.click(screen.getByRole("button", { name: "Load more" }));
    await waitFor(() => expect(within(table).getAllByRole("row")).toHaveLength(4));
    const more = fetch.callsTo("GET /api/audit/trades")[2]!.url.searchParams;
    expect(more.get("cursor")).toBe("c2");
    expect(more.get("market")).toBe("KXNBAGAME-26NOV24NYKBOS-BOS");
    expect(within(table).getAllByRole("row")[3]).toHaveTextContent("EXIT");
    expect(screen.queryByRole("button", { name: "Load more" })).not.toBeInTheDocument();
  });

  it("does not send a window whose end is before its start", async () => {
    const fetch = fakeFetch({ "GET /api/audit/trades": () => ({ body: page([trade(1)]) }) });
    const { user } = renderWithApp(<TradesPage />, { fetch });
    await screen.findByRole("table", { name: "Audit trail" });

    const to = screen.getByLabelText("To");
    await user.clear(to);
    await user.type(to, "2020-01-01");
    await user.click(screen.getByRole("button", { name: "Apply" }));

    expect(await screen.findByText("The end date must not be before the start date.")).toBeInTheDocument();
    expect(to).toHaveAttribute("aria-invalid", "true");
    expect(to).toHaveFocus();
    expect(fetch.callsTo("GET /api/audit/trades")).toHaveLength(1);
  });

  it("says so when the window has no trades", async () => {
    const fetch = fakeFetch({ "GET /api/audit/trades": () => ({ body: page([]) }) });
    renderWithApp(<TradesPage />, { fetch });
    expect(await screen.findByText(/No trades in this window/)).toBeInTheDocument();
    expect(screen.queryByRole("table", { name: "Audit trail" })).not.toBeInTheDocument();
  });

  it("shows the API's message with a Retry button, then recovers", async () => {
    let fail = true;
    const fetch = fakeFetch({
      "GET /api/audit/trades": () =>
        fail
          ? { status: 400, body: { message: "invalid request", errors: ["end: must not be before start"] } }
          : { body: page([trade(1)]) },
    });
    const { user } = renderWithApp(<TradesPage />, { fetch });
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("invalid request");
    fail = false;
    await user.click(within(alert).getByRole("button", { name: "Retry" }));
    expect(await screen.findByRole("table", { name: "Audit trail" })).toBeInTheDocument();
  });

  it("keeps the rows when loading more fails and offers a retry", async () => {
    let calls = 0;
    const fetch = fakeFetch({
      "GET /api/audit/trades": (req) => {
        calls += 1;
        if (req.url.searchParams.get("cursor")) networkError();
        return { body: page([trade(2)], "c2") };
      },
    });
    const { user } = renderWithApp(<TradesPage />, { fetch });
    const table = await screen.findByRole("table", { name: "Audit trail" });
    await user.click(screen.getByRole("button", { name: "Load more" }));
    const alert = await screen.findByText(/Could not load more records/);
    expect(alert.closest("[role=alert]")).not.toBeNull();
    expect(within(table).getAllByRole("row")).toHaveLength(2);
    expect(calls).toBe(2);
  });
});
