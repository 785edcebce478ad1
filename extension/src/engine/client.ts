/**
 * A client of the engine's HTTP API. Pure except for `fetch` (Node 20 global) and the stats WebSocket,
 * so it runs in plain Node tests against a real local server. Every failure becomes an `EngineError`
 * with a stable code: the engine's own `{error:{code,message}}`, or UNREACHABLE / BAD_RESPONSE.
 */
import type {
  ActiveConfigResponse,
  AddUserResult,
  AlertList,
  ApiErrorCode,
  ChangePasswordRequest,
  ConfigHistory,
  ConfigVersion,
  ConnectionControlResult,
  ConnectionList,
  ConnectionStatus,
  CreatedToken,
  CreateTokenRequest,
  DeadLetterPage,
  DeadLetterQuery,
  EngineGraph,
  ErrorDetails,
  FindMessagesRequest,
  Health,
  LoginRequest,
  LoginResult,
  MessageDetail,
  MessagePage,
  MessageQuery,
  QueuedForRemoved,
  RawMessage,
  ReauthRequest,
  RemovedQueuedAction,
  ReplayResult,
  ResetMfaResult,
  ResetPasswordResult,
  RevokedSessions,
  SessionInfo,
  SessionList,
  SessionView,
  StageResult,
  StatsFrame,
  TokenList,
  TokenView,
  UserList,
  UserReply,
  UserView,
  VersionFiles,
} from "messagefoundry/api";
import type { ClusterNodes, ClusterStatus } from "./clusterTypes.js";
import { openStatsSocket, type StatsSubscription } from "./statsSocket.js";

/** Codes of a 401 that mean the token itself is gone: the user has to sign in again. */
const SESSION_GONE: ReadonlySet<string> = new Set<ApiErrorCode>([
  "UNAUTHENTICATED",
  "SESSION_INVALID",
  "SESSION_EXPIRED",
]);

export class EngineError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** HTTP status, or 0 when the engine could not be reached. */
    readonly status: number,
    /** The engine's machine-readable detail (e.g. REMOVED_QUEUED's connections). */
    readonly details?: ErrorDetails,
    /** NOT_LEADER: the `error.leader` the standby named (null while no node leads). */
    readonly leader?: unknown,
  ) {
    super(message);
    this.name = "EngineError";
  }

  /**
   * The engine refused the token (missing, expired, revoked): the user has to sign in again. A wrong
   * password on re-authentication is a 401 too, but the session is still good.
   */
  get needsSignIn(): boolean {
    return this.status === 401 && SESSION_GONE.has(this.code);
  }

  /** REMOVED_QUEUED / DRAIN_TIMEOUT: the removed connections with queued rows the engine named. */
  get removedQueued(): QueuedForRemoved[] | undefined {
    return this.code === "REMOVED_QUEUED" || this.code === "DRAIN_TIMEOUT"
      ? this.details?.removedQueued
      : undefined;
  }
}

/**
 * Asks the user to confirm who they are for a sensitive action (403 REAUTH_REQUIRED): the password,
 * and a TOTP code when `mfa`. Undefined = the user declined.
 */
export type ReauthPrompt = (request: { user: string; mfa: boolean }) => Promise<ReauthRequest | undefined>;

/** What a promote/rollback does with rows queued for connections it removes. */
export interface SwapChoices {
  removedQueued?: Record<string, RemovedQueuedAction>;
  drainTimeoutSeconds?: number;
}

export interface EngineClientOptions {
  /** e.g. `http://127.0.0.1:8765` (a trailing slash is fine). */
  url: string;
  token?: string | undefined;
  /** Per-request timeout; the engine is local or on the LAN, so a few seconds is plenty. */
  timeoutMs?: number;
  /** Without it a REAUTH_REQUIRED answer is thrown like any other error. */
  reauth?: ReauthPrompt;
}

export class EngineClient {
  readonly baseUrl: string;
  token: string | undefined;
  reauthPrompt: ReauthPrompt | undefined;
  private readonly timeoutMs: number;

