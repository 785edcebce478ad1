/**
 * The leader fence (clustered engines, docs/CLUSTERING.md): the token `{owner, epoch}` this node holds
 * the leader lease under, and until when it may act on it. Every write transaction of the queue core
 * checks it twice: here, before it begins (a leader past its fence time has fenced itself — a paused
 * process that wakes up acts on nothing), and inside the transaction against the lease row
 * (`holdsLease`), so a superseded leader commits nothing and therefore ACKs nothing.
 *
 * The epoch and the deadline live in a SharedArrayBuffer, so delivery threads (their own store on the
 * same database) see a grant, a renewal and a revocation at once. Times are absolute milliseconds from
 * the monotonic clock (`performance.timeOrigin + performance.now()`), comparable across threads.
 */

/** A superseded or self-fenced leader tried to act; nothing of it was committed. */
export class FencedError extends Error {
  override name = "FencedError";
  readonly code = "FENCED";
}

/** Monotonic absolute milliseconds (shared meaning across worker threads of one process). */
export function monoNow(): number {
  return performance.timeOrigin + performance.now();
}

export class LeaderFence {
  readonly owner: string;
  readonly buffer: SharedArrayBuffer;
  /** [0] epoch (0: none), [1] valid until (monoNow ms). */
  readonly #cells: Float64Array;

  constructor(owner: string, buffer: SharedArrayBuffer = new SharedArrayBuffer(16)) {
    this.owner = owner;
    this.buffer = buffer;
    this.#cells = new Float64Array(buffer);
  }

  /** Leader under `epoch` until `validUntil` (monoNow ms). */
  grant(epoch: number, validUntil: number): void {
    this.#cells[1] = validUntil;
    this.#cells[0] = epoch;
  }

  /** A renewal: valid until `validUntil`. */
  extend(validUntil: number): void {
    if (this.#cells[0]) this.#cells[1] = validUntil;
  }

  revoke(): void {
    this.#cells[0] = 0;
    this.#cells[1] = 0;
  }

  /** The token to check in a transaction, or undefined when this node may not act now. */
  current(now = monoNow()): { owner: string; epoch: number } | undefined {
    const epoch = this.#cells[0] ?? 0;
    if (epoch === 0 || now >= (this.#cells[1] ?? 0)) return undefined;
    return { owner: this.owner, epoch };
  }

  /** The token, or a FencedError saying why there is none. */
  require(): { owner: string; epoch: number } {
    const t = this.current();
    if (t) return t;
    throw new FencedError(`node ${this.owner} is not the leader (fenced or standby): nothing was written`);
  }
}
