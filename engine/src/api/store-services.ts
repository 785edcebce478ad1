/**
 * The message and counter services over the real Store. The registry runner adds what only it knows
 * (which connections exist, their direction, transport and state) through `describe`.
 */
import type { BlindIndex, ConnectionCounters, Store, StoreStats } from "../store/index.js";
import { ApiError } from "./errors.js";
import type {
  BulkReplayResult,
  ConnectionCounts,
  ConnectionDirection,
  ConnectionState,
  ConnectionStatus,
  DeadLetterQuery,
  EngineStats,
  MessagesService,
  MonitoringService,
} from "./services.js";

const ZERO: ConnectionCounts = {
  received: 0,
  processed: 0,
  errored: 0,
  filtered: 0,
  unrouted: 0,
  delivered: 0,
  failed: 0,
  duplicates: 0,
};

function countsOf(c: ConnectionCounters | undefined): ConnectionCounts {
  if (!c) return { ...ZERO };
  const { received, processed, errored, filtered, unrouted, delivered, failed, duplicates } = c;
  return { received, processed, errored, filtered, unrouted, delivered, failed, duplicates };
}

export function statsFromStore(s: StoreStats, at: number): EngineStats {
  const totals = { ...ZERO };
  const connections = s.connections.map((c) => {
    const counts = countsOf(c);
    for (const k of Object.keys(totals) as (keyof ConnectionCounts)[]) totals[k] += counts[k];
    return { name: c.conn, counts, lastActivity: c.lastActivity > 0 ? c.lastActivity : null };
  });
  const depth = s.depth.map((d) => ({
    stage: d.stage,
    connection: d.conn,
    pending: d.pending,
    claimed: d.claimed,
    oldestAt: d.oldestAt,
  }));
  return { at, totals, connections, depth };
}

export interface ConnectionDescription {
  name: string;
  direction: ConnectionDirection;
  transport: string;
  state: ConnectionState;
  error?: string | null;
  /** The last failure, even while running (an outbound retrying a refused connection or a NAK). */
  lastError?: string;
  /** Its class (pipeline/error-class.ts). */
  lastErrorClass?: string;
}

/**
 * A connection is failing when it is in error, or when it is an outbound with rows queued and a last
 * error (retrying): then its error and class are shown. A recovered outbound with an empty queue is not.
 */
function withFailure(
  d: ConnectionDescription,
  queueDepth: number,
): Pick<ConnectionStatus, "error" | "errorClass"> {
  const failing =
    d.state === "error" || (d.direction === "outbound" && queueDepth > 0 && d.lastError !== undefined);
  if (!failing) return {};
  return {
    error: d.error ?? d.lastError ?? null,
    errorClass: d.lastErrorClass ?? (d.error ? "error" : null),
  };
}

/**
 * Rows queued for a connection the running config no longer has (a promote kept them): listed so they
 * are never invisible. The stage tells the direction: outbound rows wait for an outbound.
 */
function removedWithRows(s: StoreStats, known: ReadonlySet<string>): ConnectionDescription[] {
  const out = new Map<string, ConnectionDescription>();
  for (const q of s.depth) {
    if (known.has(q.conn) || q.pending + q.claimed === 0 || out.has(q.conn)) continue;
    out.set(q.conn, {
      name: q.conn,
      direction: q.stage === "outbound" ? "outbound" : "inbound",
      transport: "removed",
      state: "removed",
    });
  }
  return [...out.values()];
}

