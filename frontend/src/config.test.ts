import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, parseConfig } from "./config";

const GOOD = {
  apiBase: "https://abc.execute-api.us-east-1.amazonaws.com/prod/",
  live: { transport: "websocket", url: "wss://ws.example.test/prod" },
  auth: { region: "us-east-1", userPoolId: "us-east-1_x", clientId: "abc" },
  environment: "aws",
};

describe("parseConfig", () => {
  it("accepts the deployed shape and strips the trailing slash", () => {
    expect(parseConfig(GOOD).apiBase).toBe("https://abc.execute-api.us-east-1.amazonaws.com/prod");
    expect(parseConfig({ ...GOOD, apiBase: "", live: { transport: "sse", url: "/api/positions/live" }, environment: "local" }).live.transport).toBe(
      "sse",
    );
  });

  it.each([
    [null, "config.json must be a JSON object"],
    [{ ...GOOD, apiBase: 3 }, "apiBase must be a string"],
    [{ ...GOOD, apiBase: "ftp://x" }, 'apiBase must be "" or an http(s) URL'],
    [{ ...GOOD, live: { transport: "carrier-pigeon", url: "x" } }, "live.transport"],
    [{ ...GOOD, live: { transport: "websocket", url: "https://x" } }, "ws(s)://"],
    [{ ...GOOD, auth: { region: "us-east-1", clientId: "abc" } }, "auth.userPoolId must be a string"],
    [{ ...GOOD, environment: "prod" }, "environment"],
  ])("rejects %j", (raw, message) => {
    expect(() => parseConfig(raw)).toThrow(ConfigError);
    expect(() => parseConfig(raw)).toThrow(message);
  });
});

describe("loadConfig", () => {
  it("reads /config.json without the cache", async () => {
    let seen: RequestInit | undefined;
    const config = await loadConfig(async (input, init) => {
      seen = init;
      expect(input).toBe("/config.json");
      return new Response(JSON.stringify(GOOD), { status: 200 });
    });
    expect(config.environment).toBe("aws");
    expect(seen?.cache).toBe("no-store");
  });

  it("explains a missing or broken file", async () => {
    await expect(loadConfig(async () => new Response("nope", { status: 404 }))).rejects.toThrow("config.json answered HTTP 404");
    await expect(loadConfig(async () => new Response("<html>", { status: 200 }))).rejects.toThrow("not valid JSON");
    await expect(
      loadConfig(async () => {
        throw new TypeError("Failed to fetch");
      }),
    ).rejects.toThrow("could not be fetched");
  });
});
