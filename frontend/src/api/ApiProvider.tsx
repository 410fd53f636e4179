import { createContext, useCallback, useMemo, useRef, useState, type ReactNode } from "react";
import { useAuth } from "../auth/AuthContext";
import { createApi, type Api, type FetchLike } from "./client";

export interface Reachability {
  /** True after a request failed to reach the API, until one gets through again. */
  unreachable: boolean;
  /** Bumped by `retry()`: every `useResource` reloads when it changes. */
  retryToken: number;
  retry(): void;
}

export const ApiContext = createContext<Api | null>(null);
export const ReachabilityContext = createContext<Reachability | null>(null);

/** Provides the `Api` (with the signed-in user's token) and the API-reachability state. */
export function ApiProvider({ apiBase, fetch: fetchImpl, children }: { apiBase: string; fetch: FetchLike; children: ReactNode }) {
  const auth = useAuth();
  const authRef = useRef(auth);
  authRef.current = auth;
  const [unreachable, setUnreachable] = useState(false);
  const [retryToken, setRetryToken] = useState(0);

  const api = useMemo(
    () =>
      createApi({
        apiBase,
        fetch: fetchImpl,
        getToken: () => authRef.current.session?.idToken ?? null,
        refresh: () => authRef.current.refresh(),
        onReachability: (reachable) => setUnreachable(!reachable),
      }),
    [apiBase, fetchImpl],
  );
  const retry = useCallback(() => setRetryToken((n) => n + 1), []);
  const reachability = useMemo(() => ({ unreachable, retryToken, retry }), [unreachable, retryToken, retry]);

  return (
    <ApiContext.Provider value={api}>
      <ReachabilityContext.Provider value={reachability}>{children}</ReachabilityContext.Provider>
    </ApiContext.Provider>
  );
}
