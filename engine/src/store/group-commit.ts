/**
 * Group commit: arrivals within one event-loop tick are written by ONE transaction (one fsync), and
 * each caller's promise settles only after that transaction committed — the listener ACKs only then.
 */

/** Writes a batch in one transaction and returns one result per item, in order. */
export type BatchWriter<I, R> = (items: readonly I[]) => R[];

interface Waiting<I, R> {
  item: I;
  resolve(value: R): void;
  reject(error: unknown): void;
}

export class GroupCommitter<I, R> {
  #queue: Waiting<I, R>[] = [];
  #scheduled = false;
  #closed = false;

  constructor(
    private readonly write: BatchWriter<I, R>,
    /** Upper bound per transaction so one commit never holds the event loop for long. */
    private readonly maxBatch = 1000,
  ) {}

  submit(item: I): Promise<R> {
    if (this.#closed) return Promise.reject(new Error("the store is closed"));
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        // setImmediate runs after pending I/O callbacks, so a burst of socket reads lands in one batch.
        setImmediate(() => this.flush());
      }
    });
  }

  /** Writes everything queued now (also called by close()). */
  flush(): void {
    this.#scheduled = false;
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.maxBatch);
      let results: R[];
      try {
        results = this.write(batch.map((w) => w.item));
      } catch (error) {
        this.#oneByOne(batch, error);
        continue;
      }
      for (let i = 0; i < batch.length; i++) batch[i]?.resolve(results[i] as R);
      if (this.#queue.length > 0 && !this.#closed) {
        // Yield between full batches so sockets and workers get a turn.
        this.#scheduled = true;
        setImmediate(() => this.flush());
        return;
      }
    }
  }

  /**
   * The batch's transaction failed (and rolled back): one bad arrival must not NAK its neighbours,
   * so each item is written again in a transaction of its own and only the failing ones are rejected.
   */
  #oneByOne(batch: Waiting<I, R>[], error: unknown): void {
    if (batch.length === 1) {
      batch[0]?.reject(error);
      return;
    }
    for (const w of batch) {
      try {
        w.resolve(this.write([w.item])[0] as R);
      } catch (e) {
        w.reject(e);
      }
    }
  }

  /** Writes whatever is queued, synchronously, and refuses new arrivals. */
  close(): void {
    this.#closed = true;
    this.flush();
  }
}

/**
 * The same contract for a networked database: while one batch's transaction is in flight, new
 * arrivals queue up and go together in the next one.
 */
export class AsyncGroupCommitter<I, R> {
  #queue: Waiting<I, R>[] = [];
  #running: Promise<void> | undefined;
  #closed = false;

  constructor(
    private readonly write: (items: readonly I[]) => Promise<R[]>,
    private readonly maxBatch = 1000,
  ) {}

  submit(item: I): Promise<R> {
    if (this.#closed) return Promise.reject(new Error("the store is closed"));
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      if (!this.#running) this.#running = new Promise<void>((r) => setImmediate(r)).then(() => this.#drain());
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.maxBatch);
      try {
        const results = await this.write(batch.map((w) => w.item));
        for (let i = 0; i < batch.length; i++) batch[i]?.resolve(results[i] as R);
      } catch (error) {
        if (batch.length === 1) {
          batch[0]?.reject(error);
          continue;
        }
        // One bad arrival must not fail its neighbours: retry each in its own transaction.
        for (const w of batch) {
          try {
            w.resolve((await this.write([w.item]))[0] as R);
          } catch (e) {
            w.reject(e);
          }
        }
      }
    }
    this.#running = undefined;
  }

  /** Writes whatever is queued and refuses new arrivals. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#running;
    if (this.#queue.length > 0) await this.#drain();
  }
}
