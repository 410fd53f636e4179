import { useEffect, useId, useRef, useState, type CSSProperties, type FormEvent } from "react";
import { ApiError, ApiUnreachable } from "../api/client";
import type {
  Finding,
  KillSwitchEvent,
  OrphanRecord,
  ReconcileReport,
  ReconcileResult,
  ResetResult,
  RiskEvent,
  RiskEventKind,
  RiskEventsPage,
} from "../api/pageTypes";
import type { BotStatus } from "../api/types";
import ResourceView from "../components/ResourceView";
import Page from "../components/Page";
import { formatCount, formatPrice, formatSignedMoney, formatTime } from "../format";
import { useApi } from "../hooks/useApi";
import { useBotStatus } from "../hooks/useBotStatus";
import { useResource } from "../hooks/useResource";
import { useLiveMessages } from "../live/useLive";

/** The API's limit on a reset reason (ResetRequest.reason). */
export const MAX_REASON_LENGTH = 500;
const EVENTS_PAGE_SIZE = 25;

/** Layout the shared stylesheet has no class for (React sets these through the CSSOM: CSP-safe). */
const S = {
  hint: { fontSize: "0.85rem" },
  success: { background: "var(--ok-bg)", color: "var(--ok)", padding: "0.5rem 0.75rem", borderRadius: "var(--radius)" },
  list: { listStyle: "none", padding: 0, margin: "0 0 0.75rem", display: "grid", gridTemplateColumns: "minmax(0, 1fr)", gap: "0.5rem" },
  scroller: { position: "relative" },
  factValue: { fontSize: "1rem" },
  result: { marginTop: "0.5rem" },
  event: { borderLeft: "4px solid var(--border)", background: "var(--bg)", padding: "0.4rem 0.75rem", borderRadius: "var(--radius)", overflowWrap: "anywhere" },
  eventDanger: { borderLeftColor: "var(--danger)" },
  eventWarning: { borderLeftColor: "#bf9800" },
  rowCritical: { background: "var(--error-bg)" },
  rowWarning: { background: "var(--warn-bg)" },
  critical: { color: "var(--error-text)" },
  report: { borderTop: "1px solid var(--border)", paddingTop: "0.5rem", marginTop: "0.5rem" },
  wrapCell: { whiteSpace: "normal", minWidth: "14rem" },
  inlineField: { maxWidth: "16rem" },
} satisfies Record<string, CSSProperties>;

const TRIGGER_NAMES: Record<string, string> = {
  daily_loss: "daily loss limit",
  consecutive_losses: "consecutive losses",
  drawdown: "drawdown",
  api_error_rate: "venue API error rate",
  slippage_spike: "slippage spike",
  balance_drop: "balance drop",
  stale_game_feed: "stale game feed",
  market_paused: "market paused",
  manual: "manual (emergency stop)",
};

const FINDING_NAMES: Record<string, string> = {
  orphan_order: "Orphan order",
  orphan_position: "Orphan position",
  adopted_order: "Adopted order",
  ghost_position: "Ghost position",
  quantity_mismatch: "Quantity mismatch",
  price_mismatch: "Price mismatch",
  intent_settled: "Intent settled",
  reaudited: "Re-audited",
  orphan_resolved: "Orphan resolved",
};

const RECONCILE_TRIGGERS: Record<string, string> = {
  schedule: "scheduled",
  api: "on demand",
  bot_start: "bot start",
  bot_stop: "bot stop",
  test: "test",
};

function reconcileTrigger(trigger: string): string {
  return RECONCILE_TRIGGERS[trigger] ?? trigger.replace(/_/g, " ");
}

const KIND_NAMES: Record<RiskEventKind, string> = {
  kill_switch: "Kill switch",
  orphan: "Orphan",
  reconcile: "Reconcile",
};

function triggerName(trigger: string | null | undefined): string {
  if (!trigger) return "—";
  return TRIGGER_NAMES[trigger] ?? trigger.replace(/_/g, " ");
}

