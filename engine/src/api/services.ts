/**
 * What the routes need from the running engine, as narrow interfaces. The API knows nothing of
 * how the engine is wired: `serve` passes an implementation over the real parts (the store adapter
 * in store-services.ts covers messages and counters; the registry runner covers connections and config).
 * Times are epoch milliseconds here; the routes render them as ISO 8601.
 * Services signal "not found" by returning undefined and domain failures by throwing ApiError.
 */

import type { ApiTokens, AuthService, UserAdmin, UserSessions } from "../auth/index.js";
import type { AlertConditionKind, GraphDiff, Problem, RegistryGraph } from "../graph/index.js";
import type { RecentLog } from "../log-ring.js";
import type { LatencySeries } from "../pipeline/latency.js";
import type { Disposition, MessageDetail, MessageSummary, Stage, StageRowInfo } from "../store/index.js";

export type { Disposition, MessageDetail, MessageSummary, Stage, StageRowInfo };

/** Keyset page request: ids strictly below `before`, newest first. The API turns it into opaque cursors. */
export interface PageRequest {
  before?: number;
  limit: number;
}

export type ConnectionDirection = "inbound" | "outbound";
/** `removed`: no longer in the running config, but rows are still queued for it (kept at promote). */
export type ConnectionState = "running" | "stopped" | "starting" | "stopping" | "error" | "removed";

export interface ConnectionCounts {
  received: number;
  processed: number;
  errored: number;
  filtered: number;
  unrouted: number;
  delivered: number;
  failed: number;
  /** Inbound: messages recorded as DUPLICATE (duplicate detection), not routed again. */
  duplicates: number;
}

export interface ConnectionStatus {
  name: string;
  direction: ConnectionDirection;
  transport: string;
  state: ConnectionState;
  /** Why the connection is failing; the text can quote a message (the API shows it to messages:raw only). */
  error?: string | null;
  /** The failure's class from a fixed vocabulary (ECONNREFUSED, negative ACK AE, timeout…): safe for anyone. */
  errorClass?: string | null;
  counts: ConnectionCounts;
  /** Epoch ms of the last message touching this connection; null when none yet. */
  lastActivity: number | null;
  /** Open rows (pending + claimed) queued for this connection across stages. */
  queueDepth: number;
}

export interface QueueDepthEntry {
  stage: Stage;
  connection: string;
  pending: number;
  claimed: number;
  /** Epoch ms the oldest open row was queued, where the store reports it (GET /metrics shows its age). */
  oldestAt?: number | null;
}

export interface EngineStats {
  /** When the counters were read. */
  at: number;
  totals: ConnectionCounts;
  connections: { name: string; counts: ConnectionCounts; lastActivity: number | null }[];
  depth: QueueDepthEntry[];
  /** Alerts firing now (when the engine evaluates alert rules). */
  alerts?: AlertInfo[];
  /** This node's role in its cluster (each push carries it, so a feed sees a role change within a tick). */
  cluster?: {
    nodeId: string;
    role: ClusterRoleName;
    leader: ClusterLeader | null;
    roleChangedAt: number | null;
  };
}

/** An alert firing now. Its text carries names, counts and error classes, never message content. */
export interface AlertInfo {
  alert: string;
  condition: AlertConditionKind;
  connection: string;
  since: number;
  lastNotifiedAt: number;
  value: number;
  errorClass: string | null;
  text: string;
}

/** A notice the engine made: fired, sent again (renotify) or resolved. */
export interface AlertNotice extends Omit<AlertInfo, "lastNotifiedAt"> {
  kind: "firing" | "renotify" | "resolved";
  at: number;
}

export interface AlertsService {
  active(): AlertInfo[];
  /** Newest first, bounded. */
  recent(): AlertNotice[];
}

export interface MonitoringService {
  connections(): Promise<ConnectionStatus[]>;
  stats(): Promise<EngineStats>;
}

