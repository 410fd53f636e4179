import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { AppRoutes } from "../App";
import { botStatus } from "../test/fixtures";
import { fakeFetch, renderWithApp } from "../test/providers";
import { SESSION_EXPIRED } from "./AuthContext";

describe("session expiry", () => {
  it("refreshes the token once on 401 and carries on", async () => {
    const fetch = fakeFetch({
      "GET /api/bot/status": (req) =>
        req.headers.get("Authorization") === "Bearer new-id" ? { body: botStatus() } : { status: 401, body: { message: "Unauthorized" } },
      "POST /api/auth/refresh": () => ({
        body: { id_token: "new-id", access_token: "a", refresh_token: null, expires_in: 3600, token_type: "Bearer" },
      }),
    });
    renderWithApp(<AppRoutes />, { bare: true, fetch });
    expect(await screen.findByTestId("mode-badge")).toHaveTextContent("PAPER");
    expect(fetch.callsTo("POST /api/auth/refresh")).toHaveLength(1);
  });

  it("signs out to the sign-in page with a notice when the refresh is refused", async () => {
    const fetch = fakeFetch({
      "GET /api/bot/status": () => ({ status: 401, body: { message: "Unauthorized" } }),
      "POST /api/auth/refresh": () => ({ status: 401, body: { message: "refresh token expired" } }),
    });
    renderWithApp(<AppRoutes />, { bare: true, fetch, route: "/positions" });
    expect(await screen.findByRole("heading", { name: "Sign in to inplay" })).toBeInTheDocument();
    expect(screen.getByText(SESSION_EXPIRED)).toBeInTheDocument();
  });
});