function errorText(error: unknown): string {
  if (error instanceof ApiUnreachable) return "Cannot reach the inplay API.";
  if (error instanceof ApiError) {
    return error.errors.length ? `${error.message}: ${error.errors.join("; ")}` : error.message;
  }
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

/* ---------------- kill switch ---------------- */

function KillSwitchCard({ status, onChanged }: { status: BotStatus; onChanged: () => void }) {
  const api = useApi();
  const alive = useAlive();
  const ids = useId();
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const ks = status.kill_switch;
  const tripped = ks.tripped || ks.state === "TRIPPED";
  const trimmed = reason.trim();
  // A new trip makes an earlier "reset" confirmation stale.
  const [shownTripped, setShownTripped] = useState(tripped);
  if (tripped !== shownTripped) {
    setShownTripped(tripped);
    if (tripped) setDone(null);
  }
  const tooLong = reason.length > MAX_REASON_LENGTH;

  async function reset(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!trimmed || tooLong || busy) return;
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const result = await api.post<ResetResult>("/api/bot/kill-switch/reset", { reason: trimmed });
      if (!alive.current) return;
      setReason("");
      const message = result.message || "kill switch reset";
      setDone(`${message.charAt(0).toUpperCase()}${message.slice(1)}. New orders are allowed again.`);
      onChanged();
    } catch (err) {
      if (!alive.current) return;
      setError(errorText(err));
    } finally {
      if (alive.current) setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`}>Kill switch</h2>
      <p>
        <span
          className={tripped ? "badge badge-large ks-tripped" : "badge badge-large ks-normal"}
          data-testid="risk-kill-switch-state"
        >
          {tripped ? "TRIPPED" : "ARMED"}
        </span>{" "}
        {tripped
          ? "New orders are blocked until a person resets the switch."
          : "Armed and not tripped: the limits in Settings guard every bot."}
      </p>
      {tripped ? (
        <dl className="stats">
          <div>
            <dt>Trigger</dt>
            <dd style={S.factValue}>{triggerName(ks.trigger)}</dd>
          </div>
          <div>
            <dt>Reason</dt>
            <dd style={S.factValue}>{ks.reason || "—"}</dd>
          </div>
          <div>
            <dt>Since</dt>
            <dd style={S.factValue}>{ks.changed_at ? <time dateTime={ks.changed_at}>{formatTime(ks.changed_at)}</time> : "—"}</dd>
          </div>
        </dl>
      ) : null}
      <div role="status">{done ? <p style={S.success}>{done}</p> : null}</div>
      {tripped ? (
        <form onSubmit={(e) => void reset(e)} aria-label="Kill-switch reset" noValidate>
          <div className="field">
            <label htmlFor={`${ids}-reason`}>Reason</label>
            <textarea
              id={`${ids}-reason`}
              value={reason}
              rows={3}
              maxLength={MAX_REASON_LENGTH}
              required
              aria-describedby={`${ids}-reason-hint`}
              aria-invalid={tooLong ? true : undefined}
              onChange={(e) => setReason(e.target.value)}
            />
            <span id={`${ids}-reason-hint`} className="muted" style={S.hint}>
              Required and audited: why it is safe to trade again ({reason.length}/{MAX_REASON_LENGTH}).
            </span>
          </div>
          {error ? (
            <p role="alert" className="form-error">
              {error}
            </p>
          ) : null}
          <button type="submit" className="button-danger" disabled={!trimmed || tooLong || busy} aria-busy={busy}>
            {busy ? "Resetting…" : "Reset kill switch"}
          </button>
        </form>
      ) : null}
    </section>
  );
}

/* ---------------- reconcile ---------------- */

function FindingsTable({ findings, label }: { findings: Finding[]; label: string }) {
  return (
    <div className="table-scroll" style={S.scroller} tabIndex={0} role="region" aria-label={`${label}, scrollable`}>
      <table aria-label={label}>
        <thead>
          <tr>
            <th scope="col">Finding</th>
            <th scope="col">Market</th>
            <th scope="col">Store</th>
            <th scope="col">Venue</th>
            <th scope="col">Action taken</th>
          </tr>
        </thead>
        <tbody>
          {findings.map((f, i) => (
            <tr key={i} style={f.critical ? S.rowCritical : undefined}>
              <td>
                {FINDING_NAMES[f.kind] ?? f.kind}
                {f.critical ? <strong style={S.critical}> (critical)</strong> : null}
              </td>
              <td>{f.market_ticker ?? "—"}</td>
              <td className="num">{f.store ?? "—"}</td>
              <td className="num">{f.venue ?? "—"}</td>
              <td style={S.wrapCell}>{f.action || "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function reportSummary(r: ReconcileReport): string {
  if (!r.ok) return `Aborted: ${r.aborted_reason ?? "no reason given"}`;
  const findings = r.findings ?? [];
  const critical = findings.filter((f) => f.critical).length;
  return (
    `${findings.length} finding${findings.length === 1 ? "" : "s"}` +
    (critical ? ` (${critical} critical)` : "") +
    `; venue: ${r.venue_orders ?? 0} order(s), ${r.venue_positions ?? 0} position(s); ` +
    `store: ${r.store_positions ?? 0} position(s); ${r.intents_checked ?? 0} intent(s) checked`
  );
}

function ReportDetail({ report, headingLevel = 3 }: { report: ReconcileReport; headingLevel?: 3 | 4 }) {
  const Heading = headingLevel === 3 ? "h3" : "h4";
  const findings = report.findings ?? [];
  return (
    <article style={S.report}>
      <Heading>
        {report.ok ? "OK" : "Aborted"} · {report.mode.toUpperCase()} · {reconcileTrigger(report.trigger)} ·{" "}
        <time dateTime={report.finished_at}>{formatTime(report.finished_at)}</time>
      </Heading>
      <p>{reportSummary(report)}</p>
      {findings.length > 0 ? (
        <FindingsTable findings={findings} label={`Reconcile findings, ${formatTime(report.finished_at)}`} />
      ) : null}
    </article>
  );
}

function ReconcileCard({ onChanged }: { onChanged: () => void }) {
  const api = useApi();
  const alive = useAlive();
  const ids = useId();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<ReconcileResult | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function run() {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      const answer = await api.post<ReconcileResult>("/api/bot/reconcile");
      if (!alive.current) return;
      setResult(answer);
      onChanged();
    } catch (err) {
      if (!alive.current) return;
      setResult(null);
      setError(errorText(err));
    } finally {
      if (alive.current) setBusy(false);
    }
  }

  const reports = result?.reports ?? [];
  return (
    <section className="card" aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`}>Reconcile</h2>
      <p className="muted">
        Compares the venue&apos;s orders and positions with the bot&apos;s records, adopts or flags differences, and
        records a report. It also runs on a schedule.
      </p>
      <button type="button" className="button-primary" onClick={() => void run()} disabled={busy} aria-busy={busy}>
        {busy ? "Reconciling…" : "Run reconcile now"}
      </button>
      {error ? (
        <p role="alert" className="form-error">
          Reconcile failed: {error}
        </p>
      ) : null}
      <div role="status" aria-live="polite" style={S.result}>
        {result ? (
          <>
            <p>
              Reconcile {result.status === "ok" ? "finished" : `answered “${result.status}”`}:{" "}
              {reports.length === 0
                ? "no report (nothing to reconcile)."
                : `${reports.length} report${reports.length === 1 ? "" : "s"}.`}
            </p>
            {reports.map((r) => (
              <ReportDetail key={r.report_id} report={r} />
            ))}
          </>
        ) : null}
      </div>
    </section>
  );
}

