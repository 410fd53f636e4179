import { createContext, useContext } from "react";

/** The runtime config served at `/config.json` (written by CDK at deploy time, or the local cloud). */
export interface RuntimeConfig {
  /** Prefix for `/api/...` paths; `""` means same origin. Never ends with a slash once loaded. */
  apiBase: string;
  live: { transport: "sse" | "websocket"; url: string };
  auth: { region: string; userPoolId: string; clientId: string };
  environment: "local" | "aws";
}

export const CONFIG_ERROR_TITLE = "The dashboard's config.json is missing or invalid";

/** Why `/config.json` could not be used (shown on the config error screen). */
export class ConfigError extends Error {
  override name = "ConfigError";
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function str(obj: Record<string, unknown>, key: string, where: string): string {
  const value = obj[key];
  if (typeof value !== "string") throw new ConfigError(`${where}${key} must be a string`);
  return value;
}

/** Validate a parsed config.json; throws `ConfigError` naming the first bad key. */
export function parseConfig(raw: unknown): RuntimeConfig {
  if (!isRecord(raw)) throw new ConfigError("config.json must be a JSON object");
  const apiBase = str(raw, "apiBase", "").replace(/\/+$/, "");
  if (apiBase !== "" && !/^https?:\/\//.test(apiBase)) {
    throw new ConfigError('apiBase must be "" or an http(s) URL');
  }
  const live = raw["live"];
  if (!isRecord(live)) throw new ConfigError("live must be an object");
  const transport = str(live, "transport", "live.");
  if (transport !== "sse" && transport !== "websocket") {
    throw new ConfigError('live.transport must be "sse" or "websocket"');
  }
  const url = str(live, "url", "live.");
  if (url === "") throw new ConfigError("live.url must not be empty");
  if (transport === "websocket" && !/^wss?:\/\//.test(url)) {
    throw new ConfigError("live.url must be a ws(s):// URL for the websocket transport");
  }
  const auth = raw["auth"];
  if (!isRecord(auth)) throw new ConfigError("auth must be an object");
  const environment = str(raw, "environment", "");
  if (environment !== "local" && environment !== "aws") {
    throw new ConfigError('environment must be "local" or "aws"');
  }
  return {
    apiBase,
    live: { transport, url },
    auth: {
      region: str(auth, "region", "auth."),
      userPoolId: str(auth, "userPoolId", "auth."),
      clientId: str(auth, "clientId", "auth."),
    },
    environment,
  };
}

/** Fetch and validate `/config.json` (never cached: it changes with each deploy). */
export async function loadConfig(fetchImpl: typeof fetch = fetch): Promise<RuntimeConfig> {
  let response: Response;
  try {
    response = await fetchImpl("/config.json", { cache: "no-store", headers: { Accept: "application/json" } });
  } catch {
    throw new ConfigError("config.json could not be fetched (is the server running?)");
  }
  if (!response.ok) throw new ConfigError(`config.json answered HTTP ${response.status}`);
  let raw: unknown;
  try {
    raw = await response.json();
  } catch {
    throw new ConfigError("config.json is not valid JSON");
  }
  return parseConfig(raw);
}

export const ConfigContext = createContext<RuntimeConfig | null>(null);

/** The loaded runtime config (inside the app's providers). */
export function useConfig(): RuntimeConfig {
  const config = useContext(ConfigContext);
  if (config === null) throw new Error("useConfig() used outside <ConfigContext.Provider>");
  return config;
}
