/**
 * The statement vocabulary between the queue core (queue-core.ts) and a dialect (sqlite-store.ts,
 * pg-store.ts). The core's transaction bodies are generator functions ("transaction scripts") that
 * `yield` a named statement with its arguments and receive its result; a dialect holds the SQL text of
 * each name and drives scripts — SQLite synchronously inside one `BEGIN IMMEDIATE`, PostgreSQL
 * asynchronously on one pooled client inside BEGIN/COMMIT. Names say what a statement does to the
 * queue, never how: a dialect neither knows dispositions nor event kinds, it stores what it is given.
 */
import type { ConnectionCounters, Disposition, EventKind, RowState, Stage } from "./types.js";

export type IdTable = "messages" | "stage_rows" | "events";

export interface MessageInsert {
  id: number;
  inbound: string;
  receivedAt: number;
  controlId: string | null;
  messageType: string | null;
  contentType: string;
  raw: Buffer;
  disposition: Disposition;
  error: string | null;
  /** MSH-3/MSH-4 of an inbound with duplicate detection; null otherwise. */
  sender: string | null;
  now: number;
}

/**
 * A stage row, pending — or claimed for `claimedBy` until `leaseUntil` (a handoff), or written closed
 * (`done`/`dead` with its sealed error: a routed row whose transform ran in the routing step).
 */
export interface RowInsert {
  id: number;
  messageId: number;
  run: number;
  stage: Stage;
  conn: string;
  handler: string | null;
  parentId: number | null;
  payload: Buffer | null;
  state: "pending" | "claimed" | "done" | "dead";
  claimedBy: string | null;
  leaseUntil: number | null;
  /** Sealed; only for a row written `dead`. */
  error: string | null;
  now: number;
}

export interface EventInsert {
  id: number;
  messageId: number;
  rowId: number | null;
  at: number;
  kind: EventKind;
  stage: Stage | null;
  conn: string | null;
  detail: string | null;
  reply: Buffer | null;
}

/** Counter deltas of one connection, in `COUNTERS` order (effects.ts). */
export interface CounterBump {
  conn: string;
  deltas: readonly number[];
  now: number;
}

/** An open row as a claim reads it: its body is the row's payload or, when it has none, the message raw. */
export interface OpenRow {
  id: number;
  message_id: number;
  state: RowState;
  claimed_by: string | null;
  lease_until: number | null;
  next_attempt_at: number;
  handler: string | null;
  attempts: number;
  from_raw: boolean | 0 | 1;
  body: Buffer;
  inbound: string;
  content_type: string;
  control_id: string | null;
  message_type: string | null;
  received_at: number;
}

/** A claimed row a completion closes (`done`, `dead`) or gives back for a retry (`pending`). */
export interface HeldClose {
  id: number;
  state: "done" | "dead" | "pending";
  attemptInc: 0 | 1;
  /** Sealed error text, or null. */
  error: string | null;
  /** Retries only: not before this epoch ms (null keeps the row's value). */
  nextAttemptAt: number | null;
}

/** The context a completion needs of the row it closed. */
export interface ClosedRow {
  id: number;
  message_id: number;
  run: number;
  stage: Stage;
  conn: string;
  handler: string | null;
  attempts: number;
}

export interface TallyRecord {
  message_id: number;
  disposition: Disposition;
  inbound: string;
  /** Null for a message without rows in its current run. */
  stage: Stage | null;
  state: RowState | null;
  n: number;
}

export interface MessageRecord {
  id: number;
  inbound: string;
  received_at: number;
  control_id: string | null;
  message_type: string | null;
  content_type: string;
  disposition: Disposition;
  error: string | null;
  run: number;
  updated_at: number;
}

export interface RowRecord {
  id: number;
  message_id: number;
  run: number;
  stage: Stage;
  conn: string;
  handler: string | null;
  parent_id: number | null;
  state: RowState;
  attempts: number;
  next_attempt_at: number;
  claimed_by: string | null;
  lease_until: number | null;
  error: string | null;
  created_at: number;
  updated_at: number;
}

export interface EventRecord {
  id: number;
  message_id: number;
  row_id: number | null;
  at: number;
  kind: EventKind;
  stage: Stage | null;
  conn: string | null;
  detail: string | null;
  has_reply: boolean | 0 | 1;
}

/** A `conn_stats` row: the counters of `ConnectionCounters` under their column names. */
export type CounterRecord = Omit<ConnectionCounters, "lastActivity"> & { last_activity: number };

