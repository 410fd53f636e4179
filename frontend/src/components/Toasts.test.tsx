import { act, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ConfigErrorScreen } from "./ConfigErrorScreen";
import { TOAST_MS, ToastProvider, useToasts } from "./Toasts";

function Pusher() {
  const { push } = useToasts();
  return (
    <>
      <button type="button" onClick={() => push({ kind: "success", text: "Saved" })}>
        Info
      </button>
      <button type="button" onClick={() => push({ kind: "error", text: "Broken" })}>
        Error
      </button>
    </>
  );
}

describe("Toasts", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("announces toasts politely; info goes by itself, errors stay until dismissed", () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    render(
      <ToastProvider>
        <Pusher />
      </ToastProvider>,
    );
    const region = screen.getByTestId("toasts");
    expect(region).toHaveAttribute("role", "status");
    expect(region).toHaveAttribute("aria-live", "polite");
    fireEvent.click(screen.getByRole("button", { name: "Info" }));
    fireEvent.click(screen.getByRole("button", { name: "Error" }));
    expect(region).toHaveTextContent("Saved");
    act(() => {
      vi.advanceTimersByTime(TOAST_MS);
    });
    expect(region).not.toHaveTextContent("Saved");
    expect(region).toHaveTextContent("Broken");
    fireEvent.click(screen.getByRole("button", { name: "Dismiss: Broken" }));
    expect(region).toBeEmptyDOMElement();
  });
});

describe("ConfigErrorScreen", () => {
  it("says the config is missing or invalid, and why", () => {
    render(<ConfigErrorScreen error={new Error("config.json answered HTTP 404")} />);
    expect(screen.getByRole("heading", { name: "The dashboard's config.json is missing or invalid" })).toBeInTheDocument();
    expect(screen.getByRole("alert")).toHaveTextContent("config.json answered HTTP 404");
  });
});
