import { useEffect, useId, useRef, useState, type CSSProperties, type FormEvent } from "react";
import { ApiError, ApiUnreachable } from "../api/client";
import type { AuditTrade, AuditTradesPage, TradeKind } from "../api/pageTypes";
import ResourceView from "../components/ResourceView";
import Page from "../components/Page";
import { formatCount, formatMoney, formatPrice, formatTime } from "../format";
import { useApi } from "../hooks/useApi";
import { useResource } from "../hooks/useResource";

/** Page size of the audit trail (the API allows 1..200). */
export const TRADES_PAGE_SIZE = 50;
/** The widest window the API accepts, in days (AUDIT_MAX_DAYS). */
export const MAX_WINDOW_DAYS = 92;
const TICKER = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const KINDS: TradeKind[] = ["ENTRY", "EXIT", "CANCEL", "ERROR"];

/** Layout the shared stylesheet has no class for (React sets these through the CSSOM: CSP-safe). */
const S = {
  filters: { display: "flex", flexWrap: "wrap", gap: "0 1rem", alignItems: "flex-start" },
  filterField: { flex: "1 1 9.5rem", minWidth: 0 },
  filterAction: { flex: "0 0 auto", alignSelf: "flex-end" },
  fieldError: { color: "var(--error-text)", fontWeight: 600, fontSize: "0.9rem" },
  detail: { whiteSpace: "normal", maxWidth: "22rem", overflowWrap: "anywhere", margin: "0.25rem 0 0" },
  dd: { margin: "0 0 0.25rem" },
  scroller: { position: "relative" },
} satisfies Record<string, CSSProperties>;

interface Filters {
  start: string;
  end: string;
  market: string;
  kind: TradeKind | "";
}

function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** The default window: the last 7 UTC days, today included (the API's own default). */
export function defaultFilters(now: Date = new Date()): Filters {
  const start = new Date(now.getTime() - 6 * 24 * 60 * 60 * 1000);
  return { start: utcDay(start), end: utcDay(now), market: "", kind: "" };
}

function dayNumber(day: string): number {
  return Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10))) / 86_400_000;
}

/** What is wrong with the filters, by field (empty when they can be sent). */
export function validateFilters(f: Filters): Partial<Record<keyof Filters, string>> {
  const problems: Partial<Record<keyof Filters, string>> = {};
  const day = /^\d{4}-\d{2}-\d{2}$/;
  if (!day.test(f.start)) problems.start = "Enter a start date.";
  if (!day.test(f.end)) problems.end = "Enter an end date.";
  if (!problems.start && !problems.end) {
    const span = dayNumber(f.end) - dayNumber(f.start);
    if (span < 0) problems.end = "The end date must not be before the start date.";
    else if (span + 1 > MAX_WINDOW_DAYS) problems.end = `Choose at most ${MAX_WINDOW_DAYS} days.`;
  }
  const market = f.market.trim();
  if (market && (market.length > 200 || !TICKER.test(market))) {
    problems.market = "A market ticker has letters, digits, '.', '_' and '-' only (e.g. KXNBAGAME-26NOV24NYKBOS-BOS).";
  }
  return problems;
}

function query(f: Filters, cursor?: string) {
  return {
    start: f.start,
    end: f.end,
    market: f.market.trim() ? f.market.trim().toUpperCase() : undefined,
    kind: f.kind || undefined,
    limit: TRADES_PAGE_SIZE,
    cursor,
  };
}

