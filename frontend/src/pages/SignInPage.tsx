import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { Navigate, useLocation, useNavigate } from "react-router";
import { ApiError, ApiUnreachable, errorMessage } from "../api/client";
import { useAuth } from "../auth/AuthContext";
import type { SignInState } from "../auth/RequireAuth";

function target(state: unknown): string {
  const from = (state as SignInState | null)?.from;
  return typeof from === "string" && from.startsWith("/") && !from.startsWith("//") && !from.startsWith("/sign-in") ? from : "/";
}

export default function SignInPage() {
  const { session, signIn, notice } = useAuth();
  const location = useLocation();
  const navigate = useNavigate();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const errorId = useId();
  const userField = useRef<HTMLInputElement>(null);

  useEffect(() => {
    document.title = "Sign in · inplay";
    userField.current?.focus();
  }, []);

  if (session && !busy) return <Navigate to={target(location.state)} replace />;

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (busy) return;
    setError(null);
    if (username.trim() === "" || password === "") {
      setError("Enter your username and password.");
      return;
    }
    setBusy(true);
    try {
      await signIn(username.trim(), password);
      navigate(target(location.state), { replace: true });
    } catch (err) {
      setBusy(false);
      if (err instanceof ApiUnreachable) setError("Cannot reach the inplay API. Check that it is running, then try again.");
      else if (err instanceof ApiError) setError(err.message);
      else setError(errorMessage(err));
    }
  };

  return (
    <main id="main" className="sign-in">
      <form className="sign-in-card" onSubmit={onSubmit} noValidate aria-describedby={error ? errorId : undefined}>
        <p className="brand brand-large">inplay</p>
        <h1>Sign in to inplay</h1>
        {notice && !error ? (
          <p className="notice" role="status">
            {notice}
          </p>
        ) : null}
        <div className="field">
          <label htmlFor="sign-in-username">Username</label>
          <input
            id="sign-in-username"
            ref={userField}
            name="username"
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            aria-invalid={error ? true : undefined}
            required
          />
        </div>
        <div className="field">
          <label htmlFor="sign-in-password">Password</label>
          <input
            id="sign-in-password"
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            aria-invalid={error ? true : undefined}
            required
          />
        </div>
        {error ? (
          <p id={errorId} role="alert" className="form-error">
            {error}
          </p>
        ) : null}
        <button type="submit" className="button-primary" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
