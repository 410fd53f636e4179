import type { KillSwitch, TradingMode } from "../api/types";
import { useLiveEverOpen, useLiveStatus } from "../live/useLive";

/** PAPER (yellow) or LIVE (red): text is exactly the mode, so it cannot be misread. */
export function ModeBadge({ mode, large = false }: { mode: TradingMode; large?: boolean }) {
  const live = mode === "live";
  return (
    <span
      data-testid="mode-badge"
      className={`badge mode-badge ${live ? "mode-live" : "mode-paper"}${large ? " badge-large" : ""}`}
      title={live ? "LIVE trading: orders use real money" : "PAPER trading: simulated orders, no real money"}
    >
      {live ? "LIVE" : "PAPER"}
    </span>
  );
}

export function KillSwitchBadge({ killSwitch, large = false }: { killSwitch: KillSwitch; large?: boolean }) {
  const tripped = killSwitch.tripped || killSwitch.state === "TRIPPED";
  return (
    <span
      data-testid="kill-switch-badge"
      className={`badge ks-badge ${tripped ? "ks-tripped" : "ks-normal"}${large ? " badge-large" : ""}`}
      title={tripped ? `Kill switch tripped${killSwitch.reason ? `: ${killSwitch.reason}` : ""}` : "Kill switch armed, not tripped"}
    >
      {tripped ? "KILL SWITCH ACTIVE" : "Systems Normal"}
    </span>
  );
}

/** The live-update connection: "Live updates on" / "Connecting…" / "Reconnecting…". */
export function LiveIndicator() {
  const status = useLiveStatus();
  const everOpen = useLiveEverOpen();
  const text = status === "open" ? "Live updates on" : everOpen ? "Reconnecting…" : "Connecting…";
  return (
    <span data-testid="live-indicator" className={`live-indicator live-${status}`}>
      {text}
    </span>
  );
}
