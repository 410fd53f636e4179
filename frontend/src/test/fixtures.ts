import type { BotStatus, Position } from "../api/types";

/** A paper position as GET /api/positions shows it (NO held: contracts < 0). */
export function position(overrides: Partial<Position> = {}): Position {
  return {
    position_id: "demo#kalshi#KXNHLGAME-26NOV24BOSTOR-TOR#paper",
    bot_id: "demo",
    venue: "kalshi",
    market_ticker: "KXNHLGAME-26NOV24BOSTOR-TOR",
    mode: "paper",
    contracts: "-48.00",
    cost: "-29.050000",
    realized_pnl: "0",
    fees: "0.8100",
    fills: 2,
    opened_at: "2026-11-24T15:45:30.110938Z",
    updated_at: "2026-11-24T15:45:30.564183Z",
    closed_at: null,
    last_fill_id: "kalshi#paper-965",
    last_intent_id: "ip-3fo7",
    status: "open",
    held_side: "no",
    ...overrides,
  };
}

/** GET /api/bot/status of a paper user with one running bot (from a real demo, trimmed). */
export function botStatus(overrides: Partial<BotStatus> = {}): BotStatus {
  return {
    as_of: "2026-11-24T15:46:12.189427+00:00",
    mode: "paper",
    paper_trading: true,
    bots: [
      {
        bot_id: "demo",
        state: "RUNNING",
        reason: null,
        changed_at: "2026-11-24T15:45:25.665387+00:00",
        by: "demo",
        mode: "paper",
        settings: { max_wait_seconds: "20", cooldown_seconds: "60" },
      },
    ],
    balances: {
      paper: { available: "9903.7200", portfolio_value: null },
      live: { available: "10000.0000", portfolio_value: "0.0000" },
    },
    pnl_today: {
      since: "2026-11-24T05:00:00+00:00",
      paper: { realized: "1.6000", fees: "2.7500", net: "-1.1500", fills: "10" },
      live: { realized: "0.0000", fees: "0.0000", net: "0.0000", fills: "0" },
    },
    kill_switch: { state: "ACTIVE", tripped: false, reason: null, trigger: null, changed_at: null },
    open_positions: [position()],
    ...overrides,
  };
}