export function storeMonitoring(
  store: Pick<Store, "stats">,
  describe: () => ConnectionDescription[],
  now: () => number = Date.now,
): MonitoringService {
  return {
    async stats() {
      return statsFromStore(await store.stats(), now());
    },
    async connections(): Promise<ConnectionStatus[]> {
      const s = await store.stats();
      const byName = new Map(s.connections.map((c) => [c.conn, c]));
      const described = describe();
      const all = [...described, ...removedWithRows(s, new Set(described.map((d) => d.name)))];
      return all.map((d) => {
        const c = byName.get(d.name);
        const queueDepth = s.depth
          .filter((q) => q.conn === d.name)
          .reduce((n, q) => n + q.pending + q.claimed, 0);
        const { lastError: _last, lastErrorClass: _class, error: _error, ...rest } = d;
        return {
          ...rest,
          ...withFailure(d, queueDepth),
          counts: countsOf(c),
          lastActivity: c && c.lastActivity > 0 ? c.lastActivity : null,
          queueDepth,
        };
      });
    },
  };
}

const BULK_BATCH = 200;
/** Rows between event-loop turns in a bulk replay: each row is a synchronous store transaction. */
const YIELD_EVERY = 100;

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** `blindIndex`: turns an identifier search into its token; without it such a search is refused. */
export function storeMessages(store: Store, opts: { blindIndex?: BlindIndex } = {}): MessagesService {
  return {
    async list(q, p) {
      let identifier: string | undefined;
      if (q.identifier !== undefined) {
        if (!opts.blindIndex)
          throw new ApiError(
            "IDENTIFIER_SEARCH_OFF",
            "identifier search is off: the engine runs without MEFOR_INDEX_KEY (see README, finding a patient's messages)",
          );
        identifier = opts.blindIndex.token(q.identifier);
      }
      return store.listMessages({
        ...(identifier !== undefined && { identifier }),
        ...(q.connection !== undefined && { inbound: q.connection }),
        ...(q.disposition !== undefined && { disposition: q.disposition }),
        ...(q.messageType !== undefined && { messageType: q.messageType }),
        ...(q.controlId !== undefined && { controlId: q.controlId }),
        ...(q.from !== undefined && { from: q.from }),
        ...(q.to !== undefined && { to: q.to }),
        ...(p.before !== undefined && { beforeId: p.before }),
        limit: p.limit,
      });
    },
    get: (id) => store.getMessage(id),
    async raw(id) {
      const m = await store.getMessage(id);
      if (!m) return undefined;
      const body = await store.getMessageRaw(id);
      return body ? { contentType: m.contentType, body } : undefined;
    },
    replay: (id) => store.replayMessage(id),
    async resend(rowId) {
      return store.resendOutbound(rowId);
    },
    deadLetters(q, p) {
      return store.listDeadLetters({
        ...(q.connection !== undefined && { conn: q.connection }),
        ...(q.stage !== undefined && { stage: q.stage }),
        ...(p.before !== undefined && { beforeId: p.before }),
        limit: p.limit,
      });
    },
    async replayDeadLetters(q: DeadLetterQuery, max: number): Promise<BulkReplayResult> {
      const result: BulkReplayResult = { replayed: 0, skipped: 0, truncated: false };
      // Keyset walk, newest first, so rows that stay dead (a failed resend) are never revisited.
      let before: number | undefined;
      let done = 0;
      const seenMessages = new Set<number>();
      for (;;) {
        const rows = await this.deadLetters(
          q,
          before === undefined ? { limit: BULK_BATCH } : { before, limit: BULK_BATCH },
        );
        for (const row of rows) {
          if (result.replayed + result.skipped >= max) {
            result.truncated = true;
            return result;
          }
          // An outbound row is resent on its lane; an earlier-stage failure re-runs its message once.
          const ok =
            row.stage === "outbound"
              ? (await store.resendOutbound(row.id)) !== undefined
              : !seenMessages.has(row.messageId) && (await store.replayMessage(row.messageId));
          seenMessages.add(row.messageId);
          if (ok) result.replayed++;
          else result.skipped++;
          // Up to 10,000 rows per request: let intake, ACKs and other requests run in between.
          if (++done % YIELD_EVERY === 0) await yieldToLoop();
        }
        const last = rows[rows.length - 1];
        if (!last || rows.length < BULK_BATCH) return result;
        before = last.id;
      }
    },
  };
}
