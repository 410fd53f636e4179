import { useEffect, useId, useRef, useState, type CSSProperties, type FormEvent, type ReactNode } from "react";
import { ApiError, ApiUnreachable } from "../api/client";
import { LEAGUE_NAMES, LEAGUES, type League, type SettingsDocument, type SettingsSaved, type SettingsView } from "../api/pageTypes";
import ResourceView from "../components/ResourceView";
import Page from "../components/Page";
import { compareDecimal } from "../format";
import { useApi } from "../hooks/useApi";
import { useBotStatus } from "../hooks/useBotStatus";
import { useResource } from "../hooks/useResource";

/** Layout the shared stylesheet has no class for (React sets these through the CSSOM: CSP-safe). */
const S = {
  fieldset: { minWidth: 0 },
  legend: { fontWeight: 700, fontSize: "1.15rem", padding: "0 0.25rem" },
  grid: { display: "grid", gridTemplateColumns: "repeat(auto-fit, minmax(min(100%, 15rem), 1fr))", gap: "0 1.25rem" },
  hint: { fontSize: "0.85rem" },
  fieldError: { color: "var(--error-text)", fontWeight: 600, fontSize: "0.9rem", margin: 0 },
  control: { display: "flex", gap: "0.6rem", alignItems: "center" },
  offToggle: { display: "inline-flex", gap: "0.3rem", alignItems: "center", whiteSpace: "nowrap", fontWeight: 400 },
  check: { marginBottom: "0.9rem" },
  offBox: { width: "1.15rem", height: "1.15rem", margin: 0 },
  success: { background: "var(--ok-bg)", color: "var(--ok)", padding: "0.5rem 0.75rem", borderRadius: "var(--radius)" },
  sectionErrors: { margin: "0 0 0.75rem", paddingLeft: "1.25rem" },
  botField: { maxWidth: "16rem" },
  actions: { position: "sticky", bottom: 0, background: "var(--bg)", padding: "0.5rem 0", zIndex: 1 },
} satisfies Record<string, CSSProperties>;

/* ---------------- the fields and their ranges (docs/openapi.json, SettingsDocument-Input) ---------------- */

type Kind = "decimal" | "int" | "bool";

export interface FieldSpec {
  /** Dotted path in the settings document, as the API's `errors[]` name it. */
  path: string;
  label: string;
  kind: Kind;
  /** `null` turns the setting off. */
  nullable?: boolean;
  /** Inclusive unless the matching `*Exclusive` flag is set. */
  min?: string;
  minExclusive?: boolean;
  max?: string;
  maxExclusive?: boolean;
  /** Most decimal places the API accepts (dollars: 6, contracts: 2). */
  places?: number;
  hint: string;
}

export interface SectionSpec {
  path: string;
  title: string;
  intro: string;
  fields: FieldSpec[];
}

const D = "decimal" as const;
const I = "int" as const;
const B = "bool" as const;

