/**
 * Response and request shapes of the routes the Trades, Risk, Settings and Health pages read
 * (see docs/openapi.json). Money, prices, counts and fractions are decimal STRINGS.
 */

export type TradingMode = "paper" | "live";
export type League =
  | "nba"
  | "wnba"
  | "nfl"
  | "nhl"
  | "mlb"
  | "college-football"
  | "mens-college-basketball";

export const LEAGUES: readonly League[] = [
  "nba",
  "wnba",
  "nfl",
  "nhl",
  "mlb",
  "college-football",
  "mens-college-basketball",
];

export const LEAGUE_NAMES: Record<League, string> = {
  nba: "NBA",
  wnba: "WNBA",
  nfl: "NFL",
  nhl: "NHL",
  mlb: "MLB",
  "college-football": "College football",
  "mens-college-basketball": "Men's college basketball",
};

/** A league slug as people say it ("NBA"); an unknown slug as is; null: "Unknown league". */
export function leagueName(league: string | null | undefined): string {
  if (!league) return "Unknown league";
  return (LEAGUE_NAMES as Record<string, string>)[league] ?? league;
}

/* ---------- GET /api/audit/trades ---------- */

export type TradeKind = "ENTRY" | "EXIT" | "CANCEL" | "ERROR";

/** The parts of an audit record's `payload.intent` the Trades table shows. */
export interface AuditIntent {
  action?: string;
  side?: string;
  price?: string | null;
  count?: string | null;
  filled_count?: string | null;
  average_fill_price?: string | null;
  fees?: string | null;
  status?: string;
  mode?: TradingMode;
  leg?: string;
  bot_id?: string;
  error?: { code: string; message?: string } | null;
  [key: string]: unknown;
}

export interface AuditPayload {
  intent?: AuditIntent | null;
  reason?: string | null;
  error?: unknown;
  risk?: unknown;
  [key: string]: unknown;
}

export interface AuditTrade {
  seq: number;
  kind: TradeKind;
  at: string;
  market_ticker: string | null;
  intent_id: string | null;
  hash: string;
  prev_hash: string;
  payload: AuditPayload;
}

export interface AuditTradesPage {
  start: string;
  end: string;
  trades: AuditTrade[];
  next_cursor?: string | null;
}

/* ---------- GET /api/risk/events, POST /api/bot/reconcile ---------- */

export type RiskEventKind = "kill_switch" | "orphan" | "reconcile";

export interface KillSwitchEvent {
  user_id: string;
  event_id: string;
  trigger: string;
  values?: Record<string, string>;
  reason?: string;
  by: string;
  tripped_at: string;
  close_positions?: boolean;
  cancelled_orders?: string[];
  positions_closed?: string[];
  flatten_batch_id?: string | null;
  total_pnl?: string | null;
  resolved_at?: string | null;
  resolved_by?: string | null;
  resolution_notes?: string | null;
}

export interface OrphanRecord {
  user_id: string;
  orphan_id: string;
  kind: "order" | "position";
  venue: string;
  mode: TradingMode;
  market_ticker: string;
  order_id?: string | null;
  side: string;
  action?: string | null;
  size: string;
  price?: string | null;
  detected_at: string;
  detected_by?: string;
  resolved?: boolean;
  resolved_at?: string | null;
  resolution?: "MANUAL_CLOSE" | "AUTO_CLOSE" | "FALSE_POSITIVE" | null;
  notes?: string;
}

export interface Finding {
  kind: string;
  market_ticker?: string | null;
  intent_id?: string | null;
  order_id?: string | null;
  position_id?: string | null;
  store?: string | null;
  venue?: string | null;
  action?: string;
  critical?: boolean;
}

export interface ReconcileReport {
  user_id: string;
  report_id: string;
  trigger: string;
  venue: string;
  mode: TradingMode;
  started_at: string;
  finished_at: string;
  ok: boolean;
  aborted_reason?: string | null;
  venue_as_of?: string | null;
  venue_orders?: number;
  venue_positions?: number;
  store_positions?: number;
  intents_checked?: number;
  findings?: Finding[];
}

export interface RiskEvent {
  kind: RiskEventKind;
  id: string;
  at: string;
  kill_switch?: KillSwitchEvent | null;
  orphan?: OrphanRecord | null;
  reconcile?: ReconcileReport | null;
}