  constructor(opts: EngineClientOptions) {
    this.baseUrl = opts.url.replace(/\/+$/, "");
    this.token = opts.token;
    this.reauthPrompt = opts.reauth;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  /**
   * A client for another node of the same cluster (its leader): the same token, re-authentication
   * prompt and timeout. Sessions live in the shared database, so the token is good on every node.
   */
  at(url: string): EngineClient {
    return new EngineClient({
      url,
      token: this.token,
      timeoutMs: this.timeoutMs,
      ...(this.reauthPrompt ? { reauth: this.reauthPrompt } : {}),
    });
  }

  health(): Promise<Health> {
    return this.request("GET", "/health", undefined, { auth: false });
  }

  /** Signs in and keeps the token on this client; the caller stores it (SecretStorage). */
  async login(credentials: LoginRequest): Promise<string> {
    const body = await this.request<LoginResult>("POST", "/auth/login", credentials, { auth: false });
    if (typeof body?.token !== "string")
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

  session(): Promise<SessionInfo> {
    return this.request("GET", "/auth/session");
  }

  /** Confirms the password (and TOTP) so sensitive actions are allowed for a few minutes. */
  reauthenticate(credentials: ReauthRequest): Promise<SessionInfo> {
    return this.request("POST", "/auth/reauth", credentials, { reauth: false });
  }

  async connections(): Promise<ConnectionStatus[]> {
    return (await this.request<ConnectionList>("GET", "/connections")).items;
  }

  stats(): Promise<StatsFrame> {
    return this.request("GET", "/stats");
  }

  /** Alerts firing now and the recent notices (monitoring:read). */
  alerts(): Promise<AlertList> {
    return this.request("GET", "/alerts");
  }

  startConnection(name: string): Promise<ConnectionControlResult> {
    return this.request("POST", `/connections/${encodeURIComponent(name)}/start`);
  }

  stopConnection(name: string): Promise<ConnectionControlResult> {
    return this.request("POST", `/connections/${encodeURIComponent(name)}/stop`);
  }

  messages(query: MessageQuery = {}): Promise<MessagePage> {
    return this.request("GET", `/messages${queryString(query)}`);
  }

  /** Messages whose indexed identifier (PID-3.1, MSH-10…) has exactly this value; the engine audits it. */
  findMessages(request: FindMessagesRequest): Promise<MessagePage> {
    return this.request("POST", "/messages/find", request);
  }

  message(id: number): Promise<MessageDetail> {
    return this.request("GET", `/messages/${id}`);
  }

  /** The message body as received (audited by the engine; needs a recent re-authentication). */
  rawMessage(id: number): Promise<RawMessage> {
    return this.request("GET", `/messages/${id}/raw`);
  }

  replay(id: number): Promise<ReplayResult> {
    return this.request("POST", `/messages/${id}/replay`);
  }

  deadLetters(query: DeadLetterQuery = {}): Promise<DeadLetterPage> {
    return this.request("GET", `/dead-letters${queryString(query)}`);
  }

  graph(): Promise<EngineGraph> {
    return this.request("GET", "/graph");
  }

  /** The running config version, or undefined before any was promoted. */
  async activeConfig(): Promise<ConfigVersion | undefined> {
    return (await this.request<ActiveConfigResponse>("GET", "/config/active")).active ?? undefined;
  }

  stage(files: Record<string, string>): Promise<StageResult> {
    return this.request("POST", "/config/stage", { files });
  }

  promote(stageId: string, choices: SwapChoices = {}): Promise<ConfigVersion> {
    return this.request("POST", "/config/promote", { stageId, ...choices }, { timeoutMs: SWAP_TIMEOUT_MS });
  }

  /** A kept version's files (needs config:deploy), for the review's per-file diffs. */
  async versionFiles(versionId: string): Promise<Record<string, string>> {
    return (
      await this.request<VersionFiles>("GET", `/config/versions/${encodeURIComponent(versionId)}/files`)
    ).files;
  }

  /** Promoted versions, newest first. */
  async history(): Promise<ConfigVersion[]> {
    return (await this.request<ConfigHistory>("GET", "/config/history")).items;
  }

  rollback(versionId: string, choices: SwapChoices = {}): Promise<ConfigVersion> {
    return this.request(
      "POST",
      "/config/rollback",
      { versionId, ...choices },
      { timeoutMs: SWAP_TIMEOUT_MS },
    );
  }

  /** This node's role in its cluster (single-node when not clustered) and the leader it knows of. */
  clusterStatus(): Promise<ClusterStatus> {
    return this.request("GET", "/cluster/status");
  }

  /** The cluster's members with their heartbeats and the lease. */
  async clusterNodes(): Promise<ClusterNodes["nodes"]> {
    return (await this.request<ClusterNodes>("GET", "/cluster/nodes")).nodes;
  }

  /** Asks the leader to hand over to a standby (config:deploy, recent re-authentication). */
  async stepDown(): Promise<void> {
    await this.request("POST", "/cluster/stepdown");
  }

  /** Changes the signed-in user's password (the way out of a reset's must-change state). */
  changePassword(change: ChangePasswordRequest): Promise<SessionInfo> {
    return this.request("POST", "/auth/password", change, { reauth: false });
  }

  // Users and sessions (administrators: users:manage; changes need a recent re-authentication).

  async users(): Promise<UserView[]> {
    return (await this.request<UserList>("GET", "/users")).items;
  }

  /** A new user with a generated one-time password (and a TOTP enrolment for roles requiring MFA). */
  addUser(name: string, role: string): Promise<AddUserResult> {
    return this.request("POST", "/users", { name, role });
  }

  async setUserEnabled(name: string, enabled: boolean): Promise<UserView> {
    return (await this.request<UserReply>("POST", `${userPath(name)}/${enabled ? "enable" : "disable"}`))
      .user;
  }

  async setUserRole(name: string, role: string): Promise<UserView> {
    return (await this.request<UserReply>("POST", `${userPath(name)}/role`, { role })).user;
  }

  resetPassword(name: string): Promise<ResetPasswordResult> {
    return this.request("POST", `${userPath(name)}/password-reset`);
  }

  resetMfa(name: string): Promise<ResetMfaResult> {
    return this.request("POST", `${userPath(name)}/mfa-reset`);
  }

  async userSessions(name: string): Promise<SessionView[]> {
    return (await this.request<SessionList>("GET", `${userPath(name)}/sessions`)).items;
  }

  async revokeUserSession(name: string, sessionId: string): Promise<void> {
    await this.request("DELETE", `${userPath(name)}/sessions/${encodeURIComponent(sessionId)}`);
  }

  async revokeUserSessions(name: string): Promise<number> {
    return (await this.request<RevokedSessions>("DELETE", `${userPath(name)}/sessions`)).revoked;
  }

  async mySessions(): Promise<SessionView[]> {
    return (await this.request<SessionList>("GET", "/me/sessions")).items;
  }

  async revokeMySession(sessionId: string): Promise<void> {
    await this.request("DELETE", `/me/sessions/${encodeURIComponent(sessionId)}`);
  }

  /** Ends every session of mine except this one; how many ended. */
  async revokeMyOtherSessions(): Promise<number> {
    return (await this.request<RevokedSessions>("DELETE", "/me/sessions")).revoked;
  }

  async myTokens(): Promise<TokenView[]> {
    return (await this.request<TokenList>("GET", "/me/tokens")).items;
  }

  /** A new API token; `token` is shown once. */
  createToken(req: CreateTokenRequest): Promise<CreatedToken> {
    return this.request("POST", "/me/tokens", req);
  }

  async revokeMyToken(tokenId: number): Promise<void> {
    await this.request("DELETE", `/me/tokens/${tokenId}`);
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
    opts: RequestOptions = {},
  ): Promise<T> {
    const res = await this.sendWithReauth(method, path, body, opts);
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

  /**
   * Sends once; on 403 REAUTH_REQUIRED asks the prompt for the password (and TOTP when the user has
   * MFA), re-authenticates and sends again — once: a second refusal is the caller's to see.
   */
  private async sendWithReauth(
    method: string,
    path: string,
    body: unknown,
    opts: RequestOptions,
  ): Promise<Response> {
    try {
      return await this.send(method, path, body, opts);
    } catch (err) {
      if (!(err instanceof EngineError) || err.code !== "REAUTH_REQUIRED") throw err;
      if (opts.reauth === false || !this.reauthPrompt) throw err;
      const { user } = await this.session();
      const answer = await this.reauthPrompt({ user: user.name, mfa: user.mfa });
      if (!answer) throw new EngineError("REAUTH_CANCELLED", "Re-authentication was cancelled.", 403);
      await this.reauthenticate(answer);
      return this.send(method, path, body, opts);
    }
  }

  private async send(
    method: string,
    path: string,
    body?: unknown,
    opts: RequestOptions = {},
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
        signal: AbortSignal.timeout(opts.timeoutMs ?? this.timeoutMs),
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

/** Per-call options: sign-in calls go without the token; a swap may wait longer than a query. */
interface RequestOptions {
  auth?: boolean;
  reauth?: boolean;
  timeoutMs?: number;
}

/**
 * Promote and rollback return once the engine has swapped its registry, which drains in-flight work and
 * restarts listeners: seconds on a busy host, far beyond a query's timeout. Timing out early would report
 * a failure for a promote that went through.
 */
const SWAP_TIMEOUT_MS = 120_000;

async function errorFrom(res: Response, method: string, path: string): Promise<EngineError> {
  const fallback = `${method} ${path} failed with HTTP ${res.status}.`;
  try {
    const body = (await res.json()) as {
      error?: { code?: unknown; message?: unknown; details?: unknown; leader?: unknown };
    };
    const code = typeof body.error?.code === "string" ? body.error.code : `HTTP_${res.status}`;
    const message = typeof body.error?.message === "string" ? body.error.message : fallback;
    const details =
      typeof body.error?.details === "object" && body.error.details !== null
        ? (body.error.details as ErrorDetails)
        : undefined;
    return new EngineError(code, message, res.status, details, body.error?.leader);
  } catch {
    return new EngineError(`HTTP_${res.status}`, fallback, res.status);
  }
}

function userPath(name: string): string {
  return `/users/${encodeURIComponent(name)}`;
}

function queryString(query: MessageQuery | DeadLetterQuery): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== "") params.set(key, String(value));
  }
  const s = params.toString();
  return s === "" ? "" : `?${s}`;
}

/** A raw view's body as text: UTF-8 as sent; other bytes (e.g. Latin-1 HL7) one char per byte. */
export function rawText(raw: RawMessage): string {
  return raw.encoding === "utf8" ? raw.body : Buffer.from(raw.body, "base64").toString("latin1");
}
