import { useContext, useEffect, useRef } from "react";
import { LiveContext, type LiveStatus, type LiveValue } from "./LiveProvider";
import type { LiveMessage } from "./messages";

export type { LiveMessage, LiveMessageType } from "./messages";
export type { LiveStatus } from "./LiveProvider";

function useLiveContext(): LiveValue {
  const value = useContext(LiveContext);
  if (value === null) throw new Error("live hooks used outside <LiveProvider>");
  return value;
}

/** Call `handler` for every live message while the component is mounted (latest handler wins). */
export function useLiveMessages(handler: (message: LiveMessage) => void): void {
  const { subscribe } = useLiveContext();
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => subscribe((message) => ref.current(message)), [subscribe]);
}

/** The live connection's state. */
export function useLiveStatus(): LiveStatus {
  return useLiveContext().status;
}

/** True once the connection has been open at least once (then a drop means "Reconnecting…"). */
export function useLiveEverOpen(): boolean {
  return useLiveContext().everOpen;
}
