import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { AppRoutes } from "./App";
import { renderWithApp } from "./test/providers";

describe("routing", () => {
  it("sends a signed-out user to the sign-in page", async () => {
    renderWithApp(<AppRoutes />, { bare: true, signedOut: true, route: "/positions" });
    expect(await screen.findByRole("heading", { name: "Sign in to inplay" })).toBeInTheDocument();
  });

  it("shows the header with PAPER and the nav when signed in", async () => {
    renderWithApp(<AppRoutes />, { bare: true, route: "/" });
    expect(await screen.findByTestId("mode-badge")).toHaveTextContent(/^PAPER$/);
    const nav = screen.getByRole("navigation", { name: "Main" });
    for (const name of ["Dashboard", "Positions", "Trades", "Risk", "Settings", "Health"]) {
      expect(nav).toContainElement(screen.getByRole("link", { name }));
    }
    expect(screen.getByRole("button", { name: "Sign out" })).toBeInTheDocument();
  });
});
