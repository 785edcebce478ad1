/**
 * The store going away (PostgreSQL restarted, the network to it cut) is not a failed message: nothing
 * was committed, and the same write succeeds once the database is back. This module tells such errors
 * apart from real failures, lets intake hold a frame while it waits (`holdWhileUnavailable`), and keeps
 * one outage record per store so the engine logs an outage once at warn (and its end at info) instead
 * of once per row, worker or frame.
 */
import type { Store } from "../store/index.js";
import type { PipelineLog } from "./types.js";

/** Node socket errors meaning "the server is not reachable right now". */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "EAI_AGAIN",
  // postgres.js names its connection losses like this (store-core may choose that driver).
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
]);

/**
 * PostgreSQL SQLSTATEs of a lost or refused connection: class 08 (connection exception), the server
 * shutting down or starting (57P01–57P03), too many connections (53300).
 */
function unavailableSqlState(code: string): boolean {
  return (
    code.startsWith("08") || code === "57P01" || code === "57P02" || code === "57P03" || code === "53300"
  );
}

/** node-postgres reports a dropped connection by message only. */
const PG_CONNECTION_LOST =
  /^(Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect|Connection ended unexpectedly)/;

/** True when `error` (or its cause) says the store cannot be reached, not that the write is wrong. */
export function isStoreUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; depth++) {
    if (e instanceof StoreUnavailableError) return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && (NETWORK_CODES.has(code) || unavailableSqlState(code))) return true;
    if (PG_CONNECTION_LOST.test(e.message)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Intake waited `waitMs` for the store and gave up: nothing was committed, so the connector must not
 * ACK (an MLLP listener closes the connection without a reply; HTTP answers 503). Distinct from a
 * rejected message, which is recorded and NAKed. Connectors recognise it by `name` (they sit below
 * the pipeline and do not import it).
 */
export class StoreUnavailableError extends Error {
  override readonly name = "StoreUnavailableError";
  constructor(
    readonly waitMs: number,
    cause: unknown,
  ) {
    super(`the store was unavailable for ${waitMs} ms; nothing committed (the sender must resend)`, {
      cause,
    });
  }
}

/** The first retry delay while the store is away, and the cap it doubles to (a cheap probe per second). */
export const OUTAGE_RETRY_MS = { first: 50, cap: 1000 };

/** A connector-cursor key no connection can have (not a name): reading it is the Store's cheapest round trip. */
const PROBE_KEY = "(store outage probe)";

/**
 * One store's outage state, shared by its intake and workers. The outage ends on a real round trip:
 * an intake commit, or the record's own probe (a one-row read, about once a second while down). A
 * worker's idle step proves nothing (it may not have touched the store), so it never ends one.
 */
export class StoreOutage {
  #downSince: number | undefined;
  #upAt = 0;

  constructor(private readonly store: OutageProbe) {}

  get down(): boolean {
    return this.#downSince !== undefined;
  }

  /**
   * An operation begun at `startedAt` failed because the store is away. Logs the outage's start once;
   * a late failure of an operation begun before the store came back does not open a new outage.
   */
  failed(error: unknown, startedAt: number, log: PipelineLog): void {
    if (this.#downSince !== undefined || startedAt < this.#upAt) return;
    this.#downSince = Date.now();
    log.warn(
      { event: "store-unavailable", err: errorSummary(error) },
      "store unavailable: intake holds frames unACKed and workers back off until it returns",
    );
    this.#probe(log);
  }

  /**
   * A store operation begun at `startedAt` succeeded: ends the outage (logged once, at info). An
   * operation begun before the outage opened proves nothing about now (during a server's shutdown a
   * connection not yet closed may still answer), so it leaves the outage open: ending it there made one
   * outage log as two.
   */
  succeeded(startedAt: number, log: PipelineLog): void {
    const since = this.#downSince;
    if (since === undefined || startedAt < since) return;
    this.#downSince = undefined;
    this.#upAt = Date.now();
    log.info({ event: "store-available", downMs: this.#upAt - since }, "store available again; resuming");
  }

  #probe(log: PipelineLog): void {
    const timer = setTimeout(() => {
      if (!this.down) return;
      const startedAt = Date.now();
      this.store.getCursor(PROBE_KEY).then(
        () => this.succeeded(startedAt, log),
        (error: unknown) => {
          // Still away: probe again. Anything else (the store was closed) ends the probing.
          if (this.down && isStoreUnavailable(error)) this.#probe(log);
        },
      );
    }, OUTAGE_RETRY_MS.cap);
    timer.unref();
  }
}

/** What an outage record needs of a store: its cheapest round trip, to see it back. */
type OutageProbe = Pick<Store, "getCursor">;

const outages = new WeakMap<OutageProbe, StoreOutage>();

/** The outage record of `store` (one per store object, so intake and every worker share it). */
export function outageOf(store: OutageProbe): StoreOutage {
  let o = outages.get(store);
  if (!o) {
    o = new StoreOutage(store);
    outages.set(store, o);
  }
  return o;
}

/**
 * Runs `op`, retrying while the store is unavailable until `waitMs` has passed since the first try;
 * then throws StoreUnavailableError. An attempt still pending at the deadline is abandoned (if it
 * commits later, the sender's resend is a duplicate: at-least-once, never a loss). Other errors are
 * rethrown at once.
 */
export async function holdWhileUnavailable<T>(
  store: Store,
  op: () => Promise<T>,
  waitMs: number,
  log: PipelineLog,
): Promise<T> {
  const outage = outageOf(store);
  const deadline = Date.now() + waitMs;
  let delay = OUTAGE_RETRY_MS.first;
  for (;;) {
    const startedAt = Date.now();
    try {
      const result = await beforeDeadline(op(), deadline);
      outage.succeeded(startedAt, log);
      return result;
    } catch (error) {
      const late = error instanceof NoAnswer;
      if (!late && !isStoreUnavailable(error)) throw error;
      // Only an error from the store opens an outage: an attempt cut short by the frame's deadline
      // may just have started late (a busy host), and the connector logs the closed connection.
      if (!late) outage.failed(error, startedAt, log);
      const left = deadline - Date.now();
      if (left <= 0) throw new StoreUnavailableError(waitMs, error);
      await new Promise((r) => setTimeout(r, Math.min(delay, left)));
      delay = Math.min(delay * 2, OUTAGE_RETRY_MS.cap);
    }
  }
}

/** The store did not answer an attempt before the intake's deadline. */
class NoAnswer extends Error {
  override readonly name = "NoAnswer";
}

/** `p`, or a NoAnswer error once `deadline` passes first (a hung connect counts as away). */
function beforeDeadline<T>(p: Promise<T>, deadline: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new NoAnswer("no answer from the store before the deadline")),
      Math.max(0, deadline - Date.now()),
    );
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** The error's code and class: enough to tell an outage's cause without quoting anything. */
function errorSummary(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return `${error.name}${typeof code === "string" ? ` ${code}` : ""}: ${error.message.slice(0, 200)}`;
}
