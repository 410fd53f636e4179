import { useContext } from "react";
import { ApiContext, ReachabilityContext, type Reachability } from "../api/ApiProvider";
import type { Api } from "../api/client";

/** The app's API client (adds the token, refreshes once on 401). */
export function useApi(): Api {
  const api = useContext(ApiContext);
  if (api === null) throw new Error("useApi() used outside <ApiProvider>");
  return api;
}

/** Whether the API is reachable, and a way to retry everything that failed. */
export function useReachability(): Reachability {
  const value = useContext(ReachabilityContext);
  if (value === null) throw new Error("useReachability() used outside <ApiProvider>");
  return value;
}
