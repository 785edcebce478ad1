/**
 * An in-process write lock shared by the engine's SQLite connections (the main thread's and each
 * delivery thread's), over a SharedArrayBuffer.
 *
 * Why: SQLite lets one connection write at a time. When a second connection of the same process asks
 * for the write lock, SQLite answers SQLITE_BUSY and its busy handler sleeps in 1, 2, 5, 10 … ms
 * steps — long after the holder has committed (a transaction here lasts a few hundred µs). Those
 * sleeps were most of the ACK latency tail and kept the cores idle. Waiting on this lock instead
 * wakes the waiter the moment the holder releases (Atomics.notify). Other processes (the CLI) still
 * meet SQLite's own lock and busy_timeout.
 *
 * The word holds 0 when free, else the holder's thread id + 1, so the main thread can break a lock
 * left held by a delivery thread that died mid-transaction (`breakIfHeldBy`).
 */
import { threadId } from "node:worker_threads";

export class WriteLockTimeout extends Error {
  override name = "WriteLockTimeout";
}

export class WriteLock {
  readonly buffer: SharedArrayBuffer;
  /** How long `acquire` waits for another thread's transaction before failing (like busy_timeout). */
  readonly timeoutMs: number;
  readonly #word: Int32Array;
  readonly #me = threadId + 1;
  #depth = 0;

  /** A new lock, or a view of one created by another thread (pass its `buffer`). */
  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(4), opts: { timeoutMs?: number } = {}) {
    this.buffer = buffer;
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.#word = new Int32Array(buffer, 0, 1);
  }

  /** Blocks this thread until the lock is held; re-entrant within a thread. */
  acquire(timeoutMs = this.timeoutMs): void {
    if (this.#depth > 0) {
      this.#depth++;
      return;
    }
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const holder = Atomics.compareExchange(this.#word, 0, 0, this.#me);
      if (holder === 0) break;
      const left = deadline - performance.now();
      if (left <= 0)
        throw new WriteLockTimeout(`database write lock held by thread ${holder - 1} for ${timeoutMs} ms`);
      Atomics.wait(this.#word, 0, holder, left);
    }
    this.#depth = 1;
  }

  release(): void {
    if (this.#depth === 0) return;
    if (--this.#depth > 0) return;
    Atomics.compareExchange(this.#word, 0, this.#me, 0);
    Atomics.notify(this.#word, 0, 1);
  }

  /** Frees the lock if thread `deadThreadId` (which has exited) still holds it. */
  breakIfHeldBy(deadThreadId: number): boolean {
    const broke = Atomics.compareExchange(this.#word, 0, deadThreadId + 1, 0) === deadThreadId + 1;
    if (broke) Atomics.notify(this.#word, 0, 1);
    return broke;
  }
}
