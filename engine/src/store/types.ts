/**
 * The Store contract: a durable staged queue (ingress → routed → outbound) plus the message log.
 * Written so that a PostgreSQL implementation maps onto it directly: claims are
 * `SELECT … FOR UPDATE SKIP LOCKED` + an update to `claimed`, each `complete*` call is one
 * transaction, lanes are the outbound name, and leases (`claimedBy`, `leaseUntil`) recover the rows
 * of a crashed worker. Every method is async so a networked database fits the same shape.
 */

import type { BodyRecoder } from "./crypto.js";

/**
 * Every message ends with exactly one of these, decided by the finalizer (disposition.ts). The one
 * definition: the API schemas, `messagefoundry/api` and the dry-run result use this list.
 */
export const DISPOSITIONS = [
  "RECEIVED",
  "ROUTED",
  "UNROUTED",
  "FILTERED",
  "PROCESSED",
  "ERROR",
  "DUPLICATE",
] as const;
export type Disposition = (typeof DISPOSITIONS)[number];

/** The dispositions that end a message's journey (until an operator replays it). */
export type FinalDisposition = Exclude<Disposition, "RECEIVED" | "ROUTED">;
export const FINAL_DISPOSITIONS: ReadonlySet<Disposition> = new Set<FinalDisposition>([
  "UNROUTED",
  "FILTERED",
  "PROCESSED",
  "ERROR",
  "DUPLICATE",
]);

export const STAGES = ["ingress", "routed", "outbound"] as const;
export type Stage = (typeof STAGES)[number];

/**
 * A stage row's state. `pending` and `claimed` are open (still queued); `done`, `dead` (dead letter),
 * `cancelled` and `replaced` (superseded by a replay or a resend, kept as history) are closed.
 */
export const ROW_STATES = ["pending", "claimed", "done", "dead", "cancelled", "replaced"] as const;
export type RowState = (typeof ROW_STATES)[number];

/** One arrival handed to the group commit. */
export interface IngressInput {
  inbound: string;
  /** Raw bytes exactly as received. */
  raw: Buffer;
  /** `hl7v2` (default) or any other content type (persisted raw, never parsed here). */
  contentType?: string;
  /** MSH-10 when HL7. */
  controlId?: string;
  /** `ADT^A01` when HL7. */
  messageType?: string;
  /** Epoch ms; defaults to now. */
  receivedAt?: number;
  /**
   * Blind-index tokens of the message's configured identifier fields (blind-index.ts): keyed
   * HMACs, never the values. Searchable by `MessageFilter.identifier`.
   */
  identifiers?: readonly string[];
  /**
   * Duplicate detection (the inbound's `duplicates` option): an accepted message whose control id
   * came from the same `sender` (MSH-3/MSH-4) on this inbound within `windowMs` is recorded as
   * DUPLICATE, without a stage row (never routed), and counted; the receipt names the original.
   */
  dedupe?: { sender: string; windowMs: number };
}

/** An arrival that failed decode/parse/strict validation: recorded with disposition ERROR, no stage row. */
export interface RejectedInput extends IngressInput {
  error: string;
}

export interface IngressReceipt {
  messageId: number;
  disposition: Disposition;
  /** DUPLICATE: the message it repeats. */
  duplicateOf?: number;
}

/** A row handed to a worker by a claim; `payload` is decrypted (the message raw for ingress/routed rows). */
export interface ClaimedRow {
  rowId: number;
  messageId: number;
  stage: Stage;
  /** Inbound name for ingress/routed rows; outbound name (the lane) for outbound rows. */
  conn: string;
  /** The handler that produced (outbound) or will transform (routed) this row. */
  handler: string | null;
  payload: Buffer;
  /** Delivery attempts already made (outbound rows). */
  attempts: number;
  inbound: string;
  contentType: string;
  controlId: string | null;
  messageType: string | null;
  receivedAt: number;
}

