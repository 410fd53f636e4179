import { act, render, type RenderResult } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { ReactElement, ReactNode } from "react";
import { MemoryRouter, Route, Routes } from "react-router";
import { CoreProviders, SignedInProviders } from "../AppProviders";
import type { FetchLike } from "../api/client";
import type { Session } from "../auth/AuthContext";
import { Layout } from "../components/Layout";
import type { RuntimeConfig } from "../config";
import type { LiveConnector, LiveHandlers } from "../live/connectors";
import { LiveConnectorContext } from "../live/LiveProvider";
import type { LiveMessage } from "../live/messages";
import { botStatus } from "./fixtures";

export const TEST_CONFIG: RuntimeConfig = {
  apiBase: "",
  live: { transport: "sse", url: "/api/positions/live" },
  auth: { region: "us-east-1", userPoolId: "us-east-1_test", clientId: "test-client" },
  environment: "local",
};

export const TEST_SESSION: Session = {
  username: "demo",
  idToken: "test-id-token",
  accessToken: "test-access-token",
  refreshToken: "test-refresh-token",
  expiresAt: Date.now() + 3_600_000,
};

export interface FakeRequest {
  method: string;
  url: URL;
  body: unknown;
  headers: Headers;
}

export interface FakeReply {
  status?: number;
  body: unknown;
}

export type FakeRoute = (req: FakeRequest) => FakeReply | Promise<FakeReply>;

/** A fetch double: `calls` records every request; `routes` may be changed during a test. */
export type FetchMock = FetchLike & {
  calls: FakeRequest[];
  routes: Record<string, FakeRoute>;
  /** Requests to "METHOD /path" so far. */
  callsTo(key: string): FakeRequest[];
};

/** Thrown by a route to simulate a network failure (the API cannot be reached). */
export function networkError(): never {
  throw new TypeError("Failed to fetch");
}

/**
 * A fake `fetch` keyed by "METHOD /path" (query ignored). Unknown routes answer
 * 404 `{"message": "no fake for …"}`; a route that throws makes fetch reject (network error).
 */
export function fakeFetch(routes: Record<string, FakeRoute> = {}): FetchMock {
  const calls: FakeRequest[] = [];
  const mock = (async (input: string, init?: RequestInit) => {
    const url = new URL(input, "http://127.0.0.1");
    const method = (init?.method ?? "GET").toUpperCase();
    const raw = init?.body;
    let body: unknown = undefined;
    if (typeof raw === "string") {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
    }
    const req: FakeRequest = { method, url, body, headers: new Headers(init?.headers) };
    calls.push(req);
    const key = `${method} ${url.pathname}`;
    const route = mock.routes[key];
    const reply: FakeReply = route ? await route(req) : { status: 404, body: { message: `no fake for ${key}` } };
    const status = reply.status ?? 200;
    return new Response(reply.body === undefined ? null : JSON.stringify(reply.body), {
      status,
      headers: { "Content-Type": "application/json" },
    });
  }) as FetchMock;
  mock.calls = calls;
  mock.routes = { ...routes };
  mock.callsTo = (key: string) => calls.filter((c) => `${c.method} ${c.url.pathname}` === key);
  return mock;
}

/** A live transport double: `emit` delivers a message, `drop`/`open` move the connection. */
export interface FakeLive {
  connector: LiveConnector;
  emit(message: LiveMessage | { type: string; at?: string; data: unknown }): void;
  open(): void;
  drop(): void;
  /** URLs connected to, in order (the token is in the query). */
  urls: string[];
}

export function fakeLive({ autoOpen = true }: { autoOpen?: boolean } = {}): FakeLive {
  let handlers: LiveHandlers | null = null;
  const urls: string[] = [];
  const connector: LiveConnector = (url, h) => {
    urls.push(url);
    handlers = h;
    if (autoOpen) queueMicrotask(() => h.onOpen());
    return {
      close: () => {
        if (handlers === h) handlers = null;
      },
    };
  };
  return {
    connector,
    urls,
    emit: (message) => {
      act(() => handlers?.onMessage(JSON.stringify({ at: new Date().toISOString(), ...message })));
    },
    open: () => act(() => handlers?.onOpen()),
    drop: () => act(() => handlers?.onDrop()),
  };
}

let currentLive: FakeLive | null = null;

/** Deliver a live message to the app most recently rendered with `renderWithApp`. */
export function emitLive(message: LiveMessage | { type: string; at?: string; data: unknown }): void {
  if (!currentLive) throw new Error("emitLive() before renderWithApp()");
  currentLive.emit(message);
}

export interface RenderOptions {
  /** The initial URL (default "/"). */
  route?: string;
  fetch?: FetchMock;
  config?: Partial<RuntimeConfig>;
  /** Start signed out (default: signed in as "demo" with a fake token). */
  signedOut?: boolean;
  /** Render inside the app's Layout (header, nav, banners). Default false. */
  layout?: boolean;
  /** Give full control of the routes: `ui` is rendered as-is inside the router (e.g. <AppRoutes/>). */
  bare?: boolean;
  live?: FakeLive;
}

export interface AppRender extends RenderResult {
  user: ReturnType<typeof userEvent.setup>;
  fetch: FetchMock;
  live: FakeLive;
  emitLive: FakeLive["emit"];
}

/**
 * Render `ui` inside the app's providers (config, auth signed in with a fake token, router,
 * toasts, live, bot status). GET /api/bot/status answers a paper fixture unless the fetch
 * passed has its own route for it.
 */
export function renderWithApp(ui: ReactElement, options: RenderOptions = {}): AppRender {
  const fetch = options.fetch ?? fakeFetch();
  if (!fetch.routes["GET /api/bot/status"]) fetch.routes["GET /api/bot/status"] = () => ({ body: botStatus() });
  const live = options.live ?? fakeLive();
  currentLive = live;
  const config: RuntimeConfig = { ...TEST_CONFIG, ...options.config };
  const session = options.signedOut ? null : { ...TEST_SESSION, expiresAt: Date.now() + 3_600_000 };

  let content: ReactNode;
  if (options.bare) {
    content = ui;
  } else if (options.layout) {
    content = (
      <SignedInProviders>
        <Routes>
          <Route element={<Layout />}>
            <Route path="*" element={ui} />
          </Route>
        </Routes>
      </SignedInProviders>
    );
  } else {
    content = <SignedInProviders>{ui}</SignedInProviders>;
  }

  const user = userEvent.setup();
  const result = render(
    <MemoryRouter initialEntries={[options.route ?? "/"]}>
      <LiveConnectorContext.Provider value={live.connector}>
        <CoreProviders config={config} fetch={fetch} initialSession={session} storage={window.sessionStorage}>
          {content}
        </CoreProviders>
      </LiveConnectorContext.Provider>
    </MemoryRouter>,
  );
  return { ...result, user, fetch, live, emitLive: live.emit };
}
