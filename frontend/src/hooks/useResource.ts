import { useCallback, useContext, useEffect, useRef, useState } from "react";
import { ReachabilityContext } from "../api/ApiProvider";
import type { Api, ApiError, ApiUnreachable } from "../api/client";
import { useApi } from "./useApi";

export type ResourceStatus = "loading" | "ready" | "error";

export interface Resource<T> {
  status: ResourceStatus;
  data: T | undefined;
  error: ApiError | ApiUnreachable | Error | undefined;
  /** Load again. Data already shown stays (status stays "ready") until the new answer arrives. */
  reload: () => void;
  /** Change the data shown now (e.g. from a live message or an action's answer); no-op before the first load. */
  mutate: (update: (data: T) => T) => void;
}

interface State<T> {
  status: ResourceStatus;
  data: T | undefined;
  error: Resource<T>["error"];
}

/**
 * Load data with the API and follow it: reloads when `deps` change, on `reload()`, and when the
 * user presses the app-wide "Retry".
 *
 * A new query (deps changed) drops any answer still on its way for the old one. Reloads of the
 * same query never overlap: one asked for while a load runs is done right after it, so a stream
 * of reload requests (live messages) cannot starve the answers.
 */
export function useResource<T>(load: (api: Api) => Promise<T>, deps: unknown[]): Resource<T> {
  const api = useApi();
  const retryToken = useContext(ReachabilityContext)?.retryToken ?? 0;
  const [state, setState] = useState<State<T>>({ status: "loading", data: undefined, error: undefined });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const apiRef = useRef(api);
  apiRef.current = api;

  const mounted = useRef(false);
  const generation = useRef(0);
  const inFlight = useRef(false);
  const again = useRef(false);
  const lastDeps = useRef<unknown[] | null>(null);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const run = useCallback((sameQuery: boolean) => {
    const mine = generation.current;
    inFlight.current = true;
    setState((prev) =>
      sameQuery && prev.status === "ready" ? prev : { status: "loading", data: sameQuery ? prev.data : undefined, error: undefined },
    );
    const current = () => mounted.current && generation.current === mine;
    loadRef
      .current(apiRef.current)
      .then(
        (data) => {
          if (current()) setState({ status: "ready", data, error: undefined });
        },
        (error: unknown) => {
          if (current()) {
            setState((prev) => ({ status: "error", data: prev.data, error: error instanceof Error ? error : new Error(String(error)) }));
          }
        },
      )
      .finally(() => {
        if (!current()) return;
        inFlight.current = false;
        if (again.current) {
          again.current = false;
          run(true);
        }
      });
  }, []);

  useEffect(() => {
    const sameQuery = lastDeps.current !== null && sameDeps(lastDeps.current, deps);
    lastDeps.current = deps;
    if (!sameQuery) {
      generation.current++;
      inFlight.current = false;
      again.current = false;
    }
    if (inFlight.current) {
      again.current = true;
      return;
    }
    run(sameQuery);
    // `deps` are the caller's; tick and retryToken are reload requests.
  }, [api, tick, retryToken, run, ...deps]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  const mutate = useCallback((update: (data: T) => T) => {
    setState((prev) => (prev.data === undefined ? prev : { ...prev, data: update(prev.data) }));
  }, []);
  return { ...state, reload, mutate };
}

function sameDeps(a: unknown[], b: unknown[]): boolean {
  return a.length === b.length && a.every((value, i) => Object.is(value, b[i]));
}
