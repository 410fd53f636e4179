import { useState } from "react";
import { ApiError, errorMessage } from "../api/client";
import type { Bot, BotChangeAnswer, BotState, PreflightCheck, StartAnswer, StartRefusal, TradingMode } from "../api/types";
import { useApi } from "../hooks/useApi";
import { formatTime } from "../format";
import { useToasts } from "./Toasts";

/** The bot id "Start bot" uses when the user has no bot yet. */
export const DEFAULT_BOT_ID = "default";

type Action = "start" | "stop" | "pause" | "resume";

interface Outcome {
  kind: "ok" | "refused" | "error";
  message: string;
  checks?: PreflightCheck[];
}

const BUSY_TEXT: Record<Action, string> = {
  start: "Starting: running the pre-flight checks…",
  stop: "Stopping: reconciling with the venue…",
  pause: "Pausing…",
  resume: "Resuming…",
};

function actionsFor(state: BotState): Action[] {
  switch (state) {
    case "STOPPED":
    case "ERROR":
      return ["start"];
    case "RUNNING":
      return ["pause", "stop"];
    case "PAUSED":
      return ["resume", "stop"];
    default:
      return [];
  }
}

function checksOf(body: unknown): PreflightCheck[] | undefined {
  const checks = (body as StartRefusal | undefined)?.checks;
  return Array.isArray(checks) ? checks : undefined;
}

export function PreflightList({ checks }: { checks: PreflightCheck[] }) {
  return (
    <ul className="checks" aria-label="Pre-flight checks">
      {checks.map((check) => (
        <li key={check.name} className={`check ${check.ok ? "check-ok" : "check-failed"}`}>
          <span className="check-result">{check.ok ? "OK" : "FAILED"}</span>
          <span className="check-name">{check.name.replace(/_/g, " ")}</span>
          <span className="check-detail">{check.detail}</span>
        </li>
      ))}
    </ul>
  );
}

function BotCard({ bot, mode, onChanged }: { bot: Bot; mode: TradingMode; onChanged: () => void }) {
  const api = useApi();
  const { push } = useToasts();
  const [busy, setBusy] = useState<Action | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);

  const run = async (action: Action) => {
    setBusy(action);
    setOutcome(null);
    try {
      if (action === "start") {
        const answer = await api.post<StartAnswer>("/api/bot/start", { bot_id: bot.bot_id });
        setOutcome({ kind: "ok", message: answer.message, checks: answer.checks });
        push({ kind: "success", text: answer.message });
      } else {
        const answer = await api.post<BotChangeAnswer>(`/api/bot/${action}`, { bot_id: bot.bot_id });
        setOutcome({ kind: "ok", message: answer.message });
        push({ kind: "success", text: answer.message });
      }
    } catch (err) {
      const checks = err instanceof ApiError ? checksOf(err.body) : undefined;
      setOutcome({ kind: checks ? "refused" : "error", message: errorMessage(err), checks });
    } finally {
      setBusy(null);
      onChanged();
    }
  };

  const isNew = bot.changed_at === null && bot.state === "STOPPED";
  return (
    <li className="bot">
      <div role="group" aria-label={`Bot ${bot.bot_id}`}>
      <div className="bot-head">
        <span className="bot-id">{bot.bot_id}</span>
        <span className={`badge state-badge state-${bot.state}`} data-testid="bot-state">
          {bot.state}
        </span>
      </div>
      <p className="muted">
        {isNew ? `Not started yet. It will trade on ${mode.toUpperCase()}.` : null}
        {!isNew && bot.reason ? `${bot.reason} · ` : null}
        {!isNew && bot.changed_at ? `since ${formatTime(bot.changed_at)}` : null}
      </p>
      <div className="button-row">
        {actionsFor(bot.state).map((action) => (
          <button
            key={action}
            type="button"
            className={action === "start" ? "button-primary" : undefined}
            disabled={busy !== null}
            onClick={() => void run(action)}
          >
            {action === "start" ? "Start bot" : action === "stop" ? "Stop bot" : action === "pause" ? "Pause" : "Resume"}
          </button>
        ))}
        {actionsFor(bot.state).length === 0 && busy === null ? <span className="muted">Working… the state updates by itself.</span> : null}
      </div>
      {busy ? (
        <p role="status" className="muted">
          {BUSY_TEXT[busy]}
        </p>
      ) : null}
      {outcome?.kind === "ok" ? <p className="muted">{outcome.message}</p> : null}
      {outcome && outcome.kind !== "ok" ? (
        <p role="alert" className="form-error">
          {outcome.message}
        </p>
      ) : null}
      {outcome?.checks ? <PreflightList checks={outcome.checks} /> : null}
      </div>
    </li>
  );
}

/** Per bot: id, state, Start / Stop (Pause / Resume); the pre-flight results after a start. */
export function BotControl({ bots, mode, onChanged }: { bots: Bot[]; mode: TradingMode; onChanged: () => void }) {
  const list: Bot[] =
    bots.length > 0
      ? bots
      : [{ bot_id: DEFAULT_BOT_ID, state: "STOPPED", reason: null, changed_at: null, by: null, mode: null, settings: {} }];
  return (
    <>
      {bots.length === 0 ? <p>No bot has run yet. Start one: it runs the pre-flight checks first.</p> : null}
      <ul className="bot-list">
        {list.map((bot) => (
          <BotCard key={bot.bot_id} bot={bot} mode={mode} onChanged={onChanged} />
        ))}
      </ul>
    </>
  );
}
