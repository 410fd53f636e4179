import { BrowserRouter, Link, Route, Routes } from "react-router";
import { CoreProviders, SignedInProviders } from "./AppProviders";
import { RequireAuth } from "./auth/RequireAuth";
import { Layout } from "./components/Layout";
import { Page } from "./components/Page";
import type { RuntimeConfig } from "./config";
import DashboardPage from "./pages/DashboardPage";
import HealthPage from "./pages/HealthPage";
import PositionsPage from "./pages/PositionsPage";
import RiskPage from "./pages/RiskPage";
import SettingsPage from "./pages/SettingsPage";
import SignInPage from "./pages/SignInPage";
import TradesPage from "./pages/TradesPage";

function NotFoundPage() {
  return (
    <Page title="Page not found">
      <p>
        There is no page here. <Link to="/">Go to the dashboard</Link>.
      </p>
    </Page>
  );
}

/** Every route of the dashboard (inside a router and CoreProviders). */
export function AppRoutes() {
  return (
    <Routes>
      <Route path="/sign-in" element={<SignInPage />} />
      <Route
        element={
          <RequireAuth>
            <SignedInProviders>
              <Layout />
            </SignedInProviders>
          </RequireAuth>
        }
      >
        <Route index element={<DashboardPage />} />
        <Route path="positions" element={<PositionsPage />} />
        <Route path="trades" element={<TradesPage />} />
        <Route path="risk" element={<RiskPage />} />
        <Route path="settings" element={<SettingsPage />} />
        <Route path="health" element={<HealthPage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}

export default function App({ config }: { config: RuntimeConfig }) {
  return (
    <BrowserRouter>
      <CoreProviders config={config}>
        <AppRoutes />
      </CoreProviders>
    </BrowserRouter>
  );
}