/* ---------------- events ---------------- */

function killSwitchText(k: KillSwitchEvent): string {
  const parts = [`Tripped by ${triggerName(k.trigger)}`];
  if (k.reason) parts.push(`reason: ${k.reason}`);
  parts.push(`by ${k.by}`);
  if (k.cancelled_orders?.length) parts.push(`${k.cancelled_orders.length} order(s) cancelled`);
  if (k.positions_closed?.length) parts.push(`${k.positions_closed.length} position(s) closed`);
  if (k.total_pnl != null) parts.push(`P&L ${formatSignedMoney(k.total_pnl)}`);
  if (k.resolved_at) {
    parts.push(`reset ${formatTime(k.resolved_at)}${k.resolved_by ? ` by ${k.resolved_by}` : ""}`);
    if (k.resolution_notes) parts.push(`“${k.resolution_notes}”`);
  } else {
    parts.push("not reset yet");
  }
  return parts.join("; ");
}

function orphanText(o: OrphanRecord): string {
  const what = `${o.kind === "order" ? "Orphan order" : "Orphan position"} on ${o.market_ticker}: ${o.side.toUpperCase()} ${formatCount(o.size)}`;
  const price = o.price ? ` at ${formatPrice(o.price)}` : "";
  const state = o.resolved ? `resolved${o.resolution ? ` (${o.resolution.replace(/_/g, " ").toLowerCase()})` : ""}` : "unresolved";
  return `${what}${price} (${o.mode.toUpperCase()}); ${state}`;
}

