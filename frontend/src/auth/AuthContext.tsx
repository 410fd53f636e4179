import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { buildUrl, errorFromBody, send, type FetchLike } from "../api/client";

/** A signed-in session (kept in sessionStorage: it ends with the browser tab). */
export interface Session {
  username: string;
  idToken: string;
  accessToken: string;
  refreshToken: string | null;
  /** Epoch milliseconds when the id token expires. */
  expiresAt: number;
}

interface TokenAnswer {
  id_token: string;
  access_token: string;
  refresh_token: string | null;
  expires_in: number;
  token_type: string;
}

export interface AuthValue {
  session: Session | null;
  /** Why the user was signed out without asking (e.g. the session expired); cleared on sign-in. */
  notice: string | null;
  signIn(username: string, password: string): Promise<void>;
  signOut(notice?: string): void;
  /**
   * Refresh the tokens once (concurrent callers share it): the new id token, or null when the
   * refresh was refused (the user is then signed out). Rejects with ApiUnreachable when offline.
   */
  refresh(): Promise<string | null>;
}

export const SESSION_KEY = "inplay.session";
export const SESSION_EXPIRED = "Your session has expired. Sign in again.";
/** Refresh this long before the id token expires, so the live connection never holds a dead one. */
const REFRESH_AHEAD_MS = 60_000;

const AuthContext = createContext<AuthValue | null>(null);

function isTokenAnswer(value: unknown): value is TokenAnswer {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v["id_token"] === "string" && typeof v["access_token"] === "string" && typeof v["expires_in"] === "number";
}

function readStored(storage: Storage | undefined): Session | null {
  try {
    const raw = storage?.getItem(SESSION_KEY);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Partial<Session>;
    if (typeof parsed.idToken !== "string" || typeof parsed.expiresAt !== "number") return null;
    return {
      username: typeof parsed.username === "string" ? parsed.username : "",
      idToken: parsed.idToken,
      accessToken: typeof parsed.accessToken === "string" ? parsed.accessToken : "",
      refreshToken: typeof parsed.refreshToken === "string" ? parsed.refreshToken : null,
      expiresAt: parsed.expiresAt,
    };
  } catch {
    return null;
  }
}

function defaultStorage(): Storage | undefined {
  try {
    return window.sessionStorage;
  } catch {
    return undefined;
  }
}

export interface AuthProviderProps {
  apiBase: string;
  fetch: FetchLike;
  children: ReactNode;
  /** Start with this session instead of the stored one (tests). */
  initialSession?: Session | null;
  storage?: Storage;
  now?: () => number;
}

export function AuthProvider({ apiBase, fetch: fetchImpl, children, initialSession, storage, now = Date.now }: AuthProviderProps) {
  const store = storage ?? defaultStorage();
  const [session, setSessionState] = useState<Session | null>(() =>
    initialSession !== undefined ? initialSession : readStored(store),
  );
  const [notice, setNotice] = useState<string | null>(null);
  const sessionRef = useRef(session);
  const refreshing = useRef<Promise<string | null> | null>(null);

  const setSession = useCallback(
    (next: Session | null) => {
      sessionRef.current = next;
      setSessionState(next);
      try {
        if (next) store?.setItem(SESSION_KEY, JSON.stringify(next));
        else store?.removeItem(SESSION_KEY);
      } catch {
        // Storage full or blocked: the session still lives in memory for this page.
      }
    },
    [store],
  );

  const toSession = useCallback(
    (answer: TokenAnswer, username: string, previousRefresh: string | null): Session => ({
      username,
      idToken: answer.id_token,
      accessToken: answer.access_token,
      refreshToken: answer.refresh_token ?? previousRefresh,
      expiresAt: now() + answer.expires_in * 1000,
    }),
    [now],
  );

  const signIn = useCallback(
    async (username: string, password: string) => {
      const { status, body } = await send({
        method: "POST",
        url: buildUrl(apiBase, "/api/auth/sign-in"),
        body: { username, password },
        fetch: fetchImpl,
      });
      if (status < 200 || status >= 300) throw errorFromBody(status, body);
      if (!isTokenAnswer(body)) throw errorFromBody(502, { message: "The sign-in answer had no tokens" });
      setNotice(null);
      setSession(toSession(body, username, null));
    },
    [apiBase, fetchImpl, setSession, toSession],
  );

  const signOut = useCallback(
    (why?: string) => {
      setNotice(why ?? null);
      setSession(null);
    },
    [setSession],
  );

  const refresh = useCallback((): Promise<string | null> => {
    if (refreshing.current) return refreshing.current;
    const current = sessionRef.current;
    if (!current?.refreshToken) {
      if (current) signOut(SESSION_EXPIRED);
      return Promise.resolve(null);
    }
    const attempt = (async () => {
      try {
        const { status, body } = await send({
          method: "POST",
          url: buildUrl(apiBase, "/api/auth/refresh"),
          body: { refresh_token: current.refreshToken },
          fetch: fetchImpl,
        });
        if (status < 200 || status >= 300 || !isTokenAnswer(body)) {
          signOut(SESSION_EXPIRED);
          return null;
        }
        const next = toSession(body, current.username, current.refreshToken);
        setSession(next);
        return next.idToken;
      } finally {
        // (An unreachable API rejects with ApiUnreachable and keeps the session: it may come back.)
        refreshing.current = null;
      }
    })();
    refreshing.current = attempt;
    return attempt;
  }, [apiBase, fetchImpl, setSession, signOut, toSession]);

  useEffect(() => {
    if (!session?.refreshToken) return;
    const delay = Math.max(5_000, session.expiresAt - now() - REFRESH_AHEAD_MS);
    const timer = setTimeout(() => refresh().catch(() => undefined), delay);
    return () => clearTimeout(timer);
  }, [session, refresh, now]);

  const value = useMemo<AuthValue>(
    () => ({ session, notice, signIn, signOut, refresh }),
    [session, notice, signIn, signOut, refresh],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthValue {
  const value = useContext(AuthContext);
  if (value === null) throw new Error("useAuth() used outside <AuthProvider>");
  return value;
}