export interface ClaimOptions {
  /** Worker identity written to `claimed_by`; completions only apply while it still holds the row. */
  owner: string;
  /** Maximum rows per claim (keep transactions short). */
  limit: number;
  /** Lease length; an expired lease makes the row claimable again (crash recovery). */
  leaseMs: number;
  /**
   * Outbound lanes: strict FIFO (default) — the head blocks the lane while it backs off. False
   * (`ordering = "unordered"`): rows backing off are skipped and the rows behind them go on.
   */
  ordered?: boolean;
  /** Clock for tests; defaults to Date.now(). */
  now?: number;
  /**
   * Routed claims: skip rows of these handlers (the transform worker's handlers still busy with an
   * earlier batch, so one slow handler neither stalls its siblings nor runs out of order).
   */
  excludeHandlers?: readonly string[];
}

export type RoutingResult =
  | {
      rowId: number;
      handlers: string[];
      /** The claimed ingress row (payload in the clear): lets the store hand the routed rows on (see Handoff). */
      source?: ClaimedRow;
      /**
       * Handlers whose transform already ran in the routing step, with its outcome: their routed rows
       * are written closed (`done`, or `dead` with the error) and their sends queued as outbound rows in
       * this same transaction, as `completeTransform` would have. Only for a handler with no older
       * routed row still open on this inbound, or its output would overtake that row's.
       */
      transformed?: ReadonlyMap<string, Transformed>;
    }
  | { rowId: number; error: string };

/** A handler's outcome: what it sends (none: filtered), or why it failed. */
export type Transformed = { sends: Send[] } | { error: string };

/**
 * A worker that takes the rows of its (stage, conn) straight from the transaction that writes them:
 * the rows are inserted already claimed for `owner` and passed on after commit, in id order — the
 * same durable claim a `claim*` call would make, without reading back and decrypting what was just
 * written. Rows beyond `room()` are inserted pending and the store calls `overflow()`: the worker
 * then claims from the store until it has caught up, so rows are still taken in order.
 */
export interface HandoffTarget {
  readonly owner: string;
  readonly leaseMs: number;
  /** How many rows the worker takes now (0: insert them pending). */
  room(): number;
  /** Rows were inserted pending while this target was attached. */
  overflow(): void;
  /** After commit: the rows, claimed for `owner` at `claimedAt`. */
  take(rows: ClaimedRow[], claimedAt: number): void;
}

export interface Send {
  outbound: string;
  payload: Buffer;
}

export type TransformResult =
  | {
      rowId: number;
      sends: Send[];
      /** The claimed routed row: lets the store hand the outbound rows to their lanes' owners. */
      source?: ClaimedRow;
    }
  | { rowId: number; error: string };

export type DeliveryResult =
  | { rowId: number; status: "ok"; reply?: Buffer }
  /** Transient failure: back to pending, not before `nextAttemptAt`; the row keeps heading its lane. */
  | { rowId: number; status: "retry"; error: string; nextAttemptAt: number; reply?: Buffer }
  /** Permanent failure or retries exhausted: dead-letter; the lane moves on. */
  | { rowId: number; status: "dead"; error: string; reply?: Buffer };

/** What the head of an outbound lane is doing, so a delivery worker knows how long to sleep. */
export interface LaneHead {
  rowId: number;
  state: RowState;
  nextAttemptAt: number;
  leaseUntil: number | null;
}

export interface MessageSummary {
  id: number;
  inbound: string;
  receivedAt: number;
  controlId: string | null;
  messageType: string | null;
  contentType: string;
  disposition: Disposition;
  error: string | null;
  /** Replay generation: 1 for the first run, +1 per replay. */
  run: number;
  updatedAt: number;
}

export interface StageRowInfo {
  id: number;
  messageId: number;
  run: number;
  stage: Stage;
  conn: string;
  handler: string | null;
  parentId: number | null;
  state: RowState;
  attempts: number;
  nextAttemptAt: number;
  claimedBy: string | null;
  leaseUntil: number | null;
  error: string | null;
  createdAt: number;
  updatedAt: number;
}

