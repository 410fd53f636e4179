import { describe, expect, it, vi } from "vitest";
import { fakeFetch, networkError } from "../test/providers";
import { ApiError, ApiUnreachable, buildUrl, createApi } from "./client";

function client(fetch = fakeFetch(), opts: { token?: string | null; refresh?: () => Promise<string | null> } = {}) {
  let token = opts.token === undefined ? "tok-1" : opts.token;
  const reach: boolean[] = [];
  const refresh = vi.fn(opts.refresh ?? (async () => null));
  const api = createApi({
    apiBase: "https://api.example.test/prod/",
    fetch,
    getToken: () => token,
    refresh: async () => {
      const next = await refresh();
      if (next) token = next;
      return next;
    },
    onReachability: (ok) => reach.push(ok),
  });
  return { api, fetch, reach, refresh };
}

describe("buildUrl", () => {
  it("joins base, path and query, dropping empty values", () => {
    expect(buildUrl("https://x.test/prod/", "/api/orders", { limit: 2, cursor: null, market: undefined, open: true })).toBe(
      "https://x.test/prod/api/orders?limit=2&open=true",
    );
    expect(buildUrl("", "api/bot/status")).toBe("/api/bot/status");
  });
});

describe("createApi", () => {
  it("sends the bearer token and JSON body, and returns the parsed answer", async () => {
    const fetch = fakeFetch({ "POST /prod/api/bot/start": (req) => ({ body: { echoed: req.body } }) });
    const { api, reach } = client(fetch);
    await expect(api.post("/api/bot/start", { bot_id: "demo" })).resolves.toEqual({ echoed: { bot_id: "demo" } });
    const call = fetch.calls[0]!;
    expect(call.url.href).toBe("https://api.example.test/prod/api/bot/start");
    expect(call.headers.get("Authorization")).toBe("Bearer tok-1");
    expect(call.headers.get("Content-Type")).toBe("application/json");
    expect(reach).toEqual([true]);
  });

  it("turns 4xx answers into ApiError with the API's message and errors", async () => {
    const fetch = fakeFetch({
      "PUT /prod/api/settings": () => ({ status: 400, body: { message: "invalid settings", errors: ["sizing.max_position: too big"] } }),
    });
    const { api } = client(fetch);
    const err = await api.put("/api/settings", {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 400, message: "invalid settings", errors: ["sizing.max_position: too big"] });
  });

  it("refreshes once on 401 and retries with the new token", async () => {
    const fetch = fakeFetch({
      "GET /prod/api/bot/status": (req) =>
        req.headers.get("Authorization") === "Bearer tok-2" ? { body: { ok: true } } : { status: 401, body: { message: "expired" } },
    });
    const { api, refresh } = client(fetch, { refresh: async () => "tok-2" });
    await expect(api.get("/api/bot/status")).resolves.toEqual({ ok: true });
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(fetch.calls.map((c) => c.headers.get("Authorization"))).toEqual(["Bearer tok-1", "Bearer tok-2"]);
  });

  it("gives up with the 401 when the refresh fails, and does not loop", async () => {
    const fetch = fakeFetch({ "GET /prod/api/bot/status": () => ({ status: 401, body: { message: "Unauthorized" } }) });
    const { api, refresh } = client(fetch, { refresh: async () => null });
    await expect(api.get("/api/bot/status")).rejects.toMatchObject({ status: 401 });
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(fetch.calls).toHaveLength(1);
  });

  it("does not refresh when no token was sent", async () => {
    const fetch = fakeFetch({ "GET /prod/api/bot/status": () => ({ status: 401, body: { message: "Unauthorized" } }) });
    const { api, refresh } = client(fetch, { token: null });
    await expect(api.get("/api/bot/status")).rejects.toBeInstanceOf(ApiError);
    expect(refresh).not.toHaveBeenCalled();
  });

  it("reports a network failure as ApiUnreachable", async () => {
    const fetch = fakeFetch({ "GET /prod/api/health": () => networkError() });
    const { api, reach } = client(fetch);
    await expect(api.get("/api/health")).rejects.toBeInstanceOf(ApiUnreachable);
    expect(reach).toEqual([false]);
  });

  it("uses a generic message when the error body is not JSON", async () => {
    const fetch = vi.fn(async () => new Response("<html>bad gateway</html>".repeat(20), { status: 502 }));
    const api = createApi({ apiBase: "", fetch, getToken: () => null, refresh: async () => null });
    await expect(api.get("/api/x")).rejects.toMatchObject({ status: 502, message: "The API answered HTTP 502" });
  });
});
