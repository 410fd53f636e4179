import { act, screen } from "@testing-library/react";
import { useState } from "react";
import { describe, expect, it } from "vitest";
import { fakeFetch, renderWithApp, type FakeReply } from "../test/providers";
import { useResource, type Resource } from "./useResource";

let latest: Resource<{ n: number }> | null = null;

function Probe({ query }: { query: string }) {
  const r = useResource((api) => api.get<{ n: number }>("/api/thing", { q: query }), [query]);
  latest = r;
  return <p data-testid="probe">{r.status === "ready" ? `ready ${r.data?.n} for ${query}` : r.status}</p>;
}

function Switcher() {
  const [query, setQuery] = useState("a");
  return (
    <>
      <button type="button" onClick={() => setQuery("b")}>
        Query b
      </button>
      <Probe query={query} />
    </>
  );
}

/** A route whose answers the test releases one by one. */
function gated() {
  const waiting: { q: string; release: (reply: FakeReply) => void }[] = [];
  const fetch = fakeFetch({
    "GET /api/thing": (req) => new Promise<FakeReply>((release) => waiting.push({ q: req.url.searchParams.get("q") ?? "", release })),
  });
  return { fetch, waiting };
}

async function flush() {
  await act(async () => {
    await new Promise((r) => setTimeout(r, 0));
  });
}

describe("useResource", () => {
  it("coalesces reloads during a load, so a stream of reloads cannot starve the answer", async () => {
    const { fetch, waiting } = gated();
    renderWithApp(<Probe query="a" />, { fetch });
    await flush();
    expect(waiting).toHaveLength(1);
    waiting[0]!.release({ body: { n: 1 } });
    await flush();
    expect(screen.getByTestId("probe")).toHaveTextContent("ready 1 for a");

    act(() => latest!.reload());
    await flush();
    expect(waiting).toHaveLength(2);
    // Three more reloads while the second load runs: none starts now, one runs after it.
    act(() => latest!.reload());
    act(() => latest!.reload());
    act(() => latest!.reload());
    await flush();
    expect(waiting).toHaveLength(2);
    expect(screen.getByTestId("probe")).toHaveTextContent("ready 1 for a");
    waiting[1]!.release({ body: { n: 2 } });
    await flush();
    expect(screen.getByTestId("probe")).toHaveTextContent("ready 2 for a");
    expect(waiting).toHaveLength(3);
    waiting[2]!.release({ body: { n: 3 } });
    await flush();
    expect(screen.getByTestId("probe")).toHaveTextContent("ready 3 for a");
    expect(waiting).toHaveLength(3);
  });

  it("drops the old query's answer when the deps change", async () => {
    const { fetch, waiting } = gated();
    const { user } = renderWithApp(<Switcher />, { fetch });
    await flush();
    await user.click(screen.getByRole("button", { name: "Query b" }));
    await flush();
    expect(waiting.map((w) => w.q)).toEqual(["a", "b"]);
    expect(screen.getByTestId("probe")).toHaveTextContent("loading");
    waiting[1]!.release({ body: { n: 2 } });
    await flush();
    waiting[0]!.release({ body: { n: 1 } });
    await flush();
    expect(screen.getByTestId("probe")).toHaveTextContent("ready 2 for b");
  });
});
