import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { AppRoutes } from "../App";
import { SESSION_KEY } from "../auth/AuthContext";
import { fakeFetch, networkError, renderWithApp } from "../test/providers";

const TOKENS = { id_token: "id-1", access_token: "acc-1", refresh_token: "ref-1", expires_in: 3600, token_type: "Bearer" };

describe("SignInPage", () => {
  it("shows the API's message in an alert when the password is wrong", async () => {
    const fetch = fakeFetch({
      "POST /api/auth/sign-in": () => ({ status: 401, body: { message: "wrong username or password" } }),
    });
    const { user } = renderWithApp(<AppRoutes />, { bare: true, signedOut: true, route: "/sign-in", fetch });
    expect(screen.getByRole("heading", { name: "Sign in to inplay" })).toBeInTheDocument();
    await user.type(screen.getByLabelText("Username"), "demo");
    await user.type(screen.getByLabelText("Password"), "nope");
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("wrong username or password");
    expect(fetch.callsTo("POST /api/auth/sign-in")[0]?.body).toEqual({ username: "demo", password: "nope" });
    expect(window.sessionStorage.getItem(SESSION_KEY)).toBeNull();
  });

  it("signs in and returns to the page asked for, sending the id token afterwards", async () => {
    const fetch = fakeFetch({ "POST /api/auth/sign-in": () => ({ body: TOKENS }) });
    const { user } = renderWithApp(<AppRoutes />, { bare: true, signedOut: true, route: "/positions", fetch });
    await user.type(await screen.findByLabelText("Username"), "demo");
    await user.type(screen.getByLabelText("Password"), "inplay-demo-pass");
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("heading", { name: "Positions", level: 1 })).toBeInTheDocument();
    const status = fetch.callsTo("GET /api/bot/status")[0];
    expect(status?.headers.get("Authorization")).toBe("Bearer id-1");
    expect(JSON.parse(window.sessionStorage.getItem(SESSION_KEY) ?? "{}")).toMatchObject({ username: "demo", idToken: "id-1" });
  });

  it("says so when the API cannot be reached", async () => {
    const fetch = fakeFetch({ "POST /api/auth/sign-in": () => networkError() });
    const { user } = renderWithApp(<AppRoutes />, { bare: true, signedOut: true, route: "/sign-in", fetch });
    await user.type(screen.getByLabelText("Username"), "demo");
    await user.type(screen.getByLabelText("Password"), "x");
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Cannot reach the inplay API");
  });

  it("asks for both fields before calling the API", async () => {
    const fetch = fakeFetch();
    const { user } = renderWithApp(<AppRoutes />, { bare: true, signedOut: true, route: "/sign-in", fetch });
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    expect(screen.getByRole("alert")).toHaveTextContent("Enter your username and password.");
    expect(fetch.callsTo("POST /api/auth/sign-in")).toHaveLength(0);
  });
});
