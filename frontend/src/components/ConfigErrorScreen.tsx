import { CONFIG_ERROR_TITLE } from "../config";

/** Shown instead of the app when /config.json cannot be used. */
export function ConfigErrorScreen({ error }: { error: unknown }) {
  const detail = error instanceof Error ? error.message : String(error);
  return (
    <main id="main" className="config-error">
      <div role="alert" className="state state-error">
        <h1>{CONFIG_ERROR_TITLE}</h1>
        <p>{detail}</p>
        <p>
          The dashboard reads its API address from <code>/config.json</code>. Locally, run it with <code>make demo</code>; on AWS the
          deployment writes it.
        </p>
        <button type="button" onClick={() => window.location.reload()}>
          Reload
        </button>
      </div>
    </main>
  );
}
