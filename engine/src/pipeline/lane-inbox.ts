/**
 * A delivery lane's end of the store handoff (`HandoffTarget`, store/types.ts): the outbound rows a
 * transform's transaction wrote already claimed for the lane's owner, queued in memory with their
 * payloads in the clear — so the lane neither reads back nor decrypts what was just written (in a
 * delivery thread the rows arrive by message from the main thread: offload.ts).
 *
 * Order (per-lane FIFO). The store holds every handed row as well (claimed for the owner, which the
 * owner's claim takes as it is), so the inbox may drop rows at any time: the lane then claims from the
 * store, which returns its rows in id order. It claims from the store, instead of taking from memory,
 * while it is behind (a new lane: rows an earlier run left; rows given back after a retry; the inbox
 * over capacity), when the store may hold rows nobody handed it (a wake: a replay, a resend, a row
 * written while no lane was attached) and on the poll. A claim that found fewer rows than it asked
 * for, and did not stop at a blocked head, has taken everything older than what comes next: from then
 * on the inbox keeps only rows newer than the claim's last. Rows that arrive while a claim is in
 * flight are kept until it ends (they may be newer than its snapshot); rows that arrive while the lane
 * is behind otherwise are dropped (the store has them), and so are rows a claim already returned (on a
 * networked database a commit is visible to a claim before its handoff arrives).
 */
import type { ClaimedRow, HandoffTarget } from "../store/index.js";

/**
 * A lane's handoff target: its outbound rows are claimed for `owner` as they are written (always —
 * a row the lane's inbox drops is still the lane's to claim), and `take` passes them on. The main
 * thread attaches one per lane in a delivery thread (offload.ts posts the rows there); a lane's own
 * inbox is one.
 */
export function laneHandoff(
  owner: string,
  leaseMs: number,
  take: (rows: ClaimedRow[], claimedAt: number) => void,
): HandoffTarget {
  return { owner, leaseMs, room: () => Number.POSITIVE_INFINITY, overflow() {}, take };
}

export class LaneInbox {
  #queue: ClaimedRow[] = [];
  #behind = true;
  #claiming = false;
  /** The queue overflowed during the running claim: it cannot prove the lane caught up. */
  #overflowedInClaim = false;
  #storeMayHaveRows = true;
  #lastClaim = 0;
  /**
   * The highest row id a claim has returned. A handed row at or below it came from the store already:
   * on a networked database the writer's commit is visible to a claim before its handoff arrives.
   */
  #claimedUpTo = 0;
  readonly target: HandoffTarget;

  constructor(
    owner: string,
    leaseMs: number,
    /** Rows held in memory at most (each carries its payload). */
    private readonly capacity: number,
    private readonly pollMs: number,
    wake: () => void,
  ) {
    this.target = laneHandoff(owner, leaseMs, (rows) => {
      this.push(rows);
      wake();
    });
  }

  get size(): number {
    return this.#queue.length;
  }

  get behind(): boolean {
    return this.#behind;
  }

  /** Handed rows, in id order. */
  push(rows: readonly ClaimedRow[]): void {
    if (this.#behind && !this.#claiming) return;
    for (const row of rows) if (row.rowId > this.#claimedUpTo) this.#queue.push(row);
    if (this.#queue.length > this.capacity) {
      this.#queue = [];
      this.#behind = true;
      if (this.#claiming) this.#overflowedInClaim = true;
    }
  }

  /** The store may hold rows for the lane that were not handed (a wake from the store). */
  storeMayHaveRows(): void {
    this.#storeMayHaveRows = true;
  }

  /** Rows went back to the store (a retry released the rest of a batch): claim in order from now on. */
  markBehind(): void {
    this.#behind = true;
    this.#queue = [];
  }

  /** True when the next rows must come from the store (see the header). */
  mustClaim(): boolean {
    return this.#behind || this.#storeMayHaveRows || Date.now() - this.#lastClaim >= this.pollMs;
  }

  /** Up to `limit` of the oldest queued rows, or undefined when there are none or a claim is due. */
  next(limit: number): ClaimedRow[] | undefined {
    if (this.mustClaim() || this.#queue.length === 0) return undefined;
    return this.#queue.splice(0, limit);
  }

  /**
   * Wraps a claim from the store. `blocked` answers, after a claim that found nothing, whether the
   * lane has a head that stopped it (backing off, or leased to another owner): then it stays behind.
   */
  async claim(
    run: () => Promise<ClaimedRow[]>,
    limit: number,
    blocked: () => Promise<boolean>,
  ): Promise<ClaimedRow[]> {
    this.#claiming = true;
    this.#overflowedInClaim = false;
    this.#storeMayHaveRows = false;
    this.#lastClaim = Date.now();
    try {
      const rows = await run();
      const top = rows.length > 0 ? (rows[rows.length - 1] as ClaimedRow).rowId : 0;
      if (top > this.#claimedUpTo) this.#claimedUpTo = top;
      // Still "claiming" while the head is looked up: rows handed meanwhile are kept.
      const caughtUp =
        rows.length < limit && !this.#overflowedInClaim && (rows.length > 0 || !(await blocked()));
      if (!caughtUp) {
        this.markBehind();
        return rows;
      }
      this.#behind = false;
      const last = rows.length > 0 ? (rows[rows.length - 1] as ClaimedRow).rowId : 0;
      if (last > 0) this.#queue = this.#queue.filter((r) => r.rowId > last);
      return rows;
    } catch (error) {
      this.markBehind();
      this.#storeMayHaveRows = true;
      throw error;
    } finally {
      this.#claiming = false;
    }
  }

  /** Everything still queued (the lane is stopping; the store has them as the owner's). */
  clear(): void {
    this.#queue = [];
  }
}
