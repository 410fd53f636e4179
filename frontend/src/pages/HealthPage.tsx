import { useId, useState, type CSSProperties, type ReactNode } from "react";
import { leagueName, type ComponentStatus, type HealthComponent, type LeagueStats, type Performance, type TradingHealth, type TradingMode } from "../api/pageTypes";
import EquityChart from "../components/EquityChart";
import ResourceView from "../components/ResourceView";
import Page from "../components/Page";
import { formatCount, formatMoney, formatPercent, formatSignedMoney, formatTime, signOf } from "../format";
import { useResource } from "../hooks/useResource";
import { useLiveMessages } from "../live/useLive";

/** The windows offered for the equity curve (the API accepts 1..365 days). */
export const PERIODS = [7, 30, 90, 365] as const;

const COMPONENT_NAMES: Record<keyof TradingHealth["components"], string> = {
  venue: "Venue",
  dynamodb: "Database",
  feed: "Game feed",
  bots: "Bots",
  reconcile: "Reconcile",
  kill_switch: "Kill switch",
};

/** Layout the shared stylesheet has no class for (React sets these through the CSSOM: CSP-safe). */
const S = {
  cards: { listStyle: "none", padding: 0, margin: 0 },
  card: { marginBottom: 0 },
  list: { margin: "0.25rem 0 0", paddingLeft: "1.1rem" },
  facts: { gridTemplateColumns: "repeat(auto-fit, minmax(7rem, 1fr))", gap: "0.5rem", margin: "0.5rem 0 0" },
  factValue: { fontSize: "1rem" },
  warning: { background: "var(--warn-bg)", color: "var(--warn-text)", borderColor: "#bf9800" },
  filters: { display: "flex", flexWrap: "wrap", gap: "0 1rem" },
  filter: { flex: "0 1 12rem", minWidth: 0 },
  heading: { marginTop: "1rem" },
  scroller: { position: "relative" },
} satisfies Record<string, CSSProperties>;

const STATUS_TEXT: Record<ComponentStatus, string> = { ok: "OK", degraded: "Degraded", down: "Down" };

function Status({ status, text, large = false, testId }: { status: string; text: string; large?: boolean; testId?: string }) {
  const tone = status === "ok" || status === "healthy" ? "ks-normal" : status === "degraded" ? "" : "ks-tripped";
  return (
    <span
      className={`badge${large ? " badge-large" : ""}${tone ? ` ${tone}` : ""}`}
      style={status === "degraded" ? S.warning : undefined}
      data-testid={testId}
    >
      {text}
    </span>
  );
}

