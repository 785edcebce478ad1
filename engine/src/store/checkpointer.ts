/**
 * Runs the SQLite WAL checkpoints of an engine's database in a thread of their own
 * (checkpoint-thread.ts), so the engine's connections can turn auto-checkpoint off. Restarted if the
 * thread dies; while it is down the WAL only grows (nothing is lost), and the next run catches up.
 */
import { Worker } from "node:worker_threads";
import { threadSource } from "../thread-source.js";
import type { CheckpointThreadData, FromCheckpointThread } from "./checkpoint-thread.js";
import type { WriteLock } from "./write-lock.js";

export interface CheckpointerLog {
  debug(obj: Record<string, unknown>, msg?: string): void;
  warn(obj: Record<string, unknown>, msg?: string): void;
}

export interface CheckpointerOptions {
  dbPath: string;
  /** How often the WAL is copied back (default 200 ms). */
  intervalMs?: number;
  /** WAL frames (4 KB pages) above which a RESTART checkpoint starts the WAL over (default 8,192 ≈ 32 MB). */
  restartFrames?: number;
  /** The engine's in-process write lock, taken around a RESTART checkpoint. */
  writeLock?: WriteLock;
  log: CheckpointerLog;
}

const THREAD_URL = new URL(
  `./checkpoint-thread${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`,
  import.meta.url,
);

export class Checkpointer {
  #worker: Worker | undefined;
  #stopping = false;
  #restart: NodeJS.Timeout | undefined;
  /** Checkpoints the thread reported that copied frames (for tests and stats). */
  checkpoints = 0;

  private constructor(private readonly opts: CheckpointerOptions) {}

  /** Starts the thread and resolves once its connection is open. */
  static async start(opts: CheckpointerOptions): Promise<Checkpointer> {
    const c = new Checkpointer(opts);
    await c.#spawn();
    return c;
  }

  #spawn(): Promise<void> {
    const data: CheckpointThreadData = {
      kind: "mf-checkpoint",
      dbPath: this.opts.dbPath,
      intervalMs: this.opts.intervalMs ?? 200,
      restartFrames: this.opts.restartFrames ?? 8192,
      ...(this.opts.writeLock ? { writeLock: this.opts.writeLock.buffer } : {}),
    };
    const worker = new Worker(threadSource(THREAD_URL), { eval: true, workerData: data });
    this.#worker = worker;
    worker.unref();
    return new Promise<void>((resolve, reject) => {
      worker.on("message", (m: FromCheckpointThread) => {
        if (m.type === "ready") resolve();
        else if (m.type === "checkpoint") {
          if (m.checkpointed > 0) this.checkpoints++;
          this.opts.log.debug({ event: "checkpoint", ...m }, "WAL checkpoint");
        } else this.opts.log.warn({ event: "checkpoint-failed", err: m.message }, "WAL checkpoint failed");
      });
      worker.once("error", reject);
      const threadId = worker.threadId;
      worker.on("exit", (code) => {
        // A thread that died mid-RESTART must not leave the engine's writers locked out.
        this.opts.writeLock?.breakIfHeldBy(threadId);
        reject(new Error(`checkpoint thread exited with ${code}`));
        if (this.#stopping || this.#worker !== worker) return;
        this.opts.log.warn({ event: "checkpoint-thread-exit", code }, "checkpoint thread exited; restarting");
        this.#restart = setTimeout(() => void this.#spawn().catch(() => undefined), 1000);
        this.#restart.unref();
      });
    });
  }

  /** Stops the thread after a last checkpoint. */
  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#restart);
    const worker = this.#worker;
    if (!worker) return;
    // Kept alive while it finishes (unref'd while running, so it never holds the process open).
    worker.ref();
    const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
    worker.postMessage({ type: "stop" });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise<void>((r) => (timer = setTimeout(r, 5000)))]);
    clearTimeout(timer);
    await worker.terminate();
  }
}