export interface RiskEventsPage {
  events: RiskEvent[];
  next_cursor?: string | null;
}

export interface ReconcileResult {
  status: string;
  reports: ReconcileReport[];
  message?: string;
}

export interface ResetResult {
  message: string;
  status: string;
  state?: string;
  [key: string]: unknown;
}

/* ---------- GET/PUT /api/settings ---------- */

export interface KillSwitchSettings {
  daily_loss_limit: string | null;
  consecutive_losses: number | null;
  consecutive_window: number;
  max_drawdown: string | null;
  api_error_rate: string | null;
  api_min_calls: number;
  api_window_seconds: number;
  slippage_spike: string | null;
  slippage_average: string | null;
  slippage_window: number;
  balance_drop: string | null;
  stale_feed_seconds: number | null;
  market_paused: boolean;
  flatten_max_slippage: string;
  flatten_attempts: number;
}

export interface OrderLimitsSettings {
  max_contracts_per_order: string;
  max_cost_per_order: string;
  slippage_tolerance: string;
}

export interface ExecutionSettings {
  max_wait_seconds: number;
  poll_seconds: number;
  partial_fill_threshold: string;
}

export interface SizingSettings {
  default_size: string;
  max_position: string;
  kelly_fraction: string;
  max_balance_fraction: string;
  streak_step: string;
  streak_floor: string;
}

export interface ThresholdSettings {
  edge_threshold: string;
  min_confidence: string;
  take_profit: string;
  stop_loss: string;
  edge_reversal: string;
  exit_before_end_seconds: number;
  cooldown_seconds: number;
  max_spread: string;
  espn_weight: string;
  hold_to_settlement: boolean;
}

export interface SettingsDocument {
  risk: {
    kill_switch: KillSwitchSettings;
    order_limits: OrderLimitsSettings;
    execution: ExecutionSettings;
  };
  sizing: SizingSettings;
  thresholds: ThresholdSettings;
  leagues: League[];
}

export interface SettingsView {
  bot_id: string;
  settings: SettingsDocument;
  problems?: string[];
}

export interface SettingsSaved extends SettingsView {
  message: string;
  changed: string[];
}

/* ---------- GET /api/health/trading ---------- */

export type ComponentStatus = "ok" | "degraded" | "down";
export type OverallStatus = "healthy" | "degraded" | "unhealthy";

export interface HealthComponent {
  status: ComponentStatus;
  detail: string;
  [key: string]: unknown;
}

export interface TradingHealth {
  status: OverallStatus;
  summary: string;
  checked_at: string;
  components: {
    venue: HealthComponent & {
      mode?: TradingMode | null;
      account?: string | null;
      available?: string | null;
      latency_ms?: number | null;
    };
    dynamodb: HealthComponent & {
      tables?: {
        table: string;
        status: ComponentStatus;
        latency_ms?: number | null;
        error?: string | null;
      }[];
    };
    feed: HealthComponent & {
      max_age_seconds?: number | null;
      leagues?: {
        league: string;
        status: ComponentStatus;
        last_ok_at?: string | null;
        age_seconds?: number | null;
        live_games?: number | null;
        error?: string | null;
      }[];
    };
    bots: HealthComponent & {
      bots?: {
        bot_id: string;
        state: string;
        mode?: TradingMode | null;
        reason?: string | null;
        changed_at?: string | null;
      }[];
    };
    reconcile: HealthComponent & {
      finished_at?: string | null;
      age_seconds?: number | null;
      ok?: boolean | null;
      findings?: number | null;
      critical?: boolean | null;
    };
    kill_switch: HealthComponent & {
      state?: "ACTIVE" | "TRIPPED" | null;
      trigger?: string | null;
      reason?: string | null;
      changed_at?: string | null;
    };
  };
}

/* ---------- GET /api/performance ---------- */

export interface EquityPoint {
  at: string;
  market_ticker: string;
  league: string | null;
  net: string;
  cumulative: string;
}

export interface LeagueStats {
  league: string | null;
  positions: number;
  wins: number;
  losses: number;
  flat: number;
  win_rate: string | null;
  realized: string;
  fees: string;
  net: string;
}

export interface Performance {
  mode: TradingMode;
  since: string;
  as_of: string;
  truncated: boolean;
  equity: EquityPoint[];
  leagues: LeagueStats[];
  totals: LeagueStats;
}
