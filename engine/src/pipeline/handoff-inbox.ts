/**
 * A stage worker's end of a store handoff (`HandoffTarget`, store/types.ts): the rows the previous
 * stage's transaction wrote for this worker, already claimed for it, queued in memory in id order —
 * so the worker neither reads back nor decrypts what was just written.
 *
 * Order: while it has room the inbox takes every new row. Once full, or after rows were given back
 * to the store, it is "behind": the store inserts new rows pending and the worker claims them from
 * the store, oldest first, until a claim that excluded nothing finds fewer rows than it asked for.
 * Only then does it take handoffs again, so no newer row overtakes an older pending one. A new inbox
 * starts behind, for the same reason. A row written pending while that claim was in flight (the
 * store tells `overflow` after its commit) may be missing from the claim's snapshot: such a claim
 * does not count as caught up (`claimStarts` / `caughtUp`).
 *
 * On a networked database the store asks for room inside the transaction and hands the rows over
 * after its commit; the inbox may have fallen behind in between (its worker's handoff failed and its
 * rows went back to the store). Such rows are not queued — taken from memory they would overtake the
 * older rows given back — but returned to the store (`stale`, released by the worker before its next
 * claim) and counted like an overflow.
 */
import type { ClaimedRow, HandoffTarget } from "../store/index.js";

interface Queued {
  row: ClaimedRow;
  claimedAt: number;
}

export interface InboxBatch {
  rows: ClaimedRow[];
  /** When the oldest row's claim (its lease) began. */
  claimedAt: number;
}

export class HandoffInbox {
  #queue: Queued[] = [];
  /**
   * A new inbox starts behind: rows left pending by an earlier run (a crash, or a cluster node that
   * just took over) are claimed from the store before any newer row is taken from a handoff.
   */
  #behind = true;
  /** Overflows told so far: a claim during which one came in cannot prove the inbox caught up. */
  #overflows = 0;
  /** Rows handed over while behind (claimed for this worker in the store): to release, not to run. */
  #stale: number[] = [];
  readonly target: HandoffTarget;

  constructor(
    owner: string,
    leaseMs: number,
    /** Rows held in memory at most (each carries its payload). */
    private readonly capacity: number,
    wake: () => void,
  ) {
    this.target = {
      owner,
      leaseMs,
      room: () => (this.#behind ? 0 : Math.max(0, this.capacity - this.#queue.length)),
      overflow: () => {
        this.#behind = true;
        this.#overflows++;
      },
      take: (rows, claimedAt) => {
        if (this.#behind) {
          for (const row of rows) this.#stale.push(row.rowId);
          this.#overflows++;
        } else for (const row of rows) this.#queue.push({ row, claimedAt });
        wake();
      },
    };
  }

  get size(): number {
    return this.#queue.length;
  }

  get behind(): boolean {
    return this.#behind;
  }

  /** Rows went back to the store (released, or a failed handoff): claim in order from now on. */
  markBehind(): void {
    this.#behind = true;
  }

  /** Called as a claim starts; its result goes to {@link caughtUp}. */
  claimStarts(): number {
    return this.#overflows;
  }

  /**
   * A claim that excluded nothing found fewer rows than it asked for: nothing older is pending —
   * unless a row was written pending while it ran (`since`, from {@link claimStarts}): that row can
   * be newer than the claim's snapshot, and the next claim must take it before any handoff.
   */
  caughtUp(since: number): void {
    if (this.#overflows === since) this.#behind = false;
  }

  /** Up to `limit` of the oldest rows. */
  next(limit: number): InboxBatch | undefined {
    const taken = this.#queue.splice(0, limit);
    return taken.length === 0 ? undefined : batchOf(taken);
  }

  /**
   * Per handler not in `busy`: up to `limit` of its oldest rows (each handler's rows stay in order;
   * rows of busy handlers stay queued).
   */
  nextByHandler(limit: number, busy: ReadonlySet<string>): Map<string, InboxBatch> {
    const picked = new Map<string, Queued[]>();
    const rest: Queued[] = [];
    for (const q of this.#queue) {
      const h = q.row.handler ?? "";
      if (busy.has(h)) {
        rest.push(q);
        continue;
      }
      let list = picked.get(h);
      if (!list) {
        list = [];
        picked.set(h, list);
      }
      if (list.length < limit) list.push(q);
      else rest.push(q);
    }
    this.#queue = rest;
    return new Map([...picked].map(([h, list]) => [h, batchOf(list)]));
  }

  /** Whether a row of `handler` is queued. */
  holds(handler: string): boolean {
    return this.#queue.some((q) => q.row.handler === handler);
  }

  /** Row ids handed over while behind, once each: the worker gives them back before it claims. */
  stale(): number[] {
    const ids = this.#stale;
    this.#stale = [];
    return ids;
  }

  /** Everything still queued (to give back to the store on stop). */
  drain(): ClaimedRow[] {
    const rows = this.#queue.map((q) => q.row);
    this.#queue = [];
    return rows;
  }
}

function batchOf(list: Queued[]): InboxBatch {
  // In id order, so the first row's claim is the oldest.
  return { rows: list.map((q) => q.row), claimedAt: list[0]?.claimedAt ?? Date.now() };
}