export type EventKind =
  | "received"
  | "rejected"
  | "routed"
  | "route-error"
  | "transformed"
  | "transform-error"
  | "delivered"
  | "delivery-retry"
  | "dead-letter"
  | "cancelled"
  | "replayed"
  | "resent"
  | "disposition"
  | "duplicate";

export interface HistoryEvent {
  id: number;
  messageId: number;
  rowId: number | null;
  at: number;
  kind: EventKind;
  stage: Stage | null;
  conn: string | null;
  /** Short, body-free detail: handler names, error text, attempt numbers, the new disposition. */
  detail: string | null;
  /** Deliveries: whether the destination's reply is stored (read it with `getEventReply`). */
  hasReply: boolean;
}

export interface MessageDetail extends MessageSummary {
  rows: StageRowInfo[];
  history: HistoryEvent[];
}

export interface MessageFilter {
  inbound?: string;
  disposition?: Disposition;
  messageType?: string;
  controlId?: string;
  /** A blind-index token (`BlindIndex.token(value)`): messages with an identifier field of that value. */
  identifier?: string;
  /** Epoch ms, inclusive. */
  from?: number;
  /** Epoch ms, exclusive. */
  to?: number;
  /** Newest first; pass the last id seen to page on. */
  beforeId?: number;
  limit?: number;
}

export interface DeadLetterFilter {
  conn?: string;
  stage?: Stage;
  beforeId?: number;
  limit?: number;
}

/** Per-connection counters (persisted, so they survive a restart). */
export interface ConnectionCounters {
  conn: string;
  /** Inbound: messages received (including rejected ones). */
  received: number;
  /** Inbound: messages that reached each final disposition. */
  processed: number;
  errored: number;
  filtered: number;
  unrouted: number;
  /** Outbound: rows delivered / dead-lettered. */
  delivered: number;
  failed: number;
  /** Inbound: messages recorded as DUPLICATE (not routed again). */
  duplicates: number;
  /** Epoch ms of the last change touching this connection; 0 when none. */
  lastActivity: number;
}

export interface QueueDepth {
  stage: Stage;
  conn: string;
  /** Open rows no worker has yet. */
  pending: number;
  /**
   * Open rows a worker holds or has reserved: with handoffs an outbound lane's rows are reserved for
   * its delivery worker as they arrive, so a lane's backlog counts here, not under `pending`.
   */
  claimed: number;
  /** Epoch ms the oldest open row of (stage, conn) was queued (its created_at): how long the queue waits. */
  oldestAt: number;
}

export interface StoreStats {
  connections: ConnectionCounters[];
  depth: QueueDepth[];
}

export interface PurgeOptions {
  /** Messages received before this epoch ms are purged (only those with a final disposition). */
  before: number;
  /** Messages per transaction (small, so traffic never waits long). */
  batchSize?: number;
}

/** Called by a store after it commits rows for (stage, conn); wakes that stage's worker. */
export type WakeListener = () => void;

export interface Store extends BodyRecoder {
  /** Group commit: resolves only after the arrival's transaction is durably committed. */
  enqueueIngress(input: IngressInput): Promise<IngressReceipt>;
  /** Records a decode/parse/strict failure (disposition ERROR) through the same group commit. */
  recordRejected(input: RejectedInput): Promise<IngressReceipt>;

