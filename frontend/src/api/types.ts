/**
 * Shapes of the API answers the core pages read (see docs/openapi.json and the API code).
 * Money, prices and counts are exact decimal STRINGS; times are ISO 8601 UTC strings.
 */

export type TradingMode = "paper" | "live";
export type BotState = "STOPPED" | "STARTING" | "RUNNING" | "PAUSED" | "STOPPING" | "ERROR";
export type KillSwitchState = "ACTIVE" | "TRIPPED";

export interface Bot {
  bot_id: string;
  state: BotState;
  reason: string | null;
  changed_at: string | null;
  by: string | null;
  mode: TradingMode | null;
  settings: Record<string, unknown>;
}

export interface Balance {
  available: string | null;
  portfolio_value?: string | null;
  /** Present when the balance could not be read (no key, venue outage). */
  error?: string;
}

export interface PnlDay {
  realized: string;
  fees: string;
  net: string;
  fills: string;
}

export interface KillSwitch {
  /** "ACTIVE" means armed (trading allowed); "TRIPPED" stops everything. */
  state: KillSwitchState;
  tripped: boolean;
  reason: string | null;
  trigger: string | null;
  changed_at: string | null;
}

export interface Position {
  position_id: string;
  bot_id: string;
  venue: string;
  market_ticker: string;
  mode: TradingMode;
  /** YES terms: > 0 holds YES, < 0 holds NO. */
  contracts: string;
  /** YES terms: positive for a YES holding, negative for a NO holding. */
  cost: string;
  realized_pnl: string;
  fees: string;
  fills: number;
  opened_at: string;
  updated_at: string;
  closed_at: string | null;
  last_fill_id: string | null;
  last_intent_id: string | null;
  status: "open" | "closed";
  held_side: "yes" | "no" | null;
  /** Only in live messages. */
  average_entry_yes_price?: string | null;
}

export interface BotStatus {
  as_of: string;
  mode: TradingMode;
  paper_trading: boolean;
  bots: Bot[];
  balances: Record<TradingMode, Balance>;
  pnl_today: { since: string } & Record<TradingMode, PnlDay>;
  kill_switch: KillSwitch;
  open_positions: Position[];
}

export interface PositionsPage {
  status: "open" | "closed";
  mode: TradingMode | null;
  positions: Position[];
}

export interface PreflightCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/** POST /api/bot/start 200; a 409 refusal carries `checks` and `failed` in ApiError.body. */
export interface StartAnswer {
  message: string;
  mode: TradingMode;
  bot: Bot;
  checks: PreflightCheck[];
}

export interface StartRefusal {
  message: string;
  bot_id?: string;
  state?: BotState;
  failed?: string[];
  checks?: PreflightCheck[];
}

export interface BotChangeAnswer {
  message: string;
  changed: boolean;
  bot: Bot;
  open_positions?: number;
}

export interface PaperTradingAnswer {
  mode: TradingMode;
  paper_trading: boolean;
  changed: boolean;
  message: string;
  problems?: string[];
}

export interface EmergencyStopAnswer {
  message: string;
  status: string;
  state: KillSwitchState;
  event_id?: string;
  trigger?: string;
  reason?: string;
  cancelled_orders?: number;
  positions_closing?: number;
  breaches?: unknown[];
}

export interface KillSwitchResetAnswer {
  message: string;
  status: string;
  state: KillSwitchState;
}

export interface TokenAnswer {
  id_token: string;
  access_token: string;
  refresh_token: string | null;
  expires_in: number;
  token_type: "Bearer";
}