export const SECTIONS: SectionSpec[] = [
  {
    path: "risk.kill_switch",
    title: "Kill switch",
    intro: "Per user: these limits guard every bot. When one is reached, new orders stop and positions are closed.",
    fields: [
      { path: "risk.kill_switch.daily_loss_limit", label: "Daily loss limit ($)", kind: D, nullable: true, min: "0", minExclusive: true, places: 6, hint: "Trip when today's P&L reaches minus this many dollars." },
      { path: "risk.kill_switch.consecutive_losses", label: "Consecutive losses", kind: I, nullable: true, min: "1", max: "100", hint: "Trip when this many of the last closed positions (the window below) lost money." },
      { path: "risk.kill_switch.consecutive_window", label: "Consecutive-loss window (positions)", kind: I, min: "1", max: "100", hint: "Closed positions the losses are counted over." },
      { path: "risk.kill_switch.max_drawdown", label: "Max drawdown (fraction)", kind: D, nullable: true, min: "0", minExclusive: true, max: "1", maxExclusive: true, hint: "Trip when equity falls this fraction below its peak (0.20 = 20%)." },
      { path: "risk.kill_switch.balance_drop", label: "Balance drop (fraction)", kind: D, nullable: true, min: "0", minExclusive: true, max: "1", maxExclusive: true, hint: "Trip when equity is this fraction below the day's opening balance." },
      { path: "risk.kill_switch.api_error_rate", label: "Venue API error rate (fraction)", kind: D, nullable: true, min: "0", minExclusive: true, max: "1", hint: "Trip when this fraction of venue calls failed." },
      { path: "risk.kill_switch.api_min_calls", label: "Minimum venue calls", kind: I, min: "1", max: "100000", hint: "Venue calls needed before the error rate counts." },
      { path: "risk.kill_switch.api_window_seconds", label: "Error-rate window (seconds)", kind: I, min: "60", max: "3600", hint: "Seconds the venue error rate looks back." },
      { path: "risk.kill_switch.slippage_spike", label: "Slippage spike ($ per contract)", kind: D, nullable: true, min: "0", minExclusive: true, max: "1", maxExclusive: true, hint: "Trip when one recent order filled this much worse than decided." },
      { path: "risk.kill_switch.slippage_average", label: "Average slippage ($ per contract)", kind: D, nullable: true, min: "0", minExclusive: true, max: "1", maxExclusive: true, hint: "Trip when the recent orders' average slippage reaches this." },
      { path: "risk.kill_switch.slippage_window", label: "Slippage window (orders)", kind: I, min: "1", max: "100", hint: "Recent filled orders the slippage triggers read." },
      { path: "risk.kill_switch.stale_feed_seconds", label: "Stale game feed (seconds)", kind: I, nullable: true, min: "10", max: "86400", hint: "Trip when a held game is live and its league's feed is this old." },
      { path: "risk.kill_switch.market_paused", label: "Trip when a held market is paused", kind: B, hint: "Also when the exchange stops trading." },
      { path: "risk.kill_switch.flatten_max_slippage", label: "Closing max slippage ($ per contract)", kind: D, min: "0", max: "1", maxExclusive: true, hint: "Closing after a trip sells at most this far below the bid." },
      { path: "risk.kill_switch.flatten_attempts", label: "Closing attempts", kind: I, min: "1", max: "10", hint: "Closing rounds per position before alerting for a manual close." },
    ],
  },
  {
    path: "risk.order_limits",
    title: "Order limits",
    intro: "An order over these limits is refused before it reaches the venue.",
    fields: [
      { path: "risk.order_limits.max_contracts_per_order", label: "Max contracts per order", kind: D, min: "0", minExclusive: true, places: 2, hint: "Most contracts in one order." },
      { path: "risk.order_limits.max_cost_per_order", label: "Max cost per order ($)", kind: D, min: "0", minExclusive: true, places: 6, hint: "Most dollars one order can cost (worst case)." },
      { path: "risk.order_limits.slippage_tolerance", label: "Slippage tolerance ($ per contract)", kind: D, min: "0", max: "1", maxExclusive: true, hint: "Refuse an order when the book moved this much against the decision price." },
    ],
  },
  {
    path: "risk.execution",
    title: "Execution",
    intro: "How the bot's orders wait for fills.",
    fields: [
      { path: "risk.execution.max_wait_seconds", label: "Max order wait (seconds)", kind: I, min: "1", max: "3600", hint: "Seconds an order may rest before it is cancelled." },
      { path: "risk.execution.poll_seconds", label: "Fill check interval (seconds)", kind: I, min: "1", max: "60", hint: "Seconds between fill checks." },
      { path: "risk.execution.partial_fill_threshold", label: "Partial fill threshold (fraction)", kind: D, min: "0", minExclusive: true, max: "1", hint: "Once this fraction of an order filled, the rest is cancelled." },
    ],
  },
  {
    path: "sizing",
    title: "Sizing",
    intro: "How much the bot puts on one trade (dollars of cost).",
    fields: [
      { path: "sizing.default_size", label: "Default size ($)", kind: D, min: "0", minExclusive: true, places: 6, hint: "Dollars per trade; a trade never exceeds twice this." },
      { path: "sizing.max_position", label: "Max position ($)", kind: D, min: "0", minExclusive: true, places: 6, hint: "Most dollars one position may cost." },
      { path: "sizing.kelly_fraction", label: "Kelly fraction", kind: D, min: "0", minExclusive: true, max: "1", hint: "Fraction of the Kelly stake to bet." },
      { path: "sizing.max_balance_fraction", label: "Max balance fraction", kind: D, min: "0", minExclusive: true, max: "1", hint: "Most of the available balance one trade may use." },
      { path: "sizing.streak_step", label: "Losing-streak step", kind: D, min: "0", max: "1", maxExclusive: true, hint: "Size shrinks by this fraction per consecutive loss." },
      { path: "sizing.streak_floor", label: "Losing-streak floor", kind: D, min: "0", minExclusive: true, max: "1", hint: "The size multiplier never goes below this." },
    ],
  },
  {
    path: "thresholds",
    title: "Entry and exit thresholds",
    intro: "When the bot enters and leaves a market.",
    fields: [
      { path: "thresholds.edge_threshold", label: "Edge threshold (probability)", kind: D, min: "0", max: "0.5", hint: "Enter only when the edge after fees exceeds this." },
      { path: "thresholds.min_confidence", label: "Minimum confidence", kind: D, min: "0", max: "1", hint: "Enter only with at least this confidence (0–1)." },
      { path: "thresholds.max_spread", label: "Max spread ($)", kind: D, min: "0", minExclusive: true, max: "1", hint: "No entry when the bid/ask spread is wider than this." },
      { path: "thresholds.espn_weight", label: "ESPN weight", kind: D, min: "0", max: "1", hint: "Weight of ESPN's live win probability in the blend (0–1)." },
      { path: "thresholds.take_profit", label: "Take profit ($ per contract)", kind: D, min: "0", minExclusive: true, max: "1", maxExclusive: true, hint: "Exit when the exit price is this far above the entry." },
      { path: "thresholds.stop_loss", label: "Stop loss ($ per contract)", kind: D, min: "0", minExclusive: true, max: "1", maxExclusive: true, hint: "Exit when the exit price is this far below the entry." },
      { path: "thresholds.edge_reversal", label: "Edge reversal (probability)", kind: D, min: "0", max: "1", maxExclusive: true, hint: "Exit when the edge turns against the position by more than this." },
      { path: "thresholds.exit_before_end_seconds", label: "Exit before end (seconds)", kind: I, min: "0", max: "3600", hint: "Leave when less regulation time than this is left (unless holding to settlement)." },
      { path: "thresholds.cooldown_seconds", label: "Cooldown after exit (seconds)", kind: I, min: "0", max: "86400", hint: "Wait this long before entering the same market again." },
      { path: "thresholds.hold_to_settlement", label: "Hold positions to settlement", kind: B, hint: "Keep positions to settlement instead of exiting before the end." },
    ],
  },
];

