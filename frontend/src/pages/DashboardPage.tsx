import { Link } from "react-router";
import type { BotStatus, EmergencyStopAnswer, TradingMode } from "../api/types";
import { BotControl } from "../components/BotControl";
import { EmergencyStop } from "../components/EmergencyStop";
import { ModeSwitch } from "../components/ModeSwitch";
import { Page } from "../components/Page";
import { ResourceView } from "../components/ResourceView";
import { formatCount, formatMoney, formatSignedMoney, formatTime, signOf } from "../format";
import { useBotStatus } from "../hooks/useBotStatus";

function pnlClass(net: string): string {
  const sign = signOf(net);
  return sign > 0 ? "gain" : sign < 0 ? "loss" : "";
}

function TradingStatus({ data }: { data: BotStatus }) {
  const mode = data.mode;
  const live = mode === "live";
  const tripped = data.kill_switch.tripped || data.kill_switch.state === "TRIPPED";
  const balance = data.balances[mode];
  const pnl = data.pnl_today[mode];
  const inMode = data.open_positions.filter((p) => p.mode === mode).length;
  const otherMode = data.open_positions.length - inMode;
  const other: TradingMode = live ? "paper" : "live";

  return (
    <dl className="stats">
      <div className="stat-wide">
        <dt>Mode</dt>
        <dd>
          <span data-testid="status-mode" className={`badge badge-large ${live ? "mode-live" : "mode-paper"}`}>
            {live ? "LIVE" : "PAPER"}
          </span>
          <span className="detail">{live ? "Real orders, real money" : "Simulated orders, no real money"}</span>
        </dd>
      </div>
      <div className="stat-wide">
        <dt>Kill switch</dt>
        <dd>
          <span data-testid="status-kill-switch" className={`badge badge-large ${tripped ? "ks-tripped" : "ks-normal"}`}>
            {tripped ? "KILL SWITCH ACTIVE" : "Systems Normal"}
          </span>
          <span className="detail">
            {tripped ? (
              <>
                {data.kill_switch.reason ?? "tripped"} · <Link to="/risk">reset on the Risk page</Link>
              </>
            ) : (
              "Armed, not tripped"
            )}
          </span>
        </dd>
      </div>
      <div>
        <dt>Balance</dt>
        <dd data-testid="balance">
          {balance?.available != null ? formatMoney(balance.available) : "Unavailable"}
          <span className="detail">{balance?.error ? balance.error : `${mode.toUpperCase()} account, available`}</span>
        </dd>
      </div>
      <div>
        <dt>Open positions</dt>
        <dd data-testid="open-positions">
          {inMode}
          <span className="detail">
            {otherMode > 0 ? `plus ${otherMode} ${other.toUpperCase()} · ` : ""}
            <Link to="/positions">view positions</Link>
          </span>
        </dd>
      </div>
      <div>
        <dt>Today&apos;s P&amp;L</dt>
        <dd data-testid="pnl-today">
          <span className={pnl ? pnlClass(pnl.net) : ""}>{pnl ? formatSignedMoney(pnl.net) : "—"}</span>
          <span className="detail">
            {pnl ? `net of ${formatMoney(pnl.fees)} fees · ${formatCount(pnl.fills)} fill(s) · ${mode.toUpperCase()}` : ""}
          </span>
        </dd>
      </div>
    </dl>
  );
}

export default function DashboardPage() {
  const status = useBotStatus();
  const { reload, mutate } = status;

  const onStopped = (answer: EmergencyStopAnswer) => {
    mutate((data) => ({
      ...data,
      kill_switch: { ...data.kill_switch, state: answer.state, tripped: answer.state === "TRIPPED", reason: answer.reason ?? data.kill_switch.reason },
    }));
    reload();
  };
  const onSwitched = (mode: TradingMode) => {
    mutate((data) => ({ ...data, mode, paper_trading: mode === "paper" }));
    reload();
  };

  return (
    <Page title="Dashboard">
      <ResourceView resource={status} label="the trading status">
        {(data) => (
          <>
            <section aria-label="Trading status" className="card">
              <h2>Trading status</h2>
              <TradingStatus data={data} />
              <p className="muted">
                As of <time dateTime={data.as_of}>{formatTime(data.as_of)}</time>
              </p>
              <div className="button-row">
                <ModeSwitch mode={data.mode} onSwitched={onSwitched} />
              </div>
            </section>
            <div className="grid">
              <section aria-label="Bot" className="card">
                <h2>Bot</h2>
                <BotControl bots={data.bots} mode={data.mode} onChanged={reload} />
              </section>
              <section aria-label="Emergency" className="card danger-zone">
                <h2>Emergency</h2>
                <p>Stop all trading at once: trips the kill switch, cancels orders and (optionally) closes every position.</p>
                <EmergencyStop openPositions={data.open_positions.length} onStopped={onStopped} />
              </section>
            </div>
          </>
        )}
      </ResourceView>
    </Page>
  );
}
