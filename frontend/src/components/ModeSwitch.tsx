import { useId, useRef, useState } from "react";
import { ApiError, errorMessage } from "../api/client";
import type { PaperTradingAnswer, TradingMode } from "../api/types";
import { useApi } from "../hooks/useApi";
import { ConfirmFooter, Dialog } from "./Dialog";
import { useToasts } from "./Toasts";

interface ConflictBody {
  bots?: { bot_id: string; state: string }[];
}

function describe(err: unknown): string {
  const message = errorMessage(err);
  if (err instanceof ApiError) {
    const bots = (err.body as ConflictBody | undefined)?.bots;
    if (Array.isArray(bots) && bots.length > 0) {
      return `${message} (${bots.map((b) => `${b.bot_id}: ${b.state}`).join(", ")})`;
    }
    if (err.errors.length > 0) return `${message} (${err.errors.join("; ")})`;
  }
  return message;
}

/** "Switch to LIVE trading" (with the risk dialog) or "Switch to PAPER trading". */
export function ModeSwitch({ mode, onSwitched }: { mode: TradingMode; onSwitched: (mode: TradingMode) => void }) {
  const api = useApi();
  const { push } = useToasts();
  const [open, setOpen] = useState(false);
  const [accepted, setAccepted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const checkboxId = useId();
  const cancel = useRef<HTMLButtonElement>(null);
  const toLive = mode === "paper";

  const show = () => {
    setAccepted(false);
    setError(null);
    setOpen(true);
  };
  const close = () => {
    if (!busy) setOpen(false);
  };

  const confirm = async () => {
    if (toLive && !accepted) return;
    setBusy(true);
    setError(null);
    try {
      const answer = await api.post<PaperTradingAnswer>("/api/bot/paper-trading", {
        enabled: !toLive,
        confirmed: toLive ? accepted : true,
      });
      setOpen(false);
      push({ kind: answer.mode === "live" ? "warning" : "success", text: `Now ${answer.mode.toUpperCase()} trading` });
      for (const problem of answer.problems ?? []) push({ kind: "warning", text: problem });
      onSwitched(answer.mode);
    } catch (err) {
      setError(describe(err));
    } finally {
      setBusy(false);
    }
  };

  const alert = error ? (
    <p role="alert" className="form-error">
      {error}
    </p>
  ) : null;

  return (
    <>
      {toLive ? (
        <button type="button" className="button-live" onClick={show}>
          Switch to LIVE trading
        </button>
      ) : (
        <button type="button" className="button-paper" onClick={show}>
          Switch to PAPER trading
        </button>
      )}
      {toLive ? (
        <Dialog
          open={open}
          title="Switch to LIVE Trading?"
          tone="danger"
          onClose={close}
          initialFocus={cancel}
          footer={
            <ConfirmFooter
              cancelRef={cancel}
              onCancel={close}
              onConfirm={() => void confirm()}
              busy={busy}
              disabled={!accepted}
              className="button-live"
              label="Switch to LIVE"
              busyLabel="Switching…"
            />
          }
        >
          <p>
            <strong>LIVE trading uses real money.</strong> From now on the bots place real orders on Kalshi with your account.
          </p>
          <ul aria-label="Risks of live trading">
            <li>Real money is at stake: every order spends your Kalshi balance.</li>
            <li>Orders fill at market prices, which can move against you; a position can lose its whole stake.</li>
            <li>The kill switch limits losses but does not prevent them.</li>
            <li>Every bot must be stopped before switching.</li>
            <li>Your Kalshi API credentials must be saved and valid.</li>
          </ul>
          <label className="checkbox" htmlFor={checkboxId}>
            <input id={checkboxId} type="checkbox" checked={accepted} onChange={(e) => setAccepted(e.target.checked)} />
            <span>I understand and accept the risks</span>
          </label>
          {alert}
        </Dialog>
      ) : (
        <Dialog
          open={open}
          title="Switch to PAPER trading?"
          onClose={close}
          initialFocus={cancel}
          footer={
            <ConfirmFooter
              cancelRef={cancel}
              onCancel={close}
              onConfirm={() => void confirm()}
              busy={busy}
              className="button-paper"
              label="Switch to PAPER"
              busyLabel="Switching…"
            />
          }
        >
          <p>New orders will be simulated: no real money is used in PAPER trading.</p>
          <p>Open LIVE positions stay open on Kalshi: they settle, or you close them there. Every bot must be stopped first.</p>
          {alert}
        </Dialog>
      )}
    </>
  );
}
