import type { ReactNode } from "react";
import { ApiProvider } from "./api/ApiProvider";
import type { FetchLike } from "./api/client";
import { AuthProvider, type Session } from "./auth/AuthContext";
import { ToastProvider } from "./components/Toasts";
import { ConfigContext, type RuntimeConfig } from "./config";
import { BotStatusProvider } from "./hooks/useBotStatus";
import { LiveProvider } from "./live/LiveProvider";
import { LiveToasts } from "./live/LiveToasts";

export interface CoreProvidersProps {
  config: RuntimeConfig;
  fetch?: FetchLike;
  /** Tests: start signed in (or out) instead of reading sessionStorage. */
  initialSession?: Session | null;
  storage?: Storage;
  children: ReactNode;
}

const browserFetch: FetchLike = (input, init) => globalThis.fetch(input, init);

/** Config, auth, API (+ reachability) and toasts: everything a page needs signed in or not. */
export function CoreProviders({ config, fetch = browserFetch, initialSession, storage, children }: CoreProvidersProps) {
  return (
    <ConfigContext.Provider value={config}>
      <AuthProvider apiBase={config.apiBase} fetch={fetch} initialSession={initialSession} storage={storage}>
        <ApiProvider apiBase={config.apiBase} fetch={fetch}>
          <ToastProvider>{children}</ToastProvider>
        </ApiProvider>
      </AuthProvider>
    </ConfigContext.Provider>
  );
}

/** The live connection, the shared bot status and live toasts (signed-in pages only). */
export function SignedInProviders({ children }: { children: ReactNode }) {
  return (
    <LiveProvider>
      <BotStatusProvider>
        <LiveToasts />
        {children}
      </BotStatusProvider>
    </LiveProvider>
  );
}
