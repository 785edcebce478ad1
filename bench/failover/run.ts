// `npm run bench -- failover`: an active-passive failover on this machine's PostgreSQL, measured. Two
// `serve` nodes (heartbeat 1 s, fence 2 s, lease 3 s) behind a VIP, steady MLLP load; the leader is
// killed with SIGKILL, then (a new standby started) the next leader stops with SIGTERM. Prints, per
// handover: promotion (kill → the standby holds the lease), recovery (kill → its graph is up, and →
// the first message ACKed after the failover is delivered), duplicates and the sender's resends.
// `--runs N` repeats the kill -9 case. Numbers go to docs/PERFORMANCE.md.
import { provideServices, stopServices } from "@messagefoundry/test-services";
import { clusterFixture, type Node, TIMINGS } from "../../engine/test/cluster/fixture.js";
import { until } from "../../engine/test/support/fixtures.js";
import { deliveredAll, ledger, steadyLoad } from "../../engine/test/support/ha-load.js";

const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 1;

async function waitEvent(node: Node, name: string, from: number, role?: string): Promise<number> {
  await node.proc.waitFor((l) => l.event === name && (role === undefined || l.role === role), from);
  return Date.now();
}

interface Row {
  handover: string;
  promoteMs: number;
  graphUpMs: number;
  firstDeliveryMs: number;
  duplicates: number;
  outOfOrder: number;
  resends: number;
  acked: number;
}

async function once(kind: "kill -9" | "SIGTERM"): Promise<Row> {
  const fx = await clusterFixture();
  try {
    const a = await fx.start("a", "127.0.0.2");
    const b = await fx.start("b", "127.0.0.3");
    await Promise.all([waitEvent(a, "cluster-leading", 0), waitEvent(b, "config-ready", 0)]);
    const load = steadyLoad(fx.vip.port, "B");
    await load.acks(200);
    const mark = b.proc.lines.length;
    const before = load.acked.length;
    const t0 = Date.now();
    const stopped = a.proc.stop(kind === "kill -9" ? "SIGKILL" : "SIGTERM");
    const promoted = await waitEvent(b, "cluster-role", mark, "primary");
    const up = await waitEvent(b, "cluster-leading", mark);
    await stopped;
    await load.acks(1);
    const firstAfter = load.acked[before];
    await until(
      () => fx.sink.received.some((m) => firstAfter !== undefined && m.includes(`|${firstAfter}|`)),
      5,
    );
    const delivered = Date.now();
    await load.acks(200);
    await load.stop();
    await until(() => deliveredAll(load.acked, fx.sink.received), 20);
    const l = ledger(load.acked, fx.sink.received, false);
    return {
      handover: kind,
      promoteMs: promoted - t0,
      graphUpMs: up - t0,
      firstDeliveryMs: delivered - t0,
      duplicates: l.duplicates,
      outOfOrder: l.outOfOrder,
      resends: load.resends,
      acked: load.acked.length,
    };
  } finally {
    await fx.cleanup();
  }
}

await provideServices(); // the machine's PostgreSQL (127.0.0.1:5432), or MEFOR_TEST_PG
const rows: Row[] = [];
for (let i = 0; i < RUNS; i++) rows.push(await once("kill -9"));
rows.push(await once("SIGTERM"));
console.log(
  `timings: heartbeat ${TIMINGS.heartbeatMs} ms, fence ${TIMINGS.fenceMs} ms, lease TTL ${TIMINGS.ttlMs} ms`,
);
console.table(rows);
console.log(JSON.stringify({ bench: "failover", timings: TIMINGS, rows }));
await stopServices();
