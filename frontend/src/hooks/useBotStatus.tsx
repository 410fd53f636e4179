import { createContext, useContext, useEffect, useRef, type ReactNode } from "react";
import type { BotStatus } from "../api/types";
import { useLiveMessages } from "../live/useLive";
import { useResource, type Resource } from "./useResource";

/** How often the status (balance, P&L) is re-read while nothing live happens. */
export const STATUS_POLL_MS = 30_000;

/** Live messages re-read the status after this quiet time (bursts collapse into one read). */
export const LIVE_DEBOUNCE_MS = 400;

const BotStatusContext = createContext<Resource<BotStatus> | null>(null);

/**
 * `GET /api/bot/status` shared by the header (mode, kill switch) and the dashboard; re-read on
 * every live message, every 30 s, and when a page calls `reload()` after changing something.
 */
export function BotStatusProvider({ children }: { children: ReactNode }) {
  const status = useResource((api) => api.get<BotStatus>("/api/bot/status"), []);
  const { reload } = status;
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  // A replayed game sends bursts of updates: re-read at most once per LIVE_DEBOUNCE_MS.
  useLiveMessages(() => {
    if (pending.current === undefined) {
      pending.current = setTimeout(() => {
        pending.current = undefined;
        reload();
      }, LIVE_DEBOUNCE_MS);
    }
  });
  useEffect(() => {
    const timer = setInterval(reload, STATUS_POLL_MS);
    return () => {
      clearInterval(timer);
      clearTimeout(pending.current);
      pending.current = undefined;
    };
  }, [reload]);
  return <BotStatusContext.Provider value={status}>{children}</BotStatusContext.Provider>;
}

/** The shared bot status resource (call `reload()` after a start/stop/switch/reset). */
export function useBotStatus(): Resource<BotStatus> {
  const value = useContext(BotStatusContext);
  if (value === null) throw new Error("useBotStatus() used outside <BotStatusProvider>");
  return value;
}
