/**
 * Group commit: arrivals that come in while no batch is being written (within one event-loop tick or
 * the commit window, or while the previous batch's transaction is in flight on a networked database)
 * are written by ONE transaction (one fsync / one WAL flush), and each caller's promise settles only
 * after that transaction committed — the listener ACKs only then.
 */

/**
 * Writes a batch in one transaction and returns one result per item, in order. A synchronous writer
 * (SQLite) returns the results; an asynchronous one (PostgreSQL) a promise of them.
 */
export type BatchWriter<I, R> = (items: readonly I[]) => R[] | Promise<R[]>;

interface Waiting<I, R> {
  item: I;
  resolve(value: R): void;
  reject(error: unknown): void;
}

/** Arrivals that end a commit window early: more would only wait longer, not commit cheaper. */
const WINDOW_FULL = 16;

export class GroupCommitter<I, R> {
  #queue: Waiting<I, R>[] = [];
  /** The drain waiting for its turn (setImmediate), if any. */
  #scheduled: NodeJS.Immediate | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** Arrivals in the batch written last. */
  #lastBatch = 0;
  /** Asynchronous batches in flight. */
  readonly #writing = new Set<Promise<void>>();
  #closed = false;

  constructor(
    private readonly write: BatchWriter<I, R>,
    /** Upper bound per transaction so one commit never holds the event loop (or a connection) for long. */
    private readonly maxBatch = 1000,
    /**
     * Asynchronous batches that may commit at once (a networked database: the next batch forms and is
     * sent while the previous one waits for its WAL flush). Every caller waits for its own batch, and
     * a connection's next arrival comes only after its ACK, so each connection's order holds.
     */
    private readonly maxInFlight = 1,
    /**
     * How long an arrival into an idle committer waits for others before its batch is written (0: to
     * the end of the turn), when the last batch had more than one. Below saturation arrivals come a few
     * per turn: each batch then pays a durable commit for two or three messages, and every stage after
     * intake a wake-up of its own.
     */
    private readonly windowMs = 0,
  ) {}

  submit(item: I): Promise<R> {
    if (this.#closed) return Promise.reject(new Error("the store is closed"));
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      // setImmediate runs after pending I/O callbacks, so a burst of socket reads lands in one batch.
      if (this.#timer && this.#queue.length >= WINDOW_FULL) {
        // Enough company (a busy engine's burst of reads): write at the end of this turn.
        clearTimeout(this.#timer);
        this.#timer = undefined;
      }
      if (!this.#scheduled && !this.#timer && this.#writing.size < this.maxInFlight) {
        // Only when the last batch had company: a lone sender (one connection sending and waiting for
        // each ACK) never has any, and would only wait.
        if (this.windowMs > 0 && this.#queue.length === 1 && this.#lastBatch > 1) {
          this.#timer = setTimeout(() => {
            this.#timer = undefined;
            this.#drain();
          }, this.windowMs);
        } else this.#scheduled = setImmediate(() => this.#drain());
      }
    });
  }

  /** Writes batches until the queue is empty or every slot holds an asynchronous batch. */
  #drain(): void {
    this.#scheduled = undefined;
    // A drain that came early (a batch in flight finished) ends a window too: nothing waits for a timer.
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#queue.length > 0 && this.#writing.size < this.maxInFlight) {
      const batch = this.#queue.splice(0, this.maxBatch);
      this.#lastBatch = batch.length;
      let results: R[] | Promise<R[]>;
      try {
        results = this.write(batch.map((w) => w.item));
      } catch (error) {
        results = Promise.reject(error);
      }
      if (results instanceof Promise) {
        const writing: Promise<void> = results
          .then(
            (r) => settle(batch, r),
            (error: unknown) => this.#oneByOne(batch, error),
          )
          .then(() => {
            this.#writing.delete(writing);
            if (this.#queue.length > 0 && !this.#scheduled) this.#drain();
          });
        this.#writing.add(writing);
        continue;
      }
      settle(batch, results);
      if (this.#queue.length > 0 && !this.#closed) {
        // Yield between full batches so sockets and workers get a turn.
        this.#scheduled = setImmediate(() => this.#drain());
        return;
      }
    }
  }

  /**
   * The batch's transaction failed (and rolled back): one bad arrival must not NAK its neighbours,
   * so each item is written again in a transaction of its own and only the failing ones are rejected.
   */
  async #oneByOne(batch: Waiting<I, R>[], error: unknown): Promise<void> {
    if (batch.length === 1) {
      batch[0]?.reject(error);
      return;
    }
    for (const w of batch) {
      try {
        w.resolve((await this.write([w.item]))[0] as R);
      } catch (e) {
        w.reject(e);
      }
    }
  }

  /**
   * Refuses new arrivals and writes whatever is queued: with a synchronous writer before this returns
   * (the caller may close the database next); the promise settles once the last batch committed.
   */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#scheduled || this.#timer) {
      clearImmediate(this.#scheduled);
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#drain();
    }
    while (this.#writing.size > 0) await Promise.all(this.#writing);
  }
}

function settle<I, R>(batch: Waiting<I, R>[], results: R[]): void {
  for (let i = 0; i < batch.length; i++) batch[i]?.resolve(results[i] as R);
}