  claimIngress(inbound: string, opts: ClaimOptions): Promise<ClaimedRow[]>;
  /** One transaction: routed rows written, ingress rows completed, dispositions finalized. */
  completeRouting(owner: string, results: RoutingResult[]): Promise<number>;
  claimRouted(inbound: string, opts: ClaimOptions): Promise<ClaimedRow[]>;
  /** One transaction: outbound rows written, routed rows completed, dispositions finalized. */
  completeTransform(owner: string, results: TransformResult[]): Promise<number>;
  /**
   * Claims from the head of an outbound lane, strictly in order: stops at a row that is not yet due
   * (backing off) or still leased to another worker, so the head blocks its lane while retrying.
   */
  claimOutbound(outbound: string, opts: ClaimOptions): Promise<ClaimedRow[]>;
  completeDelivery(owner: string, results: DeliveryResult[]): Promise<number>;
  /** Gives claimed rows back untouched (e.g. the rest of a batch behind a retrying head). */
  releaseClaims(owner: string, rowIds: number[]): Promise<number>;
  /** The head of the lane (first open row), or undefined when the lane is empty. */
  laneHead(outbound: string): Promise<LaneHead | undefined>;
  /** Makes every claimed row whose lease ended (all claimed rows with `all`) pending again. */
  recoverLeases(opts?: { all?: boolean; now?: number }): Promise<number>;

  /** Re-runs a message from ingress (a new run; earlier rows are kept as history). */
  replayMessage(messageId: number): Promise<boolean>;
  /** Queues a copy of one outbound row at the tail of its lane; the old row becomes `replaced`. */
  resendOutbound(rowId: number): Promise<number | undefined>;
  /** Cancels a message's open rows (disposition ERROR, "cancelled"). */
  cancelMessage(messageId: number): Promise<number>;
  /** Cancels one open row. */
  cancelRow(rowId: number): Promise<boolean>;

  getMessage(messageId: number): Promise<MessageDetail | undefined>;
  listMessages(filter?: MessageFilter): Promise<MessageSummary[]>;
  /** The raw bytes as received (decrypted). Callers audit this access. */
  getMessageRaw(messageId: number): Promise<Buffer | undefined>;
  /** A stage row's own payload (a transformed payload) or, for ingress/routed rows, the raw. */
  getRowPayload(rowId: number): Promise<Buffer | undefined>;
  /** The reply stored with a delivery (the row's last reply). */
  getRowReply(rowId: number): Promise<Buffer | undefined>;
  getEventReply(eventId: number): Promise<Buffer | undefined>;
  listDeadLetters(filter?: DeadLetterFilter): Promise<StageRowInfo[]>;

  stats(): Promise<StoreStats>;
  /** Deletes one batch of purgeable messages (with their rows and history); returns how many. */
  purgeBatch(opts: PurgeOptions): Promise<number>;

  /**
   * Connector cursors: one small value per connection kept across restarts (a database source's
   * high-water mark). A source sets it only after `receive` resolved for the rows it covers, so a
   * crash in between re-reads them (at-least-once). Stored in the clear: keep it an id or timestamp.
   */
  getCursor(conn: string): Promise<string | undefined>;
  setCursor(conn: string, value: string): Promise<void>;

  /** Subscribes to "rows were committed for (stage, conn)". Returns an unsubscribe function. */
  onWake(stage: Stage, conn: string, listener: WakeListener): () => void;
  /**
   * Optional fast path (the embedded store): new rows of (stage, conn) go to `target` already claimed.
   * Returns the detach function. Stores without it are claimed from as usual. Outbound rows are
   * claimed for the lane's owner at insert and taken by its next `claimOutbound` (the lane stays in
   * id order in the store; `take` is its wake-up).
   */
  attachHandoff?(stage: Stage, conn: string, target: HandoffTarget): () => void;
  /** With handoffs: gives back the rows of lane `outbound` claimed for `owner` (its worker stopped). */
  releaseLane?(outbound: string, owner: string): Promise<number>;
  /**
   * With handoffs: throws `FencedError` when this node may not deliver (clustered, and no longer the
   * leader), as a claim does. A lane checks it before delivering rows handed to it in memory.
   */
  requireLeader?(): void;
  /** Flushes pending group commits, then closes. */
  close(): Promise<void>;
}
