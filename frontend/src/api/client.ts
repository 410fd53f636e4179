/** The inplay API client: JSON over fetch, Bearer token, one refresh + retry on 401. */

/** An answer from the API with a 4xx/5xx status; `message` is the API's own message. */
export class ApiError extends Error {
  override name = "ApiError";
  readonly status: number;
  /** The API's `errors[]` (each usually names a field: `"field: problem"`). */
  readonly errors: string[];
  /** The whole parsed answer (e.g. the pre-flight checks of a refused start). */
  readonly body: unknown;

  constructor(status: number, message: string, errors: string[] = [], body: unknown = undefined) {
    super(message);
    this.status = status;
    this.errors = errors;
    this.body = body;
  }
}

/** The API could not be reached at all (network error, DNS, CORS, timeout). */
export class ApiUnreachable extends Error {
  override name = "ApiUnreachable";
  constructor(message = "Cannot reach the inplay API") {
    super(message);
  }
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export interface Api {
  get<T>(path: string, query?: Query): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  put<T>(path: string, body: unknown): Promise<T>;
  del<T>(path: string): Promise<T>;
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export const REQUEST_TIMEOUT_MS = 30_000;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `apiBase + path + ?query` (undefined/null query values are left out). */
export function buildUrl(apiBase: string, path: string, query?: Query): string {
  const base = apiBase.replace(/\/+$/, "");
  const cleanPath = path.startsWith("/") ? path : `/${path}`;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null) params.append(key, String(value));
  }
  const qs = params.toString();
  return `${base}${cleanPath}${qs ? `?${qs}` : ""}`;
}

async function readBody(response: Response): Promise<unknown> {
  if (response.status === 204) return undefined;
  const text = await response.text();
  if (text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Turn a non-2xx answer into an `ApiError` carrying the API's message and errors. */
export function errorFromBody(status: number, body: unknown): ApiError {
  let message = `The API answered HTTP ${status}`;
  let errors: string[] = [];
  if (isRecord(body)) {
    if (typeof body["message"] === "string" && body["message"] !== "") message = body["message"];
    const raw = body["errors"];
    if (Array.isArray(raw)) errors = raw.filter((e): e is string => typeof e === "string");
  } else if (typeof body === "string" && body.trim() !== "" && body.length < 300) {
    message = body.trim();
  }
  return new ApiError(status, message, errors, body);
}

export interface SendOptions {
  method: string;
  url: string;
  body?: unknown;
  token?: string | null;
  fetch: FetchLike;
  timeoutMs?: number;
}

/** One HTTP exchange: resolves to `{status, body}` or throws `ApiUnreachable`. */
export async function send({ method, url, body, token, fetch: fetchImpl, timeoutMs }: SendOptions): Promise<{
  status: number;
  body: unknown;
}> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers["Authorization"] = `Bearer ${token}`;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs ?? REQUEST_TIMEOUT_MS);
  try {
    let response: Response;
    try {
      response = await fetchImpl(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: controller.signal,
        credentials: "omit",
        cache: "no-store",
      });
    } catch (err) {
      if (controller.signal.aborted) {
        throw new ApiUnreachable(`The inplay API did not answer within ${Math.round((timeoutMs ?? REQUEST_TIMEOUT_MS) / 1000)} s`);
      }
      throw new ApiUnreachable(err instanceof Error && err.message ? `Cannot reach the inplay API (${err.message})` : undefined);
    }
    return { status: response.status, body: await readBody(response) };
  } finally {
    clearTimeout(timer);
  }
}

export interface ApiClientOptions {
  apiBase: string;
  fetch: FetchLike;
  /** The current id token (sent as `Authorization: Bearer …`), or null when signed out. */
  getToken(): string | null;
  /** Get a fresh id token after a 401; null when refreshing failed (the user is signed out). */
  refresh(): Promise<string | null>;
  /** Told after every exchange whether the API could be reached. */
  onReachability?(reachable: boolean): void;
}

/** An `Api` bound to a base URL and a token source. */
export function createApi(options: ApiClientOptions): Api {
  async function request<T>(method: string, path: string, body?: unknown, query?: Query): Promise<T> {
    const url = buildUrl(options.apiBase, path, query);
    const exchange = async (token: string | null) => {
      try {
        const answer = await send({ method, url, body, token, fetch: options.fetch });
        options.onReachability?.(true);
        return answer;
      } catch (err) {
        if (err instanceof ApiUnreachable) options.onReachability?.(false);
        throw err;
      }
    };
    const token = options.getToken();
    let answer = await exchange(token);
    if (answer.status === 401 && token) {
      const fresh = await options.refresh();
      if (fresh === null) throw errorFromBody(401, answer.body);
      answer = await exchange(fresh);
    }
    if (answer.status < 200 || answer.status >= 300) throw errorFromBody(answer.status, answer.body);
    return answer.body as T;
  }
  return {
    get: <T>(path: string, query?: Query) => request<T>("GET", path, undefined, query),
    post: <T>(path: string, body?: unknown) => request<T>("POST", path, body ?? {}),
    put: <T>(path: string, body: unknown) => request<T>("PUT", path, body),
    del: <T>(path: string) => request<T>("DELETE", path),
  };
}

/** A short, user-facing sentence for any error thrown by the client. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiUnreachable) return err.message;
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error && err.message) return err.message;
  return "Something went wrong";
}