function eventText(e: RiskEvent): string {
  if (e.kind === "kill_switch" && e.kill_switch) return killSwitchText(e.kill_switch);
  if (e.kind === "orphan" && e.orphan) return orphanText(e.orphan);
  if (e.kind === "reconcile" && e.reconcile) {
    const r = e.reconcile;
    return `${r.ok ? "Reconciled" : "Reconcile aborted"} (${reconcileTrigger(r.trigger)}, ${r.mode.toUpperCase()}): ${reportSummary(r)}`;
  }
  return e.id;
}

function eventStyle(e: RiskEvent): CSSProperties {
  if (e.kind === "kill_switch" && !e.kill_switch?.resolved_at) return { ...S.event, ...S.eventDanger };
  if (e.kind === "orphan" && !e.orphan?.resolved) return { ...S.event, ...S.eventWarning };
  if (e.reconcile && (!e.reconcile.ok || e.reconcile.findings?.some((f) => f.critical))) {
    return { ...S.event, ...S.eventWarning };
  }
  return S.event;
}

/** A paged list of risk events: the first page from a resource, later pages on "Load more". */
function usePagedEvents(kind: RiskEventKind | "", refresh: number, pageSize = EVENTS_PAGE_SIZE) {
  const api = useApi();
  const alive = useAlive();
  const first = useResource(
    (a) => a.get<RiskEventsPage>("/api/risk/events", { kind: kind || undefined, limit: pageSize }),
    [kind, refresh, pageSize],
  );
  const [extra, setExtra] = useState<{ of: RiskEventsPage | undefined; events: RiskEvent[]; cursor?: string | null }>({
    of: undefined,
    events: [],
  });
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const current = extra.of === first.data ? extra : { of: first.data, events: [], cursor: first.data?.next_cursor };

  async function loadMore() {
    const cursor = current.cursor;
    const of = first.data;
    if (!cursor || loading) return;
    setLoading(true);
    setError(null);
    try {
      const page = await api.get<RiskEventsPage>("/api/risk/events", {
        kind: kind || undefined,
        limit: pageSize,
        cursor,
      });
      if (!alive.current) return;
      setExtra({ of, events: [...current.events, ...page.events], cursor: page.next_cursor });
    } catch (err) {
      if (!alive.current) return;
      setError(errorText(err));
    } finally {
      if (alive.current) setLoading(false);
    }
  }

  return { first, more: current.events, cursor: current.cursor, loading, error, loadMore };
}

function LoadMore({
  cursor,
  loading,
  error,
  onMore,
  what,
}: {
  cursor: string | null | undefined;
  loading: boolean;
  error: string | null;
  onMore: () => void;
  what: string;
}) {
  return (
    <>
      {error ? (
        <p role="alert" className="form-error">
          Could not load more {what}: {error}{" "}
          <button type="button" onClick={onMore}>
            Retry
          </button>
        </p>
      ) : null}
      {cursor ? (
        <button type="button" onClick={onMore} disabled={loading} aria-busy={loading}>
          {loading ? "Loading more…" : `Load more ${what}`}
        </button>
      ) : null}
    </>
  );
}

