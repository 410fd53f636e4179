/** How the app opens its one live-update connection (SSE locally, WebSocket on AWS). */
export interface LiveHandlers {
  onOpen(): void;
  onMessage(raw: string): void;
  /** The connection failed or dropped; the provider closes it and reconnects with backoff. */
  onDrop(): void;
}

export interface LiveConnection {
  close(): void;
}

export type LiveConnector = (url: string, handlers: LiveHandlers) => LiveConnection;

export const sseConnector: LiveConnector = (url, handlers) => {
  const source = new EventSource(url);
  source.onopen = () => handlers.onOpen();
  source.onmessage = (event: MessageEvent<string>) => handlers.onMessage(event.data);
  source.onerror = () => handlers.onDrop();
  return { close: () => source.close() };
};

export const websocketConnector: LiveConnector = (url, handlers) => {
  const socket = new WebSocket(url);
  socket.onopen = () => handlers.onOpen();
  socket.onmessage = (event: MessageEvent) => {
    if (typeof event.data === "string") handlers.onMessage(event.data);
  };
  socket.onclose = () => handlers.onDrop();
  return {
    close: () => {
      socket.onclose = null;
      socket.close();
    },
  };
};

/** `url?token=…` (or `&token=…`); a relative SSE url is joined to apiBase. */
export function liveUrl(apiBase: string, url: string, token: string): string {
  const absolute = /^[a-z]+:\/\//i.test(url) ? url : `${apiBase.replace(/\/+$/, "")}${url.startsWith("/") ? url : `/${url}`}`;
  return `${absolute}${absolute.includes("?") ? "&" : "?"}token=${encodeURIComponent(token)}`;
}
