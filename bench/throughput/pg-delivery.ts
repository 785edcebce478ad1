/**
 * Bench only: each outbound's delivery in a worker thread with its own PostgreSQL store (pool),
 * as `serve` does on SQLite (engine/src/runtime/offload.ts, delivery-thread.ts open the SQLite file
 * in the thread). An MLLP lane moves one message per round trip; on the main thread each round trip
 * also waits for an event-loop turn shared with intake and transforms. The main thread keeps the
 * lane's handoff (rows are claimed for the thread's worker as they are written) and forwards wake-ups.
 * Remove once the engine's own offload opens the store of its settings in the thread.
 */
import { parentPort, Worker, workerData } from "node:worker_threads";
import type { OutboundDef } from "../../engine/src/config/index.js";
import {
  DELIVERY_LEASE_MS,
  laneHandoff,
  silentLog,
  startDeliveryWorker,
  workerOwner,
} from "../../engine/src/pipeline/index.js";
import type { OffloadedDelivery } from "../../engine/src/pipeline/runner.js";
import { sendMeta } from "../../engine/src/pipeline/send-meta.js";
import type { Running } from "../../engine/src/pipeline/supervisor.js";
import { codecFromEnv, openPgStore, type Store } from "../../engine/src/store/index.js";
import { threadSource } from "../../engine/src/thread-source.js";
import {
  connectors,
  LoopbackHub,
  type OutboundState,
  type RawSettings,
} from "../../engine/src/transports/index.js";

interface ThreadData {
  kind: "mf-bench-pg-delivery";
  url: string;
  schema: string;
  key: string;
  name: string;
  transport: string;
  settings: RawSettings;
  retry: OutboundDef["options"]["retry"];
  owner: string;
}

const threads = new Set<Worker>();

/** Statements the delivery threads' stores sent so far (the bench's round-trip meter). */
export async function threadQueries(): Promise<number> {
  const counts = await Promise.all(
    [...threads].map(
      (w) =>
        new Promise<number>((resolve) => {
          const on = (m: unknown) => {
            if (typeof m !== "object" || m === null || !("queries" in m)) return;
            w.off("message", on);
            resolve(Number((m as { queries: number }).queries));
          };
          w.on("message", on);
          w.postMessage("queries");
        }),
    ),
  );
  return counts.reduce((a, b) => a + b, 0);
}

/** The Runner's `offload` option: a thread per (non-loopback) outbound. */
export function pgOffloader(opts: {
  url: string;
  schema: string;
  store: Pick<Store, "onWake" | "attachHandoff">;
}): (def: OutboundDef) => OffloadedDelivery | undefined {
  return (def) => {
    if (def.transport === "loopback") return undefined;
    const owner = workerOwner("delivery-thread", def.name);
    const state: OutboundState = { status: "idle", sent: 0, failed: 0, bytesOut: 0, bytesIn: 0 };
    return {
      state,
      start: () => {
        const data: ThreadData = {
          kind: "mf-bench-pg-delivery",
          url: opts.url,
          schema: opts.schema,
          key: process.env.MEFOR_STORE_KEY ?? "",
          name: def.name,
          transport: def.transport,
          settings: def.settings,
          retry: def.options.retry,
          owner,
        };
        const worker = new Worker(threadSource(new URL(import.meta.url)), { eval: true, workerData: data });
        threads.add(worker);
        const wake = () => worker.postMessage("wake");
        const unsubscribe = opts.store.onWake("outbound", def.name, wake);
        const detach = opts.store.attachHandoff?.(
          "outbound",
          def.name,
          laneHandoff(owner, DELIVERY_LEASE_MS, wake),
        );
        const done = new Promise<void>((resolve, reject) => {
          worker.on("error", reject);
          worker.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`))));
        }).finally(() => {
          threads.delete(worker);
          detach?.();
          unsubscribe();
        });
        return new Promise<Running>((resolve) => {
          worker.on("message", (m: unknown) => {
            if (m !== "ready") return;
            worker.postMessage("wake");
            resolve({
              done,
              stop: async () => {
                detach?.();
                worker.postMessage("stop");
                await done.catch(() => undefined);
              },
            });
          });
        });
      },
    };
  };
}

async function run(data: ThreadData): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const store = await openPgStore({
    connectionString: data.url,
    schema: data.schema,
    poolSize: 2,
    codec: codecFromEnv({ MEFOR_STORE_KEY: data.key }),
  });
  const connector = connectors.createOutbound(data.transport, data.name, data.settings, {
    log: silentLog,
    loopback: new LoopbackHub(),
  });
  const listeners = new Set<() => void>();
  const view = {
    claimOutbound: (n, o) => store.claimOutbound(n, o),
    completeDelivery: (o, r) => store.completeDelivery(o, r),
    releaseClaims: (o, ids) => store.releaseClaims(o, ids),
    laneHead: (n) => store.laneHead(n),
    releaseLane: (n, o) => store.releaseLane(n, o),
    onWake: (_stage, _conn, listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  } as Pick<
    Store,
    "claimOutbound" | "completeDelivery" | "releaseClaims" | "laneHead" | "releaseLane" | "onWake"
  >;
  const worker = startDeliveryWorker(
    data.name,
    (_o, payload, meta) => connector.send(payload, sendMeta(payload, meta)),
    {
      store: view as Store,
      retry: data.retry,
      log: silentLog,
      owner: data.owner,
      batchSize: 256,
      flushMs: 100,
    },
  );
  port.on("message", (m: string) => {
    if (m === "wake") for (const l of listeners) l();
    else if (m === "queries") port.postMessage({ queries: store.queryCount });
    else if (m === "stop") {
      void (async () => {
        await worker.stop();
        await connector.close();
        await store.close();
        port.close();
      })();
    }
  });
  port.postMessage("ready");
}

const data = workerData as ThreadData | undefined;
if (parentPort && data?.kind === "mf-bench-pg-delivery") await run(data);