function errorText(error: unknown): string {
  if (error instanceof ApiUnreachable) return "Cannot reach the inplay API.";
  if (error instanceof ApiError) {
    return error.errors.length ? `${error.message}: ${error.errors.join("; ")}` : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

function kindClass(kind: TradeKind): string {
  return kind === "ERROR" ? "badge ks-tripped" : "badge state-badge";
}

function TradeRow({ trade }: { trade: AuditTrade }) {
  const intent = trade.payload?.intent ?? undefined;
  const filled = intent?.filled_count;
  const count = intent?.count;
  const errorInfo = intent?.error;
  return (
    <tr>
      <td>
        <time dateTime={trade.at}>{formatTime(trade.at)}</time>
      </td>
      <td>
        <span className={kindClass(trade.kind)}>{trade.kind}</span>
      </td>
      <td>{trade.market_ticker ?? "—"}</td>
      <td>{intent?.action && intent?.side ? `${intent.action} ${intent.side.toUpperCase()}` : "—"}</td>
      <td className="num">
        {filled != null && count != null
          ? `${formatCount(filled)} / ${formatCount(count)}`
          : count != null
            ? formatCount(count)
            : "—"}
      </td>
      <td className="num">{intent?.price ? formatPrice(intent.price) : "—"}</td>
      <td className="num">{intent?.average_fill_price ? formatPrice(intent.average_fill_price) : "—"}</td>
      <td className="num">{intent?.fees != null ? formatMoney(intent.fees) : "—"}</td>
      <td>
        {intent?.status ?? "—"}
        {errorInfo ? <div className="muted">{errorInfo.message || errorInfo.code}</div> : null}
      </td>
      <td>{intent?.mode ? intent.mode.toUpperCase() : "—"}</td>
      <td>{trade.payload?.reason ?? "—"}</td>
      <td>
        <details>
          <summary>
            #{trade.seq}
            <span className="sr-only"> audit record details</span>
          </summary>
          <dl style={S.detail}>
            <dt>Intent</dt>
            <dd style={S.dd}>
              <code>{trade.intent_id ?? "—"}</code>
            </dd>
            <dt>Hash</dt>
            <dd style={S.dd}>
              <code>{trade.hash}</code>
            </dd>
            <dt>Previous hash</dt>
            <dd style={S.dd}>
              <code>{trade.prev_hash}</code>
            </dd>
          </dl>
        </details>
      </td>
    </tr>
  );
}

function TradesTable({ trades }: { trades: AuditTrade[] }) {
  return (
    <div className="table-scroll" style={S.scroller} tabIndex={0} role="region" aria-label="Audit trail, scrollable">
      <table aria-label="Audit trail">
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Kind</th>
            <th scope="col">Market</th>
            <th scope="col">Order</th>
            <th scope="col">Filled / contracts</th>
            <th scope="col">Limit price</th>
            <th scope="col">Avg fill</th>
            <th scope="col">Fees</th>
            <th scope="col">Status</th>
            <th scope="col">Mode</th>
            <th scope="col">Reason</th>
            <th scope="col">Record</th>
          </tr>
        </thead>
        <tbody>
          {trades.map((t) => (
            <TradeRow key={`${t.seq}-${t.hash}`} trade={t} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

const pageKeys = new WeakMap<object, number>();
let nextPageKey = 0;

/** A key per first-page object, so a re-read (Apply, Retry) starts "load more" afresh. */
function pageKey(page: object): number {
  let key = pageKeys.get(page);
  if (key === undefined) {
    key = ++nextPageKey;
    pageKeys.set(page, key);
  }
  return key;
}

/** The rows after the first page, and the cursor of the next one. */
interface More {
  trades: AuditTrade[];
  cursor: string | null | undefined;
  loading: boolean;
  error: string | null;
}

function TradeList({ first, filters }: { first: AuditTradesPage; filters: Filters }) {
  const api = useApi();
  const [more, setMore] = useState<More>({ trades: [], cursor: first.next_cursor, loading: false, error: null });
  const alive = useRef(true);
  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);

  async function loadMore() {
    if (!more.cursor || more.loading) return;
    const cursor = more.cursor;
    setMore((m) => ({ ...m, loading: true, error: null }));
    try {
      const page = await api.get<AuditTradesPage>("/api/audit/trades", query(filters, cursor));
      if (!alive.current) return;
      setMore((m) => ({ trades: [...m.trades, ...page.trades], cursor: page.next_cursor, loading: false, error: null }));
    } catch (error) {
      if (!alive.current) return;
      setMore((m) => ({ ...m, loading: false, error: errorText(error) }));
    }
  }

  const trades = [...first.trades, ...more.trades];
  return (
    <>
      <p className="muted" aria-live="polite">
        {trades.length} record{trades.length === 1 ? "" : "s"} from {first.start} to {first.end} (UTC)
        {filters.market ? `, market ${filters.market}` : ""}
        {filters.kind ? `, ${filters.kind} only` : ""}, newest first.
      </p>
      <TradesTable trades={trades} />
      {more.error ? (
        <div role="alert" className="form-error">
          Could not load more records: {more.error}{" "}
          <button type="button" onClick={() => void loadMore()}>
            Retry
          </button>
        </div>
      ) : null}
      {more.cursor ? (
        <button type="button" onClick={() => void loadMore()} disabled={more.loading} aria-busy={more.loading}>
          {more.loading ? "Loading more…" : "Load more"}
        </button>
      ) : trades.length > 0 ? (
        <p className="muted">That is every record in this window.</p>
      ) : null}
    </>
  );
}

export default function TradesPage() {
  const [draft, setDraft] = useState<Filters>(() => defaultFilters());
  const [applied, setApplied] = useState<Filters>(draft);
  const [problems, setProblems] = useState<Partial<Record<keyof Filters, string>>>({});
  const [generation, setGeneration] = useState(0);
  const ids = useId();
  const resource = useResource(
    (api) => api.get<AuditTradesPage>("/api/audit/trades", query(applied)),
    [applied, generation],
  );

  function apply(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const found = validateFilters(draft);
    setProblems(found);
    if (Object.keys(found).length > 0) {
      const first = (["start", "end", "market"] as const).find((k) => found[k]);
      if (first) document.getElementById(`${ids}-${first}`)?.focus();
      return;
    }
    setApplied({ ...draft, market: draft.market.trim().toUpperCase() });
    setGeneration((g) => g + 1);
  }

  function field(name: keyof Filters) {
    const error = problems[name];
    return {
      id: `${ids}-${name}`,
      "aria-invalid": error ? true : undefined,
      "aria-describedby": error ? `${ids}-${name}-error` : undefined,
    };
  }

  function fieldError(name: keyof Filters) {
    const error = problems[name];
    return error ? (
      <span id={`${ids}-${name}-error`} style={S.fieldError}>
        {error}
      </span>
    ) : null;
  }

  return (
    <Page title="Trades">
      <p className="muted">
        The order audit trail: every entry, exit, cancel and error, with the hash chain that makes it tamper-evident.
      </p>
      <form style={S.filters} onSubmit={apply} aria-label="Filter trades" noValidate>
        <div className="field" style={S.filterField}>
          <label htmlFor={`${ids}-start`}>From</label>
          <input
            type="date"
            {...field("start")}
            value={draft.start}
            onChange={(e) => setDraft({ ...draft, start: e.target.value })}
          />
          {fieldError("start")}
        </div>
        <div className="field" style={S.filterField}>
          <label htmlFor={`${ids}-end`}>To</label>
          <input
            type="date"
            {...field("end")}
            value={draft.end}
            onChange={(e) => setDraft({ ...draft, end: e.target.value })}
          />
          {fieldError("end")}
        </div>
        <div className="field" style={S.filterField}>
          <label htmlFor={`${ids}-market`}>Market</label>
          <input
            type="text"
            {...field("market")}
            value={draft.market}
            placeholder="any market"
            autoComplete="off"
            spellCheck={false}
            onChange={(e) => setDraft({ ...draft, market: e.target.value })}
          />
          {fieldError("market")}
        </div>
        <div className="field" style={S.filterField}>
          <label htmlFor={`${ids}-kind`}>Kind</label>
          <select
            id={`${ids}-kind`}
            value={draft.kind}
            onChange={(e) => setDraft({ ...draft, kind: e.target.value as TradeKind | "" })}
          >
            <option value="">All kinds</option>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </div>
        <div className="field" style={S.filterAction}>
          <button type="submit" className="button-primary">
            Apply
          </button>
        </div>
      </form>
      <ResourceView
        resource={resource}
        label="trades"
        isEmpty={(page: AuditTradesPage) => page.trades.length === 0 && !page.next_cursor}
        empty={<p>No trades in this window. Widen the dates or clear the market filter.</p>}
      >
        {(page: AuditTradesPage) => <TradeList key={pageKey(page)} first={page} filters={applied} />}
      </ResourceView>
    </Page>
  );
}
