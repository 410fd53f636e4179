import { act, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CoreProviders } from "../AppProviders";
import { TEST_CONFIG, TEST_SESSION, fakeFetch, fakeLive, networkError } from "../test/providers";
import { LiveProvider } from "./LiveProvider";
import { liveUrl } from "./connectors";
import { parseLiveMessage } from "./messages";
import { useLiveMessages, useLiveStatus, type LiveMessage } from "./useLive";

function Probe({ seen }: { seen: LiveMessage[] }) {
  const status = useLiveStatus();
  useLiveMessages((m) => seen.push(m));
  return <p data-testid="status">{status}</p>;
}

describe("liveUrl and parseLiveMessage", () => {
  it("appends the token and joins a relative url to apiBase", () => {
    expect(liveUrl("", "/api/positions/live", "a b")).toBe("/api/positions/live?token=a%20b");
    expect(liveUrl("https://x.test/prod", "/api/positions/live", "t")).toBe("https://x.test/prod/api/positions/live?token=t");
    expect(liveUrl("https://x.test/prod", "wss://ws.test/prod", "t")).toBe("wss://ws.test/prod?token=t");
  });

  it("keeps only well-formed messages of known types", () => {
    expect(parseLiveMessage('{"type":"BOT_STATUS","at":"2026-11-24T16:00:00Z","data":{"bot_id":"demo"}}')?.type).toBe("BOT_STATUS");
    expect(parseLiveMessage('{"type":"HELLO","data":{}}')).toBeNull();
    expect(parseLiveMessage('{"type":"BOT_STATUS","data":[]}')).toBeNull();
    expect(parseLiveMessage("not json")).toBeNull();
  });
});

describe("LiveProvider", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("connects with the token, delivers messages, and reconnects with backoff after a drop", async () => {
    const live = fakeLive({ autoOpen: false });
    const seen: LiveMessage[] = [];
    // The token refresh tried after two failed connects cannot reach the API: the session stays.
    const fetch = fakeFetch({ "POST /api/auth/refresh": () => networkError() });
    render(
      <CoreProviders config={TEST_CONFIG} fetch={fetch} initialSession={TEST_SESSION}>
        <LiveProvider connector={live.connector}>
          <Probe seen={seen} />
        </LiveProvider>
      </CoreProviders>,
    );
    expect(live.urls).toEqual(["/api/positions/live?token=test-id-token"]);
    expect(screen.getByTestId("status")).toHaveTextContent("connecting");
    live.open();
    expect(screen.getByTestId("status")).toHaveTextContent("open");
    live.emit({ type: "KILL_SWITCH", data: { tripped: true } });
    live.emit({ type: "NOT_A_TYPE", data: {} });
    expect(seen.map((m) => m.type)).toEqual(["KILL_SWITCH"]);

    live.drop();
    expect(screen.getByTestId("status")).toHaveTextContent("closed");
    await act(async () => {
      vi.advanceTimersByTime(999);
    });
    expect(live.urls).toHaveLength(1);
    await act(async () => {
      vi.advanceTimersByTime(1);
    });
    expect(live.urls).toHaveLength(2);
    expect(screen.getByTestId("status")).toHaveTextContent("connecting");
    live.drop();
    await act(async () => {
      vi.advanceTimersByTime(1_999);
    });
    expect(live.urls).toHaveLength(2);
    await act(async () => {
      vi.advanceTimersByTime(1);
    });
    expect(live.urls).toHaveLength(3);
    expect(live.urls.at(-1)).toBe("/api/positions/live?token=test-id-token");
  });

  it("asks for a fresh token after repeated failures and reconnects with it", async () => {
    const live = fakeLive({ autoOpen: false });
    const fetch = fakeFetch({
      "POST /api/auth/refresh": () => ({
        body: { id_token: "fresh-token", access_token: "a", refresh_token: null, expires_in: 3600, token_type: "Bearer" },
      }),
    });
    render(
      <CoreProviders config={TEST_CONFIG} fetch={fetch} initialSession={TEST_SESSION}>
        <LiveProvider connector={live.connector}>
          <Probe seen={[]} />
        </LiveProvider>
      </CoreProviders>,
    );
    live.drop();
    await act(async () => {
      vi.advanceTimersByTime(1_000);
    });
    live.drop();
    // The refresh resolves (microtasks) and the new token reconnects at once.
    await act(async () => {
      await Promise.resolve();
      await Promise.resolve();
      await Promise.resolve();
    });
    await vi.waitFor(() => expect(live.urls.at(-1)).toBe("/api/positions/live?token=fresh-token"));
    expect(fetch.callsTo("POST /api/auth/refresh")[0]?.body).toEqual({ refresh_token: "test-refresh-token" });
  });
});
