/**
 * The engine API's shapes, exactly as engine/src/api/schemas/*.ts declare them (the routes answer
 * nothing else: fastify serializes responses through those schemas). The client tests run against the
 * real API, so a drift between these types and the engine fails there.
 */
import type { Problem, RegistryGraph } from "messagefoundry/graph";

/** GET /health (public). */
export interface Health {
  status: "ok";
  version: string;
}

export interface LoginRequest {
  username: string;
  password: string;
  totp?: string;
}

/** POST /auth/reauth body: the password again, and a fresh TOTP code when the user has MFA. */
export interface ReauthRequest {
  password: string;
  totp?: string;
}

export interface SessionUser {
  name: string;
  role: string;
  permissions: string[];
  mfa: boolean;
}

/** GET /auth/session and POST /auth/reauth; POST /auth/login adds `token`. */
export interface SessionInfo {
  expiresAt: string;
  absoluteExpiresAt: string;
  /** Last password entry: promote, rollback, stage, raw view and replay need it recent. */
  lastAuthAt: string;
  user: SessionUser;
}

export interface LoginResult extends SessionInfo {
  token: string;
}

export interface Counts {
  received: number;
  processed: number;
  errored: number;
  filtered: number;
  unrouted: number;
  delivered: number;
  failed: number;
}

export type ConnectionState = "running" | "stopped" | "starting" | "stopping" | "error";

/** One item of GET /connections. */
export interface ConnectionStatus {
  name: string;
  direction: "inbound" | "outbound";
  transport: string;
  state: ConnectionState;
  error?: string | null;
  counts: Counts;
  lastActivity: string | null;
  /** Open rows (pending + claimed) for this connection. */
  queueDepth: number;
}

/** GET /stats, and every push of WS /ws/stats. */
export interface StatsFrame {
  at: string;
  totals: Counts;
  connections: { name: string; counts: Counts; lastActivity: string | null }[];
  depth: {
    stage: "ingress" | "routed" | "outbound";
    connection: string;
    pending: number;
    claimed: number;
  }[];
}

/** POST /connections/:name/start|stop. */
export interface ConnectionControlResult {
  name: string;
  state: ConnectionState;
}

export type Disposition = "RECEIVED" | "ROUTED" | "UNROUTED" | "FILTERED" | "PROCESSED" | "ERROR";
export type PipelineStage = "ingress" | "routed" | "outbound";

/** A row of GET /messages: identity and state only (no body, no patient data, no error text). */
export interface MessageSummary {
  id: number;
  connection: string;
  receivedAt: string;
  controlId: string | null;
  messageType: string | null;
  contentType?: string;
  disposition: Disposition;
  hasError: boolean;
  /** 1 for the first run, +1 per replay. */
  run: number;
  updatedAt?: string;
}

/** A stage row: what GET /dead-letters lists and GET /messages/:id carries in `rows`. */
export interface StageRow {
  id: number;
  messageId: number;
  run?: number;
  stage: PipelineStage;
  connection: string;
  handler?: string | null;
  parentId?: number | null;
  state: "pending" | "claimed" | "done" | "dead" | "cancelled" | "replaced";
  attempts: number;
  nextAttemptAt?: string | null;
  hasError: boolean;
  /** Only for callers holding messages:raw (the view is audited). */
  error?: string | null;
  createdAt?: string;
  updatedAt?: string;
}

export interface HistoryEvent {
  id: number;
  rowId?: number | null;
  at: string;
  kind: string;
  stage?: string | null;
  connection?: string | null;
  hasDetail: boolean;
  detail?: string | null;
  hasReply?: boolean;
}

/** GET /messages/:id. */
export interface MessageDetail extends MessageSummary {
  errorStage: PipelineStage | null;
  error?: string | null;
  rows: StageRow[];
  history: HistoryEvent[];
}

/** GET /messages/:id/raw (audited, re-auth). */
export interface RawMessage {
  id: number;
  contentType: string;
  /** utf8 when the stored bytes are valid UTF-8, else base64. */
  encoding: "utf8" | "base64";
  body: string;
}

/** POST /messages/:id/replay → 202. */
export interface ReplayResult {
  id: number;
  queued: boolean;
}

export interface Page<T> {
  items: T[];
  /** Pass as `cursor` for the next page; null at the end. */
  nextCursor: string | null;
}

/** GET /messages query (times are ISO 8601; `from` inclusive, `to` exclusive). */
export interface MessageQuery {
  connection?: string;
  disposition?: Disposition;
  messageType?: string;
  controlId?: string;
  from?: string;
  to?: string;
  cursor?: string;
  limit?: number;
}

/** GET /dead-letters query. */
export interface DeadLetterQuery {
  connection?: string;
  stage?: PipelineStage;
  cursor?: string;
  limit?: number;
}

/** A promoted config version (promote, rollback, history items, and `active`). */
export interface ConfigVersion {
  versionId: string;
  contentHash: string;
  promotedBy: string;
  promotedAt: string;
  rolledBackFrom?: string | null;
}

/** GET /config/active: null before any config was promoted. */
export interface ActiveConfigResponse {
  active: ConfigVersion | null;
}

export interface NodeRef {
  kind: string;
  name: string;
}

export interface EdgeRef {
  kind: string;
  from: string;
  to: string | null;
}

/** What promoting the staged bundle changes against the running graph. */
export interface StageChanges {
  added: NodeRef[];
  removed: NodeRef[];
  /** `fields`: which parts of the node differ, e.g. `settings.port`. */
  changed: (NodeRef & { fields: string[] })[];
  edgesAdded: EdgeRef[];
  edgesRemoved: EdgeRef[];
}

/** POST /config/stage (re-auth). */
export interface StageResult {
  stageId: string;
  contentHash: string;
  problems: Problem[];
  hasErrors: boolean;
  changes: StageChanges;
  expiresAt: string;
}

export interface EngineGraph extends RegistryGraph {}