function Facts({ items }: { items: [string, ReactNode][] }) {
  const shown = items.filter(([, v]) => v !== null && v !== undefined && v !== "");
  if (shown.length === 0) return null;
  return (
    <dl className="stats" style={S.facts}>
      {shown.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd style={S.factValue}>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

function seconds(n: number | null | undefined): string | null {
  return n === null || n === undefined ? null : `${n} s`;
}

function ComponentDetail({ name, c }: { name: keyof TradingHealth["components"]; c: TradingHealth["components"] }) {
  switch (name) {
    case "venue": {
      const v = c.venue;
      return (
        <Facts
          items={[
            ["Mode", v.mode ? v.mode.toUpperCase() : null],
            ["Account", v.account ?? null],
            ["Available", v.available ? formatMoney(v.available) : null],
            ["Latency", v.latency_ms != null ? `${v.latency_ms} ms` : null],
          ]}
        />
      );
    }
    case "dynamodb": {
      const tables = c.dynamodb.tables ?? [];
      const bad = tables.filter((t) => t.status !== "ok");
      return tables.length ? (
        <details>
          <summary>
            {tables.length} tables{bad.length ? `, ${bad.length} not OK` : ""}
          </summary>
          <ul style={S.list}>
            {tables.map((t) => (
              <li key={t.table}>
                {t.table}: {STATUS_TEXT[t.status] ?? t.status}
                {t.latency_ms != null ? ` (${t.latency_ms} ms)` : ""}
                {t.error ? ` — ${t.error}` : ""}
              </li>
            ))}
          </ul>
        </details>
      ) : null;
    }
    case "feed": {
      const leagues = c.feed.leagues ?? [];
      return leagues.length ? (
        <ul style={S.list}>
          {leagues.map((l) => (
            <li key={l.league}>
              {leagueName(l.league)}: {STATUS_TEXT[l.status] ?? l.status}
              {l.age_seconds != null ? `, ${l.age_seconds} s old` : ""}
              {l.live_games != null ? `, ${l.live_games} live` : ""}
              {l.error ? ` — ${l.error}` : ""}
            </li>
          ))}
        </ul>
      ) : null;
    }
    case "bots": {
      const bots = c.bots.bots ?? [];
      return bots.length ? (
        <ul style={S.list}>
          {bots.map((b) => (
            <li key={b.bot_id}>
              {b.bot_id}: {b.state}
              {b.mode ? ` (${b.mode.toUpperCase()})` : ""}
              {b.reason ? ` — ${b.reason}` : ""}
            </li>
          ))}
        </ul>
      ) : null;
    }
    case "reconcile": {
      const r = c.reconcile;
      return (
        <Facts
          items={[
            ["Last run", r.finished_at ? formatTime(r.finished_at) : null],
            ["Age", seconds(r.age_seconds)],
            ["Result", r.ok == null ? null : r.ok ? "OK" : "Aborted"],
            ["Findings", r.findings != null ? `${r.findings}${r.critical ? " (critical)" : ""}` : null],
          ]}
        />
      );
    }
    case "kill_switch": {
      const k = c.kill_switch;
      return (
        <Facts
          items={[
            ["State", k.state ?? null],
            ["Trigger", k.trigger ? k.trigger.replace(/_/g, " ") : null],
            ["Since", k.changed_at ? formatTime(k.changed_at) : null],
          ]}
        />
      );
    }
    default:
      return null;
  }
}

function HealthReport({ health, onCheck }: { health: TradingHealth; onCheck: () => void }) {
  const names = Object.keys(COMPONENT_NAMES) as (keyof TradingHealth["components"])[];
  return (
    <>
      <p>
        <Status status={health.status} text={health.status.toUpperCase()} large testId="health-status" />{" "}
        {health.summary}
      </p>
      <p className="muted">
        Checked <time dateTime={health.checked_at}>{formatTime(health.checked_at)}</time>{" "}
        <button type="button" onClick={onCheck}>
          Check again
        </button>
      </p>
      <ul className="grid" style={S.cards} aria-label="Health components">
        {names.map((name) => {
          const c: HealthComponent | undefined = health.components[name];
          if (!c) return null;
          return (
            <li key={name} className="card" style={S.card}>
              <h3>
                {COMPONENT_NAMES[name]} <Status status={c.status} text={STATUS_TEXT[c.status] ?? c.status} />
              </h3>
              <p>{c.detail}</p>
              <ComponentDetail name={name} c={health.components} />
            </li>
          );
        })}
      </ul>
    </>
  );
}

function tone(s: string): string {
  const sign = signOf(s);
  return sign > 0 ? "num gain" : sign < 0 ? "num loss" : "num";
}

function StatsRow({ s, total = false }: { s: LeagueStats; total?: boolean }) {
  const Cell = total ? "th" : "td";
  return (
    <tr>
      <th scope="row">{total ? "All leagues" : leagueName(s.league)}</th>
      <td className="num">{s.positions}</td>
      <td className="num">{s.wins}</td>
      <td className="num">{s.losses}</td>
      <td className="num">{s.flat}</td>
      <td className="num">{formatPercent(s.win_rate)}</td>
      <td className={tone(s.realized)}>{formatSignedMoney(s.realized)}</td>
      <td className="num">{formatMoney(s.fees)}</td>
      <Cell className={tone(s.net)}>{formatSignedMoney(s.net)}</Cell>
    </tr>
  );
}

function LeagueTable({ perf }: { perf: Performance }) {
  return (
    <div className="table-scroll" style={S.scroller} tabIndex={0} role="region" aria-label="Per-league statistics, scrollable">
      <table aria-label="Per-league statistics">
        <thead>
          <tr>
            <th scope="col">League</th>
            <th scope="col">Positions</th>
            <th scope="col">Wins</th>
            <th scope="col">Losses</th>
            <th scope="col">Flat</th>
            <th scope="col">Win rate</th>
            <th scope="col">Realized</th>
            <th scope="col">Fees</th>
            <th scope="col">Net</th>
          </tr>
        </thead>
        <tbody>
          {perf.leagues.map((s) => (
            <StatsRow key={s.league ?? "unknown"} s={s} />
          ))}
        </tbody>
        <tfoot>
          <StatsRow s={perf.totals} total />
        </tfoot>
      </table>
    </div>
  );
}

function PerformanceView({ perf }: { perf: Performance }) {
  return (
    <>
      <p className="muted">
        {perf.mode.toUpperCase()} positions closed from <time dateTime={perf.since}>{formatTime(perf.since)}</time> to{" "}
        <time dateTime={perf.as_of}>{formatTime(perf.as_of)}</time>: {formatCount(String(perf.totals.positions))}, net{" "}
        <strong className={tone(perf.totals.net).replace("num", "").trim() || undefined}>
          {formatSignedMoney(perf.totals.net)}
        </strong> after {formatMoney(perf.totals.fees)} fees.
      </p>
      {perf.totals.positions === 0 ? (
        <p className="state state-empty">No {perf.mode.toUpperCase()} positions closed in this period yet: the curve starts once one closes.</p>
      ) : null}
      {perf.truncated ? (
        <p className="notice" role="note">
          Only the most recent closed positions are included (the window holds more than the API reads at once); choose
          a shorter period for complete figures.
        </p>
      ) : null}
      <h3 style={S.heading}>Equity curve</h3>
      <EquityChart points={perf.equity} mode={perf.mode} since={perf.since} asOf={perf.as_of} />
      <h3 style={S.heading}>Per-league statistics</h3>
      <LeagueTable perf={perf} />
    </>
  );
}

export default function HealthPage() {
  const ids = useId();
  const [mode, setMode] = useState<TradingMode | "">("");
  const [days, setDays] = useState<number>(30);
  const health = useResource((api) => api.get<TradingHealth>("/api/health/trading"), []);
  const perf = useResource(
    (api) => api.get<Performance>("/api/performance", { mode: mode || undefined, days }),
    [mode, days],
  );
  const reloadHealth = health.reload;
  const reloadPerf = perf.reload;
  useLiveMessages((message) => {
    if (message.type === "POSITION_CLOSED") reloadPerf();
    if (message.type === "KILL_SWITCH" || message.type === "BOT_STATUS") reloadHealth();
  });

  return (
    <Page title="Health">
      <section className="card" aria-labelledby={`${ids}-health`}>
        <h2 id={`${ids}-health`}>Trading health</h2>
        <ResourceView resource={health} label="trading health">
          {(h: TradingHealth) => <HealthReport health={h} onCheck={reloadHealth} />}
        </ResourceView>
      </section>
      <section className="card" aria-labelledby={`${ids}-perf`}>
        <h2 id={`${ids}-perf`}>Performance</h2>
        <div style={S.filters}>
          <div className="field" style={S.filter}>
            <label htmlFor={`${ids}-mode`}>Mode</label>
            <select id={`${ids}-mode`} value={mode} onChange={(e) => setMode(e.target.value as TradingMode | "")}>
              <option value="">Current mode</option>
              <option value="paper">Paper</option>
              <option value="live">Live</option>
            </select>
          </div>
          <div className="field" style={S.filter}>
            <label htmlFor={`${ids}-days`}>Period</label>
            <select id={`${ids}-days`} value={days} onChange={(e) => setDays(Number(e.target.value))}>
              {PERIODS.map((d) => (
                <option key={d} value={d}>
                  Last {d} days
                </option>
              ))}
            </select>
          </div>
        </div>
        <ResourceView resource={perf} label="performance">
          {(p: Performance) => <PerformanceView perf={p} />}
        </ResourceView>
      </section>
    </Page>
  );
}
