import { useId, useRef, useState } from "react";
import { errorMessage } from "../api/client";
import type { EmergencyStopAnswer } from "../api/types";
import { useApi } from "../hooks/useApi";
import { ConfirmFooter, Dialog } from "./Dialog";
import { useToasts } from "./Toasts";

export const EMERGENCY_STOP_REASON = "emergency stop from the dashboard";

/** The red "Emergency stop" button and its confirmation dialog. */
export function EmergencyStop({ openPositions, onStopped }: { openPositions: number; onStopped: (answer: EmergencyStopAnswer) => void }) {
  const api = useApi();
  const { push } = useToasts();
  const [open, setOpen] = useState(false);
  const [closePositions, setClosePositions] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const checkboxId = useId();
  const cancel = useRef<HTMLButtonElement>(null);

  const show = () => {
    setClosePositions(true);
    setError(null);
    setOpen(true);
  };
  const close = () => {
    if (!busy) setOpen(false);
  };

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      const answer = await api.post<EmergencyStopAnswer>("/api/bot/emergency-stop", {
        close_positions: closePositions,
        reason: EMERGENCY_STOP_REASON,
      });
      setOpen(false);
      const parts = [answer.message];
      if (typeof answer.cancelled_orders === "number") parts.push(`${answer.cancelled_orders} order(s) cancelled`);
      if (typeof answer.positions_closing === "number") parts.push(`${answer.positions_closing} position(s) closing`);
      push({ kind: "warning", text: `Emergency stop: ${parts.join("; ")}` });
      onStopped(answer);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <button type="button" className="button-danger" onClick={show}>
        Emergency stop
      </button>
      <Dialog
        open={open}
        title="Emergency stop?"
        tone="danger"
        onClose={close}
        initialFocus={cancel}
        footer={
          <ConfirmFooter
            cancelRef={cancel}
            onCancel={close}
            onConfirm={() => void confirm()}
            busy={busy}
            className="button-danger"
            label="Stop everything"
            busyLabel="Stopping…"
          />
        }
      >
        <p>This trips the kill switch at once:</p>
        <ul>
          <li>every bot stops opening positions;</li>
          <li>all open orders are cancelled;</li>
          <li>trading stays stopped until you reset the kill switch on the Risk page.</li>
        </ul>
        <label className="checkbox" htmlFor={checkboxId}>
          <input id={checkboxId} type="checkbox" checked={closePositions} onChange={(e) => setClosePositions(e.target.checked)} />
          <span>Close all open positions</span>
        </label>
        <p className="muted">
          {openPositions === 0
            ? "There are no open positions right now."
            : closePositions
              ? `The ${openPositions} open position(s) are sold at market prices now; fills at a bad price are possible.`
              : `The ${openPositions} open position(s) stay open (they settle or you close them later).`}
        </p>
        {error ? (
          <p role="alert" className="form-error">
            {error}
          </p>
        ) : null}
      </Dialog>
    </>
  );
}