export interface ConnectionControl {
  /** The state after the request, or undefined for an unknown connection. */
  start(name: string): Promise<ConnectionState | undefined>;
  stop(name: string): Promise<ConnectionState | undefined>;
}

export interface MessageQuery {
  /** The inbound connection the message arrived on. */
  connection?: string;
  disposition?: Disposition;
  messageType?: string;
  controlId?: string;
  /** An identifier value, looked up through the blind index (the service turns it into a token). */
  identifier?: string;
  /** Epoch ms, inclusive. */
  from?: number;
  /** Epoch ms, exclusive. */
  to?: number;
}

export interface DeadLetterQuery {
  connection?: string;
  stage?: Stage;
}

export interface RawBody {
  contentType: string;
  body: Buffer;
}

export interface BulkReplayResult {
  /** Dead rows queued again (outbound rows resent, earlier-stage rows replayed from ingress). */
  replayed: number;
  /** Rows that could not be queued again (e.g. the message was purged meanwhile). */
  skipped: number;
  /** True when the per-request cap stopped the run; call again for the rest. */
  truncated: boolean;
}

export interface MessagesService {
  list(query: MessageQuery, page: PageRequest): Promise<MessageSummary[]>;
  get(id: number): Promise<MessageDetail | undefined>;
  /** The body as received, decrypted. The route audits every call. */
  raw(id: number): Promise<RawBody | undefined>;
  /** Re-runs the message from ingress; false when unknown. */
  replay(id: number): Promise<boolean>;
  /** Queues a copy of one outbound row; the new row id, or undefined when unknown/not an outbound row. */
  resend(outboundRowId: number): Promise<number | undefined>;
  deadLetters(query: DeadLetterQuery, page: PageRequest): Promise<StageRowInfo[]>;
  replayDeadLetters(query: DeadLetterQuery, max: number): Promise<BulkReplayResult>;
}

export interface ConfigVersion {
  versionId: string;
  /** SHA-256 (hex) over the bundle's sorted paths and contents. */
  contentHash: string;
  promotedBy: string;
  promotedAt: number;
  /** Set when this version was made by rolling back to an earlier one. */
  rolledBackFrom?: string | null;
}

export interface StageResult {
  stageId: string;
  contentHash: string;
  /** Problems found loading the bundle against this engine's environment. */
  problems: Problem[];
  /** True when any problem has severity error (promote will be refused). */
  hasErrors: boolean;
  /** What promoting would change against the running graph. */
  changes: GraphDiff;
  /** When the stage is forgotten if not promoted. */
  expiresAt: number;
  /** Connections this promote removes that still have rows queued (promote must say what to do). */
  removedQueued?: QueuedForRemoved[];
}

export interface QueuedForRemoved {
  connection: string;
  queued: number;
}

/** What a promote/rollback does with rows queued for connections it removes (see runtime/removed-queued.ts). */
export interface SwapOptions {
  removedQueued?: Record<string, "drain" | "dead-letter" | "keep">;
  drainTimeoutMs?: number;
}

/** A config bundle: the config dir's files, keyed by forward-slash relative path. */
export type ConfigFiles = Record<string, string>;

export interface ConfigService {
  /** The running graph; throws ApiError UNAVAILABLE when no config is loaded. */
  graph(): Promise<RegistryGraph>;
  active(): Promise<ConfigVersion | undefined>;
  /** Loads and validates the bundle in isolation (never touches the running graph). */
  stage(files: ConfigFiles, actor: string): Promise<StageResult>;
  /** Hot-swaps to a staged bundle. Throws STAGE_NOT_FOUND, CONFIG_INVALID, CONFIG_TAMPERED or PROMOTE_FAILED. */
  promote(stageId: string, actor: string, opts?: SwapOptions): Promise<ConfigVersion>;
  /** Newest first. */
  history(): Promise<ConfigVersion[]>;
  /** Promotes an earlier version again. Throws VERSION_NOT_FOUND, CONFIG_TAMPERED or PROMOTE_FAILED. */
  rollback(versionId: string, actor: string, opts?: SwapOptions): Promise<ConfigVersion>;
  /** A kept version's files (verified against its hash), for review diffs; undefined when unknown. */
  versionFiles?(versionId: string): Promise<ConfigFiles | undefined>;
}

