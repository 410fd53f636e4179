import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { useAuth } from "../auth/AuthContext";
import { useConfig } from "../config";
import { liveUrl, sseConnector, websocketConnector, type LiveConnection, type LiveConnector } from "./connectors";
import { parseLiveMessage, type LiveMessage } from "./messages";

export type LiveStatus = "connecting" | "open" | "closed";

export interface LiveValue {
  status: LiveStatus;
  /** True once a connection was open and then dropped (so the UI can say "Reconnecting…"). */
  everOpen: boolean;
  subscribe(handler: (message: LiveMessage) => void): () => void;
}

export const LiveContext = createContext<LiveValue | null>(null);
/** Overrides the transport for everything below it (tests, storybook-like previews). */
export const LiveConnectorContext = createContext<LiveConnector | null>(null);

const BACKOFF_MS = [1_000, 2_000, 4_000, 8_000, 15_000, 30_000];

export interface LiveProviderProps {
  /** Replace the transport (tests). Defaults to SSE or WebSocket per config.live.transport. */
  connector?: LiveConnector;
  children: ReactNode;
}

/**
 * The app's single live-update connection. Reconnects with backoff; a new id token (after a
 * refresh) reconnects with it; repeated failures before any open ask auth for a fresh token.
 */
export function LiveProvider({ connector, children }: LiveProviderProps) {
  const config = useConfig();
  const { session, refresh } = useAuth();
  const token = session?.idToken ?? null;
  const [status, setStatus] = useState<LiveStatus>("connecting");
  const [everOpen, setEverOpen] = useState(false);
  const handlers = useRef(new Set<(message: LiveMessage) => void>());
  const refreshRef = useRef(refresh);
  refreshRef.current = refresh;

  const injected = useContext(LiveConnectorContext);
  const connect = connector ?? injected ?? (config.live.transport === "websocket" ? websocketConnector : sseConnector);

  useEffect(() => {
    if (!token) {
      setStatus("closed");
      return;
    }
    let connection: LiveConnection | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    let attempt = 0;
    let stopped = false;

    const open = () => {
      if (stopped) return;
      const id = ++attempt;
      const current = () => !stopped && id === attempt;
      setStatus("connecting");
      let opened = false;
      let dropped = false;
      let conn: LiveConnection | null = null;
      conn = connect(liveUrl(config.apiBase, config.live.url, token), {
        onOpen: () => {
          if (!current()) return;
          opened = true;
          failures = 0;
          setStatus("open");
          setEverOpen(true);
        },
        onMessage: (raw) => {
          if (!current()) return;
          const message = parseLiveMessage(raw);
          if (message) for (const handler of [...handlers.current]) handler(message);
        },
        onDrop: () => {
          if (!current()) return;
          attempt++;
          if (conn) conn.close();
          else dropped = true;
          connection = null;
          setStatus("closed");
          failures += 1;
          // Never opened twice in a row: the token may be stale (a refresh changes `token`).
          if (!opened && failures >= 2) refreshRef.current().catch(() => undefined);
          const delay = BACKOFF_MS[Math.min(failures - 1, BACKOFF_MS.length - 1)] ?? 30_000;
          timer = setTimeout(open, delay);
        },
      });
      if (dropped) conn.close();
      else connection = conn;
    };
    open();
    return () => {
      stopped = true;
      clearTimeout(timer);
      connection?.close();
      connection = null;
    };
  }, [token, connect, config.apiBase, config.live.url]);

  const subscribe = useCallback((handler: (message: LiveMessage) => void) => {
    handlers.current.add(handler);
    return () => {
      handlers.current.delete(handler);
    };
  }, []);

  const value = useMemo(() => ({ status, everOpen, subscribe }), [status, everOpen, subscribe]);
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}
