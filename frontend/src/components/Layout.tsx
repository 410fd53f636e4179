import { useEffect, useRef } from "react";
import { NavLink, Outlet, useLocation } from "react-router";
import { useAuth } from "../auth/AuthContext";
import { useReachability } from "../hooks/useApi";
import { useBotStatus } from "../hooks/useBotStatus";
import { KillSwitchBadge, LiveIndicator, ModeBadge } from "./StatusBadges";

const NAV = [
  { to: "/", label: "Dashboard", end: true },
  { to: "/positions", label: "Positions", end: false },
  { to: "/trades", label: "Trades", end: false },
  { to: "/risk", label: "Risk", end: false },
  { to: "/settings", label: "Settings", end: false },
  { to: "/health", label: "Health", end: false },
];

/** The API could not be reached: one banner for the whole app, with a Retry for everything. */
export function UnreachableBanner() {
  const { unreachable, retry } = useReachability();
  if (!unreachable) return null;
  return (
    <div role="alert" className="banner banner-unreachable">
      <span>Cannot reach the inplay API</span>
      <span className="banner-detail"> — check your connection; what is shown may be out of date.</span>
      <button type="button" onClick={retry}>
        Retry
      </button>
    </div>
  );
}

/** Header (mode, kill switch, live indicator, nav, sign out), banners, and the page. */
export function Layout() {
  const { session, signOut } = useAuth();
  const status = useBotStatus();
  const location = useLocation();
  const main = useRef<HTMLElement>(null);
  const firstPath = useRef(location.pathname);

  useEffect(() => {
    if (location.pathname === firstPath.current) return;
    firstPath.current = "";
    // After navigating, move focus to the new page's heading (screen readers announce it).
    const heading = main.current?.querySelector<HTMLElement>("h1");
    (heading ?? main.current)?.focus();
  }, [location.pathname]);

  const data = status.data;
  const live = data?.mode === "live";
  const tripped = data ? data.kill_switch.tripped || data.kill_switch.state === "TRIPPED" : false;

  return (
    <div className={`app ${data ? (live ? "app-live" : "app-paper") : "app-unknown"}`}>
      <a className="skip-link" href="#main">
        Skip to main content
      </a>
      <header className="app-header">
        <div className="header-top">
          <span className="brand">inplay</span>
          <div className="header-status">
            {data ? (
              <>
                <span className="sr-only">Trading mode: </span>
                <ModeBadge mode={data.mode} />
                <span className="sr-only">Kill switch: </span>
                <KillSwitchBadge killSwitch={data.kill_switch} />
              </>
            ) : (
              <span className="badge badge-unknown">{status.status === "error" ? "Status unavailable" : "Loading status…"}</span>
            )}
            <LiveIndicator />
          </div>
          <div className="header-user">
            {session?.username ? <span className="username">{session.username}</span> : null}
            <button type="button" className="button-quiet" onClick={() => signOut()}>
              Sign out
            </button>
          </div>
        </div>
        <nav aria-label="Main" className="main-nav">
          <ul>
            {NAV.map((item) => (
              <li key={item.to}>
                <NavLink to={item.to} end={item.end}>
                  {item.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      {live ? (
        <div className="banner banner-live" data-testid="live-banner">
          LIVE TRADING — real money
        </div>
      ) : null}
      {tripped ? (
        <div className="banner banner-kill-switch">
          Kill switch tripped{data?.kill_switch.reason ? `: ${data.kill_switch.reason}` : ""} — no new orders. Reset it on the
          Risk page.
        </div>
      ) : null}
      <UnreachableBanner />
      <main id="main" ref={main} tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}

export default Layout;
