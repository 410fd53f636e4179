import type { ReactNode } from "react";
import { Navigate, useLocation } from "react-router";
import { useAuth } from "./AuthContext";

/** Where the sign-in page sends the user back to. */
export interface SignInState {
  from?: string;
}

/** Renders children when signed in; otherwise goes to /sign-in, remembering the page asked for. */
export function RequireAuth({ children }: { children: ReactNode }) {
  const { session } = useAuth();
  const location = useLocation();
  if (!session) {
    const from = `${location.pathname}${location.search}${location.hash}`;
    return <Navigate to="/sign-in" replace state={{ from } satisfies SignInState} />;
  }
  return <>{children}</>;
}
