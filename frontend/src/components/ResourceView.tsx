import type { ReactNode } from "react";
import { ApiUnreachable } from "../api/client";
import type { Resource } from "../hooks/useResource";

export interface ResourceViewProps<T> {
  resource: Resource<T>;
  /** What is loaded, for messages: "trades" → "Could not load trades: …". */
  label: string;
  isEmpty?: (data: T) => boolean;
  /** Shown when `isEmpty(data)`: a sentence saying there is nothing yet (and why). */
  empty?: ReactNode;
  children: (data: T) => ReactNode;
}

/** The loading / error (+ Retry) / API-unreachable / empty / data states of one data region. */
export function ResourceView<T>({ resource, label, isEmpty, empty, children }: ResourceViewProps<T>) {
  const { status, data, error, reload } = resource;
  if (status === "error") {
    const unreachable = error instanceof ApiUnreachable;
    return (
      <div role="alert" className={`state state-error${unreachable ? " state-unreachable" : ""}`}>
        <p>
          {unreachable
            ? `Could not load ${label}: the inplay API cannot be reached.`
            : `Could not load ${label}: ${error?.message ?? "unknown error"}`}
        </p>
        <button type="button" onClick={reload}>
          Retry
        </button>
      </div>
    );
  }
  if (status === "loading" && data === undefined) {
    return (
      <p role="status" className="state state-loading" aria-busy="true">
        Loading…
      </p>
    );
  }
  if (data === undefined) return null;
  if (isEmpty?.(data)) return <div className="state state-empty">{empty ?? <p>Nothing to show yet.</p>}</div>;
  return <>{children(data)}</>;
}

export default ResourceView;
