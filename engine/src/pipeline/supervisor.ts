/**
 * Supervision for the runner's long-lived parts (listeners, queue workers): start a part, watch it,
 * and restart it with exponential backoff when it ends or reports itself failed without being asked
 * to stop. The first start is the caller's to judge (a port in use at boot or at promote is an error
 * the operator must see), so it is not retried; later crashes are.
 */
import type { PipelineLog } from "./types.js";
import { describeError } from "./worker-loop.js";

/** One running incarnation of a supervised part. */
export interface Running {
  /** Settles when the part ends by itself (a crash) or after `stop()`. */
  readonly done: Promise<void>;
  /** Graceful stop: finish the in-flight item, then end. */
  stop(): Promise<void>;
}

export type SupervisedState = "starting" | "running" | "restarting" | "stopped";

export interface SupervisorOptions {
  log: PipelineLog;
  /** First restart delay (default 200 ms), doubling per consecutive crash up to `maxDelayMs`. */
  baseDelayMs?: number;
  /** Default 30 s. */
  maxDelayMs?: number;
  /** A part that ran this long before crashing is restarted after `baseDelayMs` again (default 60 s). */
  healthyAfterMs?: number;
}

export class Supervised {
  #state: SupervisedState = "starting";
  #current: Running | undefined;
  #restarts = 0;
  #lastError: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopping = false;
  #startedAt = 0;
  readonly #opts: Required<SupervisorOptions>;

  /** Starts the part; rejects (and supervises nothing) when the first start fails. */
  static async start(
    name: string,
    start: () => Promise<Running>,
    opts: SupervisorOptions,
  ): Promise<Supervised> {
    const s = new Supervised(name, start, opts);
    await s.#launch(true);
    return s;
  }

  private constructor(
    readonly name: string,
    private readonly startFn: () => Promise<Running>,
    opts: SupervisorOptions,
  ) {
    this.#opts = { baseDelayMs: 200, maxDelayMs: 30_000, healthyAfterMs: 60_000, ...opts };
  }

  get state(): SupervisedState {
    return this.#state;
  }
  get restarts(): number {
    return this.#restarts;
  }
  get lastError(): string | undefined {
    return this.#lastError;
  }

  async #launch(first: boolean): Promise<void> {
    const startedAt = Date.now();
    this.#startedAt = startedAt;
    let running: Running;
    try {
      running = await this.startFn();
    } catch (error) {
      if (first) throw error;
      this.#crashed(error, startedAt);
      return;
    }
    if (this.#stopping) {
      await running.stop();
      return;
    }
    this.#current = running;
    this.#state = "running";
    running.done.then(
      () => this.#ended(running, undefined, startedAt),
      (error: unknown) => this.#ended(running, error, startedAt),
    );
  }

  #ended(running: Running, error: unknown, startedAt: number): void {
    if (this.#stopping || this.#current !== running) return;
    this.#current = undefined;
    this.#crashed(error ?? new Error("ended unexpectedly"), startedAt);
  }

  #crashed(error: unknown, startedAt: number): void {
    if (this.#stopping) return;
    if (Date.now() - startedAt >= this.#opts.healthyAfterMs) this.#restarts = 0;
    const delay = Math.min(this.#opts.maxDelayMs, this.#opts.baseDelayMs * 2 ** Math.min(this.#restarts, 20));
    this.#restarts++;
    this.#lastError = describeError(error);
    this.#state = "restarting";
    this.#opts.log.error(
      { part: this.name, restarts: this.#restarts, delayMs: delay, err: this.#lastError },
      "part crashed; restarting",
    );
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#launch(false);
    }, delay);
  }

  /** Reports a failure noticed from outside (e.g. a listener whose state turned to error). */
  fail(error: unknown): void {
    const running = this.#current;
    if (!running || this.#stopping) return;
    this.#current = undefined;
    const startedAt = this.#startedAt;
    running.stop().then(
      () => this.#crashed(error, startedAt),
      () => this.#crashed(error, startedAt),
    );
  }

  /** Cancels any pending restart and stops the running incarnation gracefully. */
  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#timer);
    const running = this.#current;
    this.#current = undefined;
    this.#state = "stopped";
    if (running) await running.stop();
  }
}
