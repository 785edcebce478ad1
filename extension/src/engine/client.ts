/**
 * A client of the engine's HTTP API. Pure except for `fetch` (Node 20 global) and the stats WebSocket,
 * so it runs in plain Node tests against a real local server. Every failure becomes an `EngineError`
 * with a stable code: the engine's own `{error:{code,message}}`, or UNREACHABLE / BAD_RESPONSE.
 */
import type {
  ActiveConfig,
  ConnectionStatus,
  EngineGraph,
  Health,
  LoginRequest,
  MessageQuery,
  MessageSummary,
  Page,
  PromoteResult,
  StageResult,
  StatsFrame,
} from "./api.js";
import { openStatsSocket, type StatsSubscription } from "./statsSocket.js";

export class EngineError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** HTTP status, or 0 when the engine could not be reached. */
    readonly status: number,
  ) {
    super(message);
    this.name = "EngineError";
  }

  /** The engine refused the token (missing, expired, revoked): the user has to sign in again. */
  get needsSignIn(): boolean {
    return this.status === 401;
  }
}

export interface EngineClientOptions {
  /** e.g. `http://127.0.0.1:8765` (a trailing slash is fine). */
  url: string;
  token?: string | undefined;
  /** Per-request timeout; the engine is local or on the LAN, so a few seconds is plenty. */
  timeoutMs?: number;
}

export class EngineClient {
  readonly baseUrl: string;
  token: string | undefined;
  private readonly timeoutMs: number;

  constructor(opts: EngineClientOptions) {
    this.baseUrl = opts.url.replace(/\/+$/, "");
    this.token = opts.token;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  health(): Promise<Health> {
    return this.request("GET", "/health", undefined, { auth: false });
  }

  /** Signs in and keeps the token on this client; the caller stores it (SecretStorage). */
  async login(credentials: LoginRequest): Promise<string> {
    const body = await this.request<{ token?: unknown }>("POST", "/auth/login", credentials, { auth: false });
    if (typeof body.token !== "string")
      throw new EngineError("BAD_RESPONSE", "Login returned no token.", 200);
    this.token = body.token;
    return body.token;
  }

  async logout(): Promise<void> {
    try {
      await this.request("POST", "/auth/logout");
    } finally {
      this.token = undefined;
    }
  }

  connections(): Promise<ConnectionStatus[]> {
    return this.request<ConnectionStatus[] | { connections: ConnectionStatus[] }>("GET", "/connections").then(
      (b) => (Array.isArray(b) ? b : b.connections),
    );
  }

  stats(): Promise<StatsFrame> {
    return this.request("GET", "/stats");
  }

  startConnection(name: string): Promise<unknown> {
    return this.request("POST", `/connections/${encodeURIComponent(name)}/start`);
  }

  stopConnection(name: string): Promise<unknown> {
    return this.request("POST", `/connections/${encodeURIComponent(name)}/stop`);
  }

  messages(query: MessageQuery = {}): Promise<Page<MessageSummary>> {
    return this.request<Page<MessageSummary> | MessageSummary[]>(
      "GET",
      `/messages${queryString(query)}`,
    ).then(toPage);
  }

  message(id: string): Promise<MessageSummary & Record<string, unknown>> {
    return this.request("GET", `/messages/${encodeURIComponent(id)}`);
  }

  /** The message body as text (audited by the engine). */
  async rawMessage(id: string): Promise<string> {
    const res = await this.send("GET", `/messages/${encodeURIComponent(id)}/raw`);
    const type = res.headers.get("content-type") ?? "";
    if (type.includes("application/json")) {
      const body = (await res.json()) as { raw?: unknown; body?: unknown; text?: unknown };
      const text = body.raw ?? body.body ?? body.text;
      if (typeof text !== "string")
        throw new EngineError("BAD_RESPONSE", "The raw message had no text.", 200);
      return text;
    }
    return res.text();
  }

  replay(id: string): Promise<unknown> {
    return this.request("POST", `/messages/${encodeURIComponent(id)}/replay`);
  }

  deadLetters(query: MessageQuery = {}): Promise<Page<MessageSummary>> {
    return this.request<Page<MessageSummary> | MessageSummary[]>(
      "GET",
      `/dead-letters${queryString(query)}`,
    ).then(toPage);
  }

  graph(): Promise<EngineGraph> {
    return this.request("GET", "/graph");
  }

  activeConfig(): Promise<ActiveConfig> {
    return this.request("GET", "/config/active");
  }

  stage(files: Record<string, string>): Promise<StageResult> {
    return this.request("POST", "/config/stage", { files });
  }

  promote(stageId: string): Promise<PromoteResult> {
    return this.request("POST", "/config/promote", { stageId });
  }

  history(): Promise<ActiveConfig[]> {
    return this.request<ActiveConfig[] | { items: ActiveConfig[] }>("GET", "/config/history").then((b) =>
      Array.isArray(b) ? b : b.items,
    );
  }

  rollback(versionId: string): Promise<PromoteResult> {
    return this.request("POST", "/config/rollback", { versionId });
  }

  /** Live counters over WS /ws/stats, authenticated with the bearer token in the upgrade request. */
  subscribeStats(onFrame: (frame: StatsFrame) => void, onClose?: (err?: Error) => void): StatsSubscription {
    const wsUrl = `${this.baseUrl.replace(/^http/, "ws")}/ws/stats`;
    return openStatsSocket(wsUrl, this.token, onFrame, onClose);
  }

  private async request<T>(
    method: string,
    path: string,
    body?: unknown,
    opts: { auth?: boolean } = {},
  ): Promise<T> {
    const res = await this.send(method, path, body, opts);
    const text = await res.text();
    if (text === "") return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new EngineError(
        "BAD_RESPONSE",
        `${method} ${path} returned a body that is not JSON.`,
        res.status,
      );
    }
  }

  private async send(
    method: string,
    path: string,
    body?: unknown,
    opts: { auth?: boolean } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (opts.auth !== false && this.token) headers.authorization = `Bearer ${this.token}`;
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const reason =
        err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : "";
      throw new EngineError("UNREACHABLE", `Cannot reach the engine at ${this.baseUrl} (${reason}).`, 0);
    }
    if (!res.ok) throw await errorFrom(res, method, path);
    return res;
  }
}

async function errorFrom(res: Response, method: string, path: string): Promise<EngineError> {
  const fallback = `${method} ${path} failed with HTTP ${res.status}.`;
  try {
    const body = (await res.json()) as { error?: { code?: unknown; message?: unknown } };
    const code = typeof body.error?.code === "string" ? body.error.code : `HTTP_${res.status}`;
    const message = typeof body.error?.message === "string" ? body.error.message : fallback;
    return new EngineError(code, message, res.status);
  } catch {
    return new EngineError(`HTTP_${res.status}`, fallback, res.status);
  }
}

function queryString(query: MessageQuery): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== "") params.set(key, String(value));
  }
  const s = params.toString();
  return s === "" ? "" : `?${s}`;
}

function toPage(body: Page<MessageSummary> | MessageSummary[]): Page<MessageSummary> {
  return Array.isArray(body) ? { items: body, nextCursor: null } : body;
}