/** Equality filters of the message log (undefined: any); ranges and paging below. */
export interface MessageQuery {
  inbound?: string;
  disposition?: string;
  messageType?: string;
  controlId?: string;
  /** A blind-index token. */
  identifier?: string;
  from?: number;
  to?: number;
  beforeId?: number;
  limit: number;
}

export interface DeadLetterQuery {
  conn?: string;
  stage?: Stage;
  beforeId?: number;
  limit: number;
}

/**
 * Every statement: `args` the core passes, `result` the dialect returns. Statements whose result is
 * void may be deferred and sent together by a networked dialect (see pg-store.ts).
 */
export interface Statements {
  /** `n` fresh ids of `table`, ascending, never handed out before (even after a purge). */
  nextIds: { args: { table: IdTable; n: number }; result: number[] };
  insertMessage: { args: MessageInsert; result: undefined };
  insertRow: { args: RowInsert; result: undefined };
  insertEvent: { args: EventInsert; result: undefined };
  /** A message's blind-index tokens (keyed HMACs of identifier values; never the values). */
  /** Serializes duplicate checks of one inbound across engines (two copies in flight at once). */
  lockDuplicates: { args: { inbound: string }; result: undefined };
  /** The earliest accepted (ingressed) message this one repeats, or undefined. */
  findOriginal: {
    args: { inbound: string; controlId: string; sender: string; since: number };
    result: number | undefined;
  };
  insertIdentifiers: { args: { messageId: number; tokens: readonly string[] }; result: undefined };
  bumpCounters: { args: CounterBump; result: undefined };
  /**
   * Clustered: true while `owner` holds the leader lease under `epoch`; locks the lease row shared
   * until commit, so taking the lease over waits for this transaction (a single-node dialect: true).
   */
  holdsLease: { args: { owner: string; epoch: number }; result: boolean };

  /** Serializes claims of one outbound lane across engines (the FIFO head rule). */
  lockLane: { args: { conn: string }; result: undefined };
  /** Locks messages (in id order) before their rows change, so two completions never both miss the other. */
  lockMessages: { args: { ids: number[] }; result: undefined };
  lockMessagesOfRows: { args: { rowIds: number[] }; result: undefined };
  /**
   * The open rows of (stage, conn) in id order. `lazy`: read-only, the caller may stop early. `skipLocked`:
   * rows another transaction is claiming are passed over (ingress and routed claims).
   */
  selectOpen: {
    args: {
      stage: Stage;
      conn: string;
      exclude: readonly string[];
      limit: number;
      lazy: boolean;
      skipLocked: boolean;
      /** False: the caller reads no `body` (a probe), so a networked dialect need not send them. */
      bodies: boolean;
    };
    result: Iterable<OpenRow>;
  };
  claimRows: { args: { ids: number[]; owner: string; leaseUntil: number; now: number }; result: undefined };
  releaseRows: { args: { ids: number[]; owner: string; now: number }; result: number };
  releaseLane: { args: { conn: string; owner: string; now: number }; result: number };
  laneHead: {
    args: { conn: string };
    result: { id: number; state: RowState; next_attempt_at: number; lease_until: number | null } | undefined;
  };
  recoverLeases: { args: { all: boolean; now: number }; result: number };

  /** Applies only to rows still claimed by `owner`; returns the rows it changed. */
  closeHeld: { args: { owner: string; now: number; rows: HeldClose[] }; result: ClosedRow[] };
  /** Closes an open row whatever its claim (`dead`: undecryptable, `cancelled`: operator). */
  closeRow: {
    args: { id: number; state: "dead" | "cancelled"; error: string | null; now: number };
    result: undefined;
  };
  tallies: { args: { messageIds: number[] }; result: TallyRecord[] };
  /**
   * `closeHeld`, then the tallies (after the close) of at least the messages of the rows it closed
   * (a dialect may include those of the other rows asked for) — one step, so a networked dialect
   * answers both in one round trip (a lane's completion: its finalizer's read).
   */
  closeHeldTallied: {
    args: { owner: string; now: number; rows: HeldClose[] };
    result: { closed: ClosedRow[]; tallies: TallyRecord[] };
  };
  setDisposition: { args: { id: number; disposition: Disposition; now: number }; result: undefined };
  /** Sets (or, with null, clears) a message's sealed error text. */
  setMessageError: { args: { id: number; error: string | null; now: number }; result: undefined };

