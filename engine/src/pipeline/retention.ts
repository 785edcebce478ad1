/**
 * Retention: purges messages past their retention in small batches (one short transaction each),
 * yielding between batches so traffic never waits long behind the purge.
 */
import type { Store } from "../store/index.js";
import type { PipelineLog } from "./types.js";
import { describeError } from "./worker-loop.js";

export interface RetentionOptions {
  /** Keep messages this long after receipt (only final dispositions are ever purged). */
  retentionMs: number;
  /** Messages per transaction (default 200). */
  batchSize?: number;
}

/**
 * Purges everything received before `now - retentionMs`; returns how many messages went. Stops between
 * batches once `signal` is aborted (shutdown must not wait for a purge of millions of rows).
 */
export async function purgeExpired(
  store: Store,
  opts: RetentionOptions & { now?: number; signal?: AbortSignal },
): Promise<number> {
  const before = (opts.now ?? Date.now()) - opts.retentionMs;
  const batchSize = opts.batchSize ?? 200;
  let total = 0;
  for (;;) {
    if (opts.signal?.aborted) return total;
    const n = await store.purgeBatch({ before, batchSize });
    total += n;
    if (n < batchSize) return total;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

export interface RetentionJob {
  stop(): Promise<void>;
}

/** Runs `purgeExpired` now and then every `intervalMs` (default 1 h) until stopped. */
export function startRetention(
  store: Store,
  opts: RetentionOptions & { intervalMs?: number; log?: PipelineLog; signal?: AbortSignal },
): RetentionJob {
  const ctrl = new AbortController();
  opts.signal?.addEventListener("abort", () => ctrl.abort(), { once: true });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = purgeExpired(store, { ...opts, signal: ctrl.signal })
      .then((n) => {
        if (n > 0) opts.log?.info({ purged: n }, "retention purge");
      })
      .catch((error: unknown) => opts.log?.error({ err: describeError(error) }, "retention purge failed"))
      .finally(() => {
        if (!ctrl.signal.aborted) timer = setTimeout(tick, opts.intervalMs ?? 3_600_000);
      });
  };
  tick();
  ctrl.signal.addEventListener("abort", () => clearTimeout(timer), { once: true });
  return {
    async stop() {
      ctrl.abort();
      clearTimeout(timer);
      await running;
    },
  };
}
