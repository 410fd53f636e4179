import { useCallback, useEffect, useRef, useState, type KeyboardEvent } from "react";
import type { Position, PositionsPage as PositionsAnswer, TradingMode } from "../api/types";
import { Page } from "../components/Page";
import { ResourceView } from "../components/ResourceView";
import { formatCount, formatMoney, formatPrice, formatSignedMoney, formatTime, signOf } from "../format";
import { useResource } from "../hooks/useResource";
import { useLiveMessages } from "../live/useLive";
import { averagePrice, heldContracts, heldCost, heldSide, netPnl } from "../positions";

const CLOSED_LIMIT = 100;

function isPosition(data: Record<string, unknown>): data is Record<string, unknown> & Position {
  return typeof data["position_id"] === "string" && typeof data["market_ticker"] === "string" && typeof data["contracts"] === "string";
}

function ModeChip({ mode }: { mode: TradingMode }) {
  return <span className={`badge ${mode === "live" ? "mode-live" : "mode-paper"}`}>{mode === "live" ? "LIVE" : "PAPER"}</span>;
}

function pnlClass(value: string | null): string {
  const sign = signOf(value);
  return sign > 0 ? "gain" : sign < 0 ? "loss" : "";
}

function OpenTable({ positions, fresh }: { positions: Position[]; fresh: Set<string> }) {
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label="Open positions, scrollable">
      <table aria-label="Open positions">
        <thead>
          <tr>
            <th scope="col">Market</th>
            <th scope="col">Mode</th>
            <th scope="col">Side</th>
            <th scope="col" className="num">
              Contracts
            </th>
            <th scope="col" className="num">
              Average price
            </th>
            <th scope="col" className="num">
              Cost
            </th>
            <th scope="col" className="num">
              Fees
            </th>
            <th scope="col">Opened</th>
            <th scope="col">Bot</th>
          </tr>
        </thead>
        <tbody>
          {positions.map((p) => {
            const side = heldSide(p);
            return (
              <tr key={p.position_id} className={fresh.has(p.position_id) ? "row-new" : undefined}>
                <th scope="row">{p.market_ticker}</th>
                <td>
                  <ModeChip mode={p.mode} />
                </td>
                <td className={`side side-${side ?? "none"}`}>{side ? side.toUpperCase() : "—"}</td>
                <td className="num">{formatCount(heldContracts(p))}</td>
                <td className="num">{formatPrice(averagePrice(p))}</td>
                <td className="num">{formatMoney(heldCost(p))}</td>
                <td className="num">{formatMoney(p.fees)}</td>
                <td>
                  <time dateTime={p.opened_at}>{formatTime(p.opened_at)}</time>
                </td>
                <td>{p.bot_id}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function ClosedTable({ positions }: { positions: Position[] }) {
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label="Closed positions, scrollable">
      <table aria-label="Closed positions">
        <thead>
          <tr>
            <th scope="col">Market</th>
            <th scope="col">Mode</th>
            <th scope="col" className="num">
              Realized P&amp;L
            </th>
            <th scope="col" className="num">
              Fees
            </th>
            <th scope="col" className="num">
              Net
            </th>
            <th scope="col">Opened</th>
            <th scope="col">Closed</th>
            <th scope="col">Bot</th>
          </tr>
        </thead>
        <tbody>
          {positions.map((p) => {
            const net = netPnl(p);
            return (
              <tr key={p.position_id}>
                <th scope="row">{p.market_ticker}</th>
                <td>
                  <ModeChip mode={p.mode} />
                </td>
                <td className={`num ${pnlClass(p.realized_pnl)}`}>{formatSignedMoney(p.realized_pnl)}</td>
                <td className="num">{formatMoney(p.fees)}</td>
                <td className={`num ${pnlClass(net)}`}>{formatSignedMoney(net)}</td>
                <td>
                  <time dateTime={p.opened_at}>{formatTime(p.opened_at)}</time>
                </td>
                <td>{p.closed_at ? <time dateTime={p.closed_at}>{formatTime(p.closed_at)}</time> : "—"}</td>
                <td>{p.bot_id}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

type Tab = "open" | "closed";

function upsert(list: Position[], p: Position): Position[] {
  const i = list.findIndex((x) => x.position_id === p.position_id);
  if (i < 0) return [...list, p];
  const next = list.slice();
  next[i] = p;
  return next;
}

export default function PositionsPage() {
  const [tab, setTab] = useState<Tab>("open");
  const open = useResource((api) => api.get<PositionsAnswer>("/api/positions", { status: "open" }), []);
  const closed = useResource(
    (api) => (tab === "closed" ? api.get<PositionsAnswer>("/api/positions", { status: "closed", limit: CLOSED_LIMIT }) : Promise.resolve(null)),
    [tab],
  );
  const [fresh, setFresh] = useState<Set<string>>(() => new Set());
  const timers = useRef(new Map<string, ReturnType<typeof setTimeout>>());
  const { mutate: mutateOpen } = open;
  const { mutate: mutateClosed } = closed;

  const markFresh = useCallback((id: string) => {
    setFresh((s) => new Set(s).add(id));
    clearTimeout(timers.current.get(id));
    timers.current.set(
      id,
      setTimeout(() => {
        setFresh((s) => {
          const next = new Set(s);
          next.delete(id);
          return next;
        });
        timers.current.delete(id);
      }, 2_500),
    );
  }, []);

  useEffect(() => {
    const all = timers.current;
    return () => {
      for (const timer of all.values()) clearTimeout(timer);
    };
  }, []);

  useLiveMessages((message) => {
    if (!isPosition(message.data)) return;
    const p = message.data;
    if (message.type === "NEW_POSITION" || message.type === "POSITION_UPDATE") {
      if (signOf(p.contracts) === 0) return;
      mutateOpen((data) => ({ ...data, positions: upsert(data.positions, { ...p, status: "open" }) }));
      if (message.type === "NEW_POSITION") markFresh(p.position_id);
    } else if (message.type === "POSITION_CLOSED") {
      mutateOpen((data) => ({ ...data, positions: data.positions.filter((x) => x.position_id !== p.position_id) }));
      mutateClosed((data) =>
        data ? { ...data, positions: [{ ...p, status: "closed" }, ...data.positions.filter((x) => x.position_id !== p.position_id)] } : data,
      );
    }
  });

  const onTabKey = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
    event.preventDefault();
    const next: Tab = tab === "open" ? "closed" : "open";
    setTab(next);
    document.getElementById(`positions-tab-${next}`)?.focus();
  };

  const openCount = open.data?.positions.filter((p) => signOf(p.contracts) !== 0).length;

  return (
    <Page title="Positions">
      <div role="tablist" aria-label="Positions" className="tabs" onKeyDown={onTabKey}>
        <button
          type="button"
          role="tab"
          id="positions-tab-open"
          aria-selected={tab === "open"}
          aria-controls="positions-panel-open"
          tabIndex={tab === "open" ? 0 : -1}
          onClick={() => setTab("open")}
        >
          Open{openCount !== undefined ? ` (${openCount})` : ""}
        </button>
        <button
          type="button"
          role="tab"
          id="positions-tab-closed"
          aria-selected={tab === "closed"}
          aria-controls="positions-panel-closed"
          tabIndex={tab === "closed" ? 0 : -1}
          onClick={() => setTab("closed")}
        >
          Closed
        </button>
      </div>
      <div role="tabpanel" id="positions-panel-open" aria-labelledby="positions-tab-open" hidden={tab !== "open"}>
        <ResourceView
          resource={open}
          label="open positions"
          isEmpty={(d) => d.positions.every((p) => signOf(p.contracts) === 0)}
          empty={<p>No open positions. When a bot enters a trade it appears here at once.</p>}
        >
          {(d) => <OpenTable positions={d.positions.filter((p) => signOf(p.contracts) !== 0)} fresh={fresh} />}
        </ResourceView>
        <p className="muted">Contracts, prices and cost are shown for the side held (YES or NO). Updated live.</p>
      </div>
      <div role="tabpanel" id="positions-panel-closed" aria-labelledby="positions-tab-closed" hidden={tab !== "closed"}>
        {tab === "closed" ? (
          <ResourceView
            resource={closed}
            label="closed positions"
            isEmpty={(d) => d === null || d.positions.length === 0}
            empty={<p>No closed positions yet.</p>}
          >
            {(d) => (d ? <ClosedTable positions={d.positions} /> : null)}
          </ResourceView>
        ) : null}
      </div>
    </Page>
  );
}