function EventsCard({ refresh }: { refresh: number }) {
  const ids = useId();
  const [kind, setKind] = useState<RiskEventKind | "">("");
  const paged = usePagedEvents(kind, refresh);
  return (
    <section className="card" aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`}>Risk events</h2>
      <div className="field" style={S.inlineField}>
        <label htmlFor={`${ids}-kind`}>Show</label>
        <select id={`${ids}-kind`} value={kind} onChange={(e) => setKind(e.target.value as RiskEventKind | "")}>
          <option value="">All events</option>
          <option value="kill_switch">Kill-switch trips</option>
          <option value="orphan">Orphans</option>
          <option value="reconcile">Reconcile reports</option>
        </select>
      </div>
      <ResourceView
        resource={paged.first}
        label="risk events"
        isEmpty={(page: RiskEventsPage) => page.events.length === 0 && !page.next_cursor}
        empty={<p>No risk events yet: the kill switch has not tripped and reconcile has found nothing to report.</p>}
      >
        {(page: RiskEventsPage) => (
          <>
            <ul aria-label="Risk events" style={S.list}>
              {[...page.events, ...paged.more].map((e) => (
                <li key={`${e.kind}-${e.id}`} style={eventStyle(e)}>
                  <strong>{KIND_NAMES[e.kind] ?? e.kind}</strong>{" "}
                  <time dateTime={e.at}>{formatTime(e.at)}</time>
                  <div>{eventText(e)}</div>
                </li>
              ))}
            </ul>
            <LoadMore
              cursor={paged.cursor}
              loading={paged.loading}
              error={paged.error}
              onMore={() => void paged.loadMore()}
              what="events"
            />
          </>
        )}
      </ResourceView>
    </section>
  );
}

function OrphansCard({ refresh }: { refresh: number }) {
  const ids = useId();
  const paged = usePagedEvents("orphan", refresh);
  return (
    <section className="card" aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`}>Orphans</h2>
      <p className="muted">
        Orders or positions found at the venue that the bot has no record of (or the other way round). Unresolved
        ones need a look: close them at the venue or confirm they are expected.
      </p>
      <ResourceView
        resource={paged.first}
        label="orphans"
        isEmpty={(page: RiskEventsPage) => page.events.length === 0 && !page.next_cursor}
        empty={<p>No orphaned orders or positions.</p>}
      >
        {(page: RiskEventsPage) => {
          const orphans = [...page.events, ...paged.more]
            .map((e) => e.orphan)
            .filter((o): o is OrphanRecord => o != null);
          return (
            <>
              <div className="table-scroll" style={S.scroller} tabIndex={0} role="region" aria-label="Orphans, scrollable">
                <table aria-label="Orphans">
                  <thead>
                    <tr>
                      <th scope="col">Detected</th>
                      <th scope="col">Kind</th>
                      <th scope="col">Market</th>
                      <th scope="col">Mode</th>
                      <th scope="col">Side</th>
                      <th scope="col">Contracts</th>
                      <th scope="col">Price</th>
                      <th scope="col">State</th>
                      <th scope="col">Notes</th>
                    </tr>
                  </thead>
                  <tbody>
                    {orphans.map((o) => (
                      <tr key={o.orphan_id} style={o.resolved ? undefined : S.rowWarning}>
                        <td>
                          <time dateTime={o.detected_at}>{formatTime(o.detected_at)}</time>
                        </td>
                        <td>{o.kind}</td>
                        <td>{o.market_ticker}</td>
                        <td>{o.mode.toUpperCase()}</td>
                        <td>{o.side.toUpperCase()}</td>
                        <td className="num">{formatCount(o.size)}</td>
                        <td className="num">{o.price ? formatPrice(o.price) : "—"}</td>
                        <td>
                          {o.resolved
                            ? `Resolved${o.resolution ? `: ${o.resolution.replace(/_/g, " ").toLowerCase()}` : ""}`
                            : "Unresolved"}
                        </td>
                        <td>{o.notes || "—"}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <LoadMore
                cursor={paged.cursor}
                loading={paged.loading}
                error={paged.error}
                onMore={() => void paged.loadMore()}
                what="orphans"
              />
            </>
          );
        }}
      </ResourceView>
    </section>
  );
}

function ReportsCard({ refresh }: { refresh: number }) {
  const ids = useId();
  const paged = usePagedEvents("reconcile", refresh, 10);
  return (
    <section className="card" aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`}>Reconcile reports</h2>
      <ResourceView
        resource={paged.first}
        label="reconcile reports"
        isEmpty={(page: RiskEventsPage) => page.events.length === 0 && !page.next_cursor}
        empty={<p>No reconcile has run yet. Use “Run reconcile now” or wait for the scheduled run.</p>}
      >
        {(page: RiskEventsPage) => (
          <>
            <ul aria-label="Reconcile reports" style={S.list}>
              {[...page.events, ...paged.more].map((e) =>
                e.reconcile ? (
                  <li key={e.id}>
                    <ReportDetail report={e.reconcile} />
                  </li>
                ) : null,
              )}
            </ul>
            <LoadMore
              cursor={paged.cursor}
              loading={paged.loading}
              error={paged.error}
              onMore={() => void paged.loadMore()}
              what="reports"
            />
          </>
        )}
      </ResourceView>
    </section>
  );
}

export default function RiskPage() {
  const status = useBotStatus();
  const [refresh, setRefresh] = useState(0);
  const reloadStatus = status.reload;

  function changed() {
    reloadStatus();
    setRefresh((n) => n + 1);
  }
  useLiveMessages((message) => {
    if (message.type === "KILL_SWITCH") changed();
  });

  return (
    <Page title="Risk">
      <ResourceView resource={status} label="kill switch">
        {(s: BotStatus) => <KillSwitchCard status={s} onChanged={changed} />}
      </ResourceView>
      <ReconcileCard onChanged={() => setRefresh((n) => n + 1)} />
      <EventsCard refresh={refresh} />
      <OrphansCard refresh={refresh} />
      <ReportsCard refresh={refresh} />
    </Page>
  );
}