const ALL_FIELDS: FieldSpec[] = SECTIONS.flatMap((s) => s.fields);
const FIELD_BY_PATH = new Map(ALL_FIELDS.map((f) => [f.path, f]));


/* ---------------- form state ---------------- */

export interface FormState {
  values: Record<string, string>;
  flags: Record<string, boolean>;
  off: Record<string, boolean>;
  leagues: League[];
}

function getPath(doc: unknown, path: string): unknown {
  let at: unknown = doc;
  for (const part of path.split(".")) {
    if (at === null || typeof at !== "object") return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

function setPath(doc: Record<string, unknown>, path: string, value: unknown) {
  const parts = path.split(".");
  let at = doc;
  for (const part of parts.slice(0, -1)) {
    if (typeof at[part] !== "object" || at[part] === null) at[part] = {};
    at = at[part] as Record<string, unknown>;
  }
  at[parts[parts.length - 1]!] = value;
}

export function formFromDocument(doc: SettingsDocument): FormState {
  const state: FormState = { values: {}, flags: {}, off: {}, leagues: [...(doc.leagues ?? [])] };
  for (const f of ALL_FIELDS) {
    const value = getPath(doc, f.path);
    if (f.kind === "bool") {
      state.flags[f.path] = value === true;
    } else {
      state.off[f.path] = value === null;
      state.values[f.path] = value === null || value === undefined ? "" : String(value);
    }
  }
  return state;
}

/** The document to PUT (decimals stay strings; whole numbers become numbers). */
export function documentFromForm(state: FormState): SettingsDocument {
  const doc: Record<string, unknown> = {};
  for (const f of ALL_FIELDS) {
    if (f.kind === "bool") setPath(doc, f.path, state.flags[f.path] === true);
    else if (f.nullable && state.off[f.path]) setPath(doc, f.path, null);
    else if (f.kind === "int") setPath(doc, f.path, Number(state.values[f.path]!.trim()));
    else setPath(doc, f.path, state.values[f.path]!.trim());
  }
  doc["leagues"] = LEAGUES.filter((l) => state.leagues.includes(l));
  return doc as unknown as SettingsDocument;
}

/* ---------------- validation ---------------- */

const DECIMAL = /^\d+(\.\d+)?$/;
const WHOLE = /^\d+$/;

/** "more than 0 and less than 1", "at least 1 and at most 100", "more than 0". */
export function rangeText(f: FieldSpec): string {
  const parts: string[] = [];
  if (f.min !== undefined) parts.push(`${f.minExclusive ? "more than" : "at least"} ${f.min}`);
  if (f.max !== undefined) parts.push(`${f.maxExclusive ? "less than" : "at most"} ${f.max}`);
  return parts.join(" and ");
}

function fieldProblem(f: FieldSpec, raw: string, off: boolean): string | undefined {
  if (f.kind === "bool" || (f.nullable && off)) return undefined;
  const value = raw.trim();
  if (value === "") return f.nullable ? "Enter a value, or turn this limit off." : "Enter a value.";
  if (f.kind === "int" && !WHOLE.test(value)) return "Enter a whole number.";
  if (f.kind === "decimal" && !DECIMAL.test(value)) return "Enter a number such as 0.25 (digits and one '.').";
  if (f.places !== undefined) {
    const decimals = value.split(".")[1]?.length ?? 0;
    if (decimals > f.places) return `Use at most ${f.places} decimal places.`;
  }
  const range = rangeText(f);
  if (f.min !== undefined) {
    const c = compareDecimal(value, f.min);
    if (c < 0 || (c === 0 && f.minExclusive)) return `Must be ${range}.`;
  }
  if (f.max !== undefined) {
    const c = compareDecimal(value, f.max);
    if (c > 0 || (c === 0 && f.maxExclusive)) return `Must be ${range}.`;
  }
  return undefined;
}

/** Field path → problem, for every field the API would refuse (where the check is simple). */
export function validateForm(state: FormState): Record<string, string> {
  const problems: Record<string, string> = {};
  for (const f of ALL_FIELDS) {
    const problem = fieldProblem(f, state.values[f.path] ?? "", state.off[f.path] === true);
    if (problem) problems[f.path] = problem;
  }
  const losses = "risk.kill_switch.consecutive_losses";
  const window = "risk.kill_switch.consecutive_window";
  if (!problems[losses] && !problems[window] && !state.off[losses]) {
    const l = Number(state.values[losses]);
    const w = Number(state.values[window]);
    if (l > w) problems[losses] = `Cannot exceed the consecutive-loss window (${w}).`;
  }
  return problems;
}

/** Where each of the API's `errors[]` ("path: problem") belongs: a field, a section, or the form. */
export function placeServerErrors(errors: string[]): { fields: Record<string, string>; sections: Record<string, string[]>; form: string[] } {
  const placed = { fields: {} as Record<string, string>, sections: {} as Record<string, string[]>, form: [] as string[] };
  for (const error of errors) {
    const cut = error.indexOf(": ");
    const where = cut > 0 ? error.slice(0, cut).trim() : "";
    const what = cut > 0 ? error.slice(cut + 2).replace(/^Value error, /, "") : error;
    if (FIELD_BY_PATH.has(where)) {
      placed.fields[where] = placed.fields[where] ? `${placed.fields[where]}; ${what}` : what;
      continue;
    }
    const section =
      where === "leagues" || where.startsWith("leagues.")
        ? "leagues"
        : SECTIONS.find((s) => where === s.path || where.startsWith(`${s.path}.`))?.path;
    if (section) (placed.sections[section] ??= []).push(where === section ? what : error);
    else placed.form.push(error);
  }
  return placed;
}

function errorText(error: unknown): string {
  if (error instanceof ApiUnreachable) return "Cannot reach the inplay API. Your changes are still here; try again.";
  if (error instanceof ApiError) return error.message;
  return error instanceof Error ? error.message : String(error);
}

function useAlive() {
  const alive = useRef(true);
  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);
  return alive;
}

/* ---------------- the form ---------------- */

function fieldId(base: string, path: string): string {
  return `${base}-${path.replace(/\./g, "-")}`;
}

function FieldRow({
  spec,
  base,
  state,
  error,
  onValue,
  onFlag,
  onOff,
}: {
  spec: FieldSpec;
  base: string;
  state: FormState;
  error: string | undefined;
  onValue: (path: string, value: string) => void;
  onFlag: (path: string, value: boolean) => void;
  onOff: (path: string, value: boolean) => void;
}) {
  const id = fieldId(base, spec.path);
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = error ? `${errorId} ${hintId}` : hintId;
  if (spec.kind === "bool") {
    return (
      <div style={S.check}>
        <label className="checkbox">
          <input
            id={id}
            type="checkbox"
            checked={state.flags[spec.path] === true}
            aria-describedby={describedBy}
            aria-invalid={error ? true : undefined}
            onChange={(e) => onFlag(spec.path, e.target.checked)}
          />
          {spec.label}
        </label>
        <span id={hintId} className="muted" style={S.hint}>
          {spec.hint}
        </span>
        {error ? (
          <p id={errorId} style={S.fieldError}>
            {error}
          </p>
        ) : null}
      </div>
    );
  }
  const off = spec.nullable === true && state.off[spec.path] === true;
  const range = rangeText(spec);
  return (
    <div className="field">
      <label htmlFor={id}>{spec.label}</label>
      <div style={S.control}>
        <input
          id={id}
          type="text"
          inputMode={spec.kind === "int" ? "numeric" : "decimal"}
          autoComplete="off"
          spellCheck={false}
          value={off ? "" : (state.values[spec.path] ?? "")}
          placeholder={off ? "off" : undefined}
          disabled={off}
          aria-describedby={describedBy}
          aria-invalid={error ? true : undefined}
          onChange={(e) => onValue(spec.path, e.target.value)}
        />
        {spec.nullable ? (
          <label style={S.offToggle}>
            <input
              type="checkbox"
              checked={off}
              style={S.offBox}
              aria-label={`Turn off ${spec.label}`}
              onChange={(e) => onOff(spec.path, e.target.checked)}
            />{" "}
            Off
          </label>
        ) : null}
      </div>
      <span id={hintId} className="muted" style={S.hint}>
        {spec.hint}
        {range ? ` Range: ${range}.` : ""}
        {spec.nullable ? " Off disables this trigger." : ""}
      </span>
      {error ? (
        <p id={errorId} style={S.fieldError}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

function SectionErrors({ errors }: { errors: string[] | undefined }) {
  if (!errors?.length) return null;
  return (
    <ul className="form-error" style={S.sectionErrors}>
      {errors.map((e, i) => (
        <li key={i}>{e}</li>
      ))}
    </ul>
  );
}

function SettingsForm({ view, botId, onReload }: { view: SettingsView; botId: string; onReload: () => void }) {
  const api = useApi();
  const alive = useAlive();
  const base = useId();
  const [state, setState] = useState<FormState>(() => formFromDocument(view.settings));
  // Edits not saved yet: a re-read of the settings (the app-wide Retry, a reload) must not wipe them.
  const [dirty, setDirty] = useState(false);
  const [shown, setShown] = useState(view);
  // What "Discard changes" goes back to: the settings as last read or saved.
  const [baseline, setBaseline] = useState<SettingsView>(view);
  const [clientErrors, setClientErrors] = useState<Record<string, string>>({});
  const [server, setServer] = useState<ReturnType<typeof placeServerErrors>>({ fields: {}, sections: {}, form: [] });
  const [failure, setFailure] = useState<string | null>(null);
  const [saved, setSaved] = useState<SettingsSaved | null>(null);
  const [busy, setBusy] = useState(false);
  const [problems, setProblems] = useState<string[]>(view.problems ?? []);
  if (view !== shown) {
    setShown(view);
    if (!dirty) {
      setBaseline(view);
      setState(formFromDocument(view.settings));
      setProblems(view.problems ?? []);
    }
  }

  function edited(path: string) {
    setDirty(true);
    setSaved(null);
    if (clientErrors[path]) setClientErrors(({ [path]: _gone, ...rest }) => rest);
    if (server.fields[path]) {
      setServer(({ fields: { [path]: _gone, ...rest }, ...others }) => ({ ...others, fields: rest }));
    }
  }

  const onValue = (path: string, value: string) => {
    setState((s) => ({ ...s, values: { ...s.values, [path]: value } }));
    edited(path);
  };
  const onFlag = (path: string, value: boolean) => {
    setState((s) => ({ ...s, flags: { ...s.flags, [path]: value } }));
    edited(path);
  };
  const onOff = (path: string, value: boolean) => {
    setState((s) => ({ ...s, off: { ...s.off, [path]: value } }));
    edited(path);
  };
  const toggleLeague = (league: League, on: boolean) => {
    setState((s) => ({ ...s, leagues: on ? [...s.leagues, league] : s.leagues.filter((l) => l !== league) }));
    setDirty(true);
    setSaved(null);
  };

  function focusFirst(paths: string[]) {
    const ordered = ALL_FIELDS.map((f) => f.path).filter((p) => paths.includes(p));
    const first = ordered[0];
    if (first) document.getElementById(fieldId(base, first))?.focus();
  }

  async function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    setSaved(null);
    setFailure(null);
    setServer({ fields: {}, sections: {}, form: [] });
    const found = validateForm(state);
    setClientErrors(found);
    if (Object.keys(found).length > 0) {
      setFailure(`Fix the ${Object.keys(found).length === 1 ? "highlighted field" : `${Object.keys(found).length} highlighted fields`} and save again.`);
      focusFirst(Object.keys(found));
      return;
    }
    setBusy(true);
    try {
      const answer = await api.put<SettingsSaved>(`/api/settings?bot_id=${encodeURIComponent(botId)}`, documentFromForm(state));
      if (!alive.current) return;
      setState(formFromDocument(answer.settings));
      setProblems(answer.problems ?? []);
      setSaved(answer);
      setBaseline(answer);
      setDirty(false);
    } catch (error) {
      if (!alive.current) return;
      setFailure(errorText(error));
      if (error instanceof ApiError && error.errors.length) {
        const placed = placeServerErrors(error.errors);
        setServer(placed);
        focusFirst(Object.keys(placed.fields));
      }
    } finally {
      if (alive.current) setBusy(false);
    }
  }

  function discard() {
    setDirty(false);
    setState(formFromDocument(baseline.settings));
    setProblems(baseline.problems ?? []);
    setClientErrors({});
    setServer({ fields: {}, sections: {}, form: [] });
    setFailure(null);
    setSaved(null);
  }

  const errorFor = (path: string) => clientErrors[path] ?? server.fields[path];
  const leaguesId = `${base}-leagues`;

  return (
    <form onSubmit={(e) => void save(e)} noValidate aria-label={`Settings of bot ${botId}`}>
      {problems.length > 0 ? (
        <div className="notice" role="note">
          <p>
            <strong>Some stored settings are invalid</strong> and are shown with their defaults. The kill switch uses
            the defaults; this bot does not trade until the settings are saved again.
          </p>
          <ul>
            {problems.map((p, i) => (
              <li key={i}>{p}</li>
            ))}
          </ul>
        </div>
      ) : null}
      {SECTIONS.map((section) => (
        <fieldset key={section.path} className="card" style={S.fieldset}>
          <legend style={S.legend}>{section.title}</legend>
          <p className="muted">{section.intro}</p>
          <SectionErrors errors={server.sections[section.path]} />
          <div style={S.grid}>
            {section.fields.map((f) => (
              <FieldRow
                key={f.path}
                spec={f}
                base={base}
                state={state}
                error={errorFor(f.path)}
                onValue={onValue}
                onFlag={onFlag}
                onOff={onOff}
              />
            ))}
          </div>
        </fieldset>
      ))}
      <fieldset className="card" style={S.fieldset} aria-describedby={`${leaguesId}-hint`}>
        <legend style={S.legend}>Leagues</legend>
        <p id={`${leaguesId}-hint`} className="muted">
          The leagues this bot trades.
          {state.leagues.length === 0 ? " With none selected the bot trades nothing." : ""}
        </p>
        <SectionErrors errors={server.sections["leagues"]} />
        <div style={S.grid}>
          {LEAGUES.map((league) => (
            <label key={league} className="checkbox" style={S.check}>
              <input
                type="checkbox"
                checked={state.leagues.includes(league)}
                onChange={(e) => toggleLeague(league, e.target.checked)}
              />
              {LEAGUE_NAMES[league]}
            </label>
          ))}
        </div>
      </fieldset>
      {failure ? (
        <div role="alert" className="form-error">
          <p>{failure}</p>
          {server.form.length > 0 ? (
            <ul>
              {server.form.map((e, i) => (
                <li key={i}>{e}</li>
              ))}
            </ul>
          ) : null}
          {failure && !Object.keys(clientErrors).length && !Object.keys(server.fields).length ? (
            <button
              type="button"
              onClick={() => {
                discard();
                onReload();
              }}
            >
              Reload settings
            </button>
          ) : null}
        </div>
      ) : null}
      <div role="status" aria-live="polite">
        {saved ? (
          <p style={S.success}>
            <strong>Saved.</strong> {saved.message}
            {saved.changed.length > 0 ? ` Changed: ${saved.changed.join(", ")}.` : ""}
          </p>
        ) : null}
      </div>
      <div className="button-row" style={S.actions}>
        <button type="submit" className="button-primary" disabled={busy} aria-busy={busy}>
          {busy ? "Saving…" : "Save settings"}
        </button>
        <button type="button" onClick={discard} disabled={busy}>
          Discard changes
        </button>
      </div>
    </form>
  );
}

export default function SettingsPage() {
  const ids = useId();
  const status = useBotStatus();
  const [chosen, setChosen] = useState<string | null>(null);
  const bots = status.data?.bots.map((b) => b.bot_id) ?? [];
  const options = bots.length > 0 ? bots : ["default"];
  const botId = chosen ?? options[0] ?? "default";
  const waitingForBots = status.status === "loading" && status.data === undefined;
  const settings = useResource(
    (api) =>
      waitingForBots
        ? new Promise<SettingsView>(() => undefined)
        : api.get<SettingsView>("/api/settings", { bot_id: botId }),
    [botId, waitingForBots],
  );

  let picker: ReactNode = null;
  if (!waitingForBots) {
    const all = options.includes(botId) ? options : [...options, botId];
    picker = (
      <div className="field" style={S.botField}>
        <label htmlFor={`${ids}-bot`}>Bot</label>
        <select id={`${ids}-bot`} value={botId} onChange={(e) => setChosen(e.target.value)}>
          {all.map((b) => (
            <option key={b} value={b}>
              {b}
            </option>
          ))}
        </select>
      </div>
    );
  }

  return (
    <Page title="Settings">
      <p className="muted">
        Risk limits, sizing and thresholds. The kill-switch limits are yours and guard every bot; the rest belongs to
        the bot chosen here. Every change is audited.
      </p>
      {picker}
      <ResourceView resource={settings} label="settings">
        {(view: SettingsView) => (
          <SettingsForm key={view.bot_id} view={view} botId={botId} onReload={settings.reload} />
        )}
      </ResourceView>
    </Page>
  );
}