/** What GET /metrics adds to the monitoring counters: latency histograms kept in the engine. */
export interface MetricsService {
  latencies(): LatencySeries[];
  /** Epoch ms the engine started. */
  readonly startedAt?: number;
}

/** The subset of the auth core the API calls (the real AuthService satisfies it). */
export type AuthPort = Pick<
  AuthService,
  | "login"
  | "authenticate"
  | "logout"
  | "reauthenticate"
  | "changePassword"
  | "requireRecentAuth"
  | "recordAudit"
  | "policy"
  | "now"
>;

/** What support bundles read from a running engine. */
export interface SupportService {
  /** The recent log lines the engine keeps in memory (log-ring.ts). */
  recentLog(): RecentLog;
}

/** Users, their sessions and API tokens (the auth core's classes over the engine's auth tables). */
export interface AccountServices {
  users: Pick<
    UserAdmin,
    | "list"
    | "get"
    | "addWithOneTimePassword"
    | "disable"
    | "enable"
    | "setRole"
    | "resetPassword"
    | "enrolMfa"
  >;
  sessions: Pick<UserSessions, "list" | "revoke" | "revokeAll">;
  tokens: Pick<ApiTokens, "create" | "list" | "revoke">;
}

/** The cluster's leader as a client reaches it. */
export interface ClusterLeader {
  nodeId: string;
  /** Null when the leader did not publish one ([cluster] api_url, else its listen address). */
  apiUrl: string | null;
}

/** `single-node`: an engine without [cluster] (always its own leader). */
export type ClusterRoleName = "primary" | "standby" | "single-node";

export interface ClusterStatus {
  nodeId: string;
  clustered: boolean;
  role: ClusterRoleName;
  /** Content hash of the config version this node runs (primary) or has loaded and ready (standby). */
  configVersion: string | null;
  leader: ClusterLeader | null;
}

export interface ClusterMember {
  nodeId: string;
  apiUrl: string | null;
  /** Epoch ms, the database's clock. */
  lastHeartbeat: number;
  leader: boolean;
  leaseOwner: string | null;
  leaseExpiresAt: number | null;
  promotable: boolean;
  configVersion: string | null;
  /** primary | standby | stopped (a node that stopped cleanly). */
  role: string;
  /** Why a node is not promotable (e.g. it cannot load the promoted version). */
  note: string | null;
}

/** Clustering (runtime/cluster.ts); absent: a single node. */
export interface ClusterService {
  status(): Promise<ClusterStatus>;
  nodes(): Promise<ClusterMember[]>;
  /** Throws ApiError NOT_LEADER when this node does not lead. Resolves once the lease is handed over. */
  stepdown(): Promise<ClusterStatus>;
  /** True while this node takes writes (the leader). */
  leading(): boolean;
  /** The leader writes go to (NOT_LEADER answers). */
  leader(): Promise<ClusterLeader | null>;
}

export interface EngineServices {
  auth: AuthPort;
  accounts: AccountServices;
  monitoring: MonitoringService;
  connections: ConnectionControl;
  messages: MessagesService;
  config: ConfigService;
  /** Alert rules' state; absent: GET /alerts answers empty lists. */
  alerts?: AlertsService;
  /** Latencies for GET /metrics; without it the route still serves counts, states and depths. */
  metrics?: MetricsService;
  /** Absent: GET /support/log answers an empty ring. */
  support?: SupportService;
  /** Absent: a single node (GET /cluster/status answers role single-node). */
  cluster?: ClusterService;
}
