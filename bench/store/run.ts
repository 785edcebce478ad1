/**
 * The store alone, no sockets: N messages through every handoff of the SQLite store (AES-GCM bodies),
 * in the batch sizes the engine uses, timing each stage. Shows the store's CPU cost per message.
 *
 * Run: node --conditions=source --import tsx bench/store/run.ts [--n=20000]
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { aesGcmCodec, makeStoreKey, openSqliteStore } from "../../engine/src/store/index.js";

const n = Number(process.argv.find((a) => a.startsWith("--n="))?.slice(4) ?? 10000);
const rounds = 3;
const dir = mkdtempSync(join(tmpdir(), "mf-store-bench-"));
const store = openSqliteStore({
  path: join(dir, "bench.db"),
  codec: aesGcmCodec(makeStoreKey(randomBytes(32))),
});
const body = Buffer.from(
  `MSH|^~\\&|BENCH|FAC|RECV|FAC|20260101120000||ADT^A01|X|P|2.5.1\r${"PID|1||X\r".repeat(100)}`,
);
let timings: Record<string, number> = {};
const best: Record<string, number> = {};
const time = async (name: string, fn: () => Promise<void>) => {
  const t = performance.now();
  await fn();
  timings[name] = (timings[name] ?? 0) + performance.now() - t;
};
const opts = { owner: "w", limit: 256, leaseMs: 60_000 };
try {
  for (let round = 0; round < rounds; round++) {
    timings = {};
    for (let done = 0; done < n; done += 256) {
      await time("ingress", async () => {
        await Promise.all(
          Array.from({ length: 256 }, (_, i) =>
            store.enqueueIngress({
              inbound: "IB",
              raw: body,
              controlId: `C${done + i}`,
              messageType: "ADT^A01",
            }),
          ),
        );
      });
      let rows = await (async () => {
        let r: Awaited<ReturnType<typeof store.claimIngress>> = [];
        await time("claim ingress", async () => {
          r = await store.claimIngress("IB", opts);
        });
        return r;
      })();
      await time("complete routing", async () => {
        await store.completeRouting(
          "w",
          rows.map((r) => ({ rowId: r.rowId, handlers: ["H"] })),
        );
      });
      await time("claim routed", async () => {
        rows = await store.claimRouted("IB", opts);
      });
      await time("complete transform", async () => {
        await store.completeTransform(
          "w",
          rows.map((r) => ({ rowId: r.rowId, sends: [{ outbound: "OB", payload: r.payload }] })),
        );
      });
      await time("claim outbound", async () => {
        rows = await store.claimOutbound("OB", opts);
      });
      await time("complete delivery", async () => {
        await store.completeDelivery(
          "w",
          rows.map((r) => ({
            rowId: r.rowId,
            status: "ok" as const,
            reply: Buffer.from("MSH|^~\\&|ACK\rMSA|AA|X"),
          })),
        );
      });
    }
    for (const [k, v] of Object.entries(timings)) best[k] = Math.min(best[k] ?? Infinity, v);
  }
  let total = 0;
  console.log(`best of ${rounds} rounds of ${n} messages`);
  for (const [k, v] of Object.entries(best)) {
    total += v;
    console.log(`${k.padEnd(20)} ${((v * 1000) / n).toFixed(1).padStart(7)} µs/msg`);
  }
  console.log(
    `${"total".padEnd(20)} ${((total * 1000) / n).toFixed(1).padStart(7)} µs/msg  (${((n / total) * 1000).toFixed(0)} msg/s on one core)`,
  );
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
