export type LiveMessageType = "NEW_POSITION" | "POSITION_UPDATE" | "POSITION_CLOSED" | "BOT_STATUS" | "KILL_SWITCH";

export const LIVE_MESSAGE_TYPES: readonly LiveMessageType[] = [
  "NEW_POSITION",
  "POSITION_UPDATE",
  "POSITION_CLOSED",
  "BOT_STATUS",
  "KILL_SWITCH",
];

/** One live update: `data` is the position / bot / kill-switch state as the API shows it. */
export interface LiveMessage {
  type: LiveMessageType;
  at: string;
  data: Record<string, unknown>;
}

/** Parse one SSE `data:` payload or WebSocket text frame; null for anything unusable. */
export function parseLiveMessage(raw: string): LiveMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const v = value as Record<string, unknown>;
  const type = v["type"];
  const data = v["data"];
  if (typeof type !== "string" || !(LIVE_MESSAGE_TYPES as readonly string[]).includes(type)) return null;
  if (typeof data !== "object" || data === null || Array.isArray(data)) return null;
  return { type: type as LiveMessageType, at: typeof v["at"] === "string" ? v["at"] : "", data: data as Record<string, unknown> };
}