  /** The message to replay (locked). */
  messageForReplay: { args: { id: number }; result: { run: number; inbound: string } | undefined };
  /** Open and dead rows of every run become `replaced`. */
  replaceOpenRows: { args: { messageId: number; now: number }; result: undefined };
  /** A new run: its number, the disposition it starts with, no error. */
  startRun: { args: { id: number; run: number; disposition: Disposition; now: number }; result: undefined };
  rowForResend: {
    args: { rowId: number };
    result:
      | {
          message_id: number;
          stage: Stage;
          conn: string;
          handler: string | null;
          state: RowState;
          payload: Buffer | null;
          parent_id: number | null;
          current_run: number;
        }
      | undefined;
  };
  markReplaced: { args: { id: number; now: number }; result: undefined };
  /** The open rows of a message's current run (locked). */
  openRowsOfMessage: { args: { messageId: number }; result: { id: number; stage: Stage; conn: string }[] };
  rowState: {
    args: { rowId: number };
    result: { message_id: number; stage: Stage; conn: string; state: RowState } | undefined;
  };

  /** Messages received before `before` whose disposition is one of `dispositions`, oldest first. */
  purgeable: {
    args: { before: number; limit: number; dispositions: readonly Disposition[] };
    result: number[];
  };
  deleteMessages: { args: { ids: number[] }; result: undefined };
  recodeSelect: {
    args: { table: IdTable; column: string; after: number; limit: number };
    result: { id: number; body: Buffer | string }[];
  };
  recodeUpdate: {
    args: { table: IdTable; column: string; id: number; value: Buffer | string };
    result: undefined;
  };

  getCursor: { args: { conn: string }; result: string | undefined };
  setCursor: { args: { conn: string; value: string; now: number }; result: undefined };

  message: { args: { id: number }; result: MessageRecord | undefined };
  rowsOfMessage: { args: { messageId: number }; result: RowRecord[] };
  eventsOfMessage: { args: { messageId: number }; result: EventRecord[] };
  listMessages: { args: MessageQuery; result: MessageRecord[] };
  deadLetters: { args: DeadLetterQuery; result: RowRecord[] };
  messageRaw: { args: { id: number }; result: Buffer | undefined };
  rowPayload: { args: { rowId: number }; result: { message_id: number; payload: Buffer | null } | undefined };
  lastReply: { args: { rowId: number }; result: { id: number; reply: Buffer } | undefined };
  eventReply: { args: { id: number }; result: Buffer | null | undefined };
  depth: {
    args: Record<string, never>;
    result: { stage: Stage; conn: string; state: RowState; n: number; oldest: number }[];
  };
  counters: { args: Record<string, never>; result: CounterRecord[] };
}

export type StatementName = keyof Statements;
export type Args<K extends StatementName> = Statements[K]["args"];
export type Result<K extends StatementName> = Statements[K]["result"];

export interface Request<K extends StatementName = StatementName> {
  op: K;
  args: Args<K>;
}

/** A transaction script: yields statements, receives their results, returns T. */
export type Script<T> = Generator<Request, T, unknown>;

/** The one request object every `stmt` fills in (see there). */
const request: { op: StatementName; args: unknown } = { op: "nextIds", args: undefined };

/**
 * One statement inside a script: `const rows = (yield stmt("closeHeld", {...})) as Result<"closeHeld">`.
 * No generator and no object per statement (on SQLite every message runs a dozen): the request is one
 * shared object, valid until the next `stmt` call. A driver reads `op` and `args` as soon as the
 * statement is yielded — before any script can run again — and keeps the args, never the request.
 */
export function stmt<K extends StatementName>(op: K, args: Args<K>): Request {
  request.op = op;
  request.args = args;
  return request as Request;
}

/** A whole script of one statement (`() => run("getCursor", { conn })`). */
export function* run<K extends StatementName>(op: K, args: Args<K>): Generator<Request, Result<K>, unknown> {
  return (yield { op, args } as Request) as Result<K>;
}

/** A SQLite-style dialect: each statement runs synchronously. */
export type SyncStatements = { [K in StatementName]: (args: Args<K>) => Result<K> };

/** Durable: the commit is flushed to disk before it returns (the ACK waits for it). */
export type Durability = "durable" | "relaxed";

/**
 * How the core reaches a database: runs a script in one transaction, or outside any (reads, which
 * see committed data). SQLite returns values, PostgreSQL promises; the core handles both.
 */
export interface Driver {
  /** Intake batches that may commit at once (1: one after the other; see GroupCommitter). */
  readonly concurrentBatches: number;
  /** The group commit's default window (ms; see GroupCommitter). */
  readonly commitWindowMs: number;
  /** Runs `script`, then `after` (run once `script` returned), in one transaction. */
  transaction<T>(script: () => Script<T>, durability: Durability, after: () => Script<void>): T | Promise<T>;
  read<T>(script: () => Script<T>): T | Promise<T>;
  close(): void | Promise<void>;
}
