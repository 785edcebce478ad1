/**
 * Bookkeeping shared by the Store implementations: counter deltas applied at the end of a
 * transaction, and wake-ups delivered after it committed.
 */
import type { ClaimedRow, Disposition, HandoffTarget, Stage } from "./types.js";

/** The persisted per-connection counters, in their column order: the one list. */
export const COUNTERS = [
  "received",
  "processed",
  "errored",
  "filtered",
  "unrouted",
  "delivered",
  "failed",
  "duplicates",
] as const;
export type Counter = (typeof COUNTERS)[number];
export const FINAL_COUNTER: Partial<Record<Disposition, Counter>> = {
  PROCESSED: "processed",
  ERROR: "errored",
  FILTERED: "filtered",
  UNROUTED: "unrouted",
};

/** Work collected inside one transaction and applied at its end (counters) or after commit (wakes). */
export class TxnEffects {
  counters = new Map<string, Record<Counter, number>>();
  wakes = new Set<string>();
  /** Rows inserted claimed for a handoff target, passed on after commit; and each target's room left. */
  handed = new Map<HandoffTarget, ClaimedRow[]>();
  room = new Map<HandoffTarget, number>();
  /** Targets whose rows this transaction inserted pending (room ran out): told after commit. */
  overflowed = new Set<HandoffTarget>();
  /** Event ids reserved ahead by the running script (queue-core `#reserveEvents`), and the next unused. */
  eventIds: readonly number[] = [];
  eventNext = 0;
  constructor(readonly now: number) {}
  count(conn: string, counter: Counter): void {
    let c = this.counters.get(conn);
    if (!c) {
      c = Object.fromEntries(COUNTERS.map((k) => [k, 0])) as Record<Counter, number>;
      this.counters.set(conn, c);
    }
    c[counter]++;
  }
  wake(stage: Stage, conn: string): void {
    this.wakes.add(`${stage}\u0000${conn}`);
  }
}

export const CANCELLED = "cancelled by operator";
