/**
 * The tee relay's cost: a closed-loop sender (N connections, one message in flight each) straight to an
 * MLLP sink, then the same sender through the tee (`TeeRelay`: durable SQLite log with sealed bodies,
 * synchronous = FULL; legacy ACK passed through; a copy to the shadow sink) to two sinks. Everything
 * runs in this one process on this machine, so CPU µs/msg is the whole process's (sender, sinks, tee):
 * the difference between the two phases is what the tee adds per message.
 * Run: node --conditions=source --import tsx bench/tee/run.ts [--connections=8] [--count=4000]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generatedMessages, runSender, startSink } from "../../engine/src/harness/index.js";
import { silentLog } from "../../engine/src/log.js";
import { aesGcmCodec, generateStoreKey, parseStoreKey } from "../../engine/src/store/index.js";
import { TeeLog, TeeRelay } from "../../engine/src/tee/index.js";

function arg(name: string, def: number): number {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : def;
}
const CONNECTIONS = arg("connections", 8);
const COUNT = arg("count", 4000);

async function measure(label: string, port: number): Promise<{ rate: number; cpuUs: number }> {
  const cpu = process.cpuUsage();
  const r = await runSender(generatedMessages("ADT^A01", COUNT, 7), {
    host: "127.0.0.1",
    port,
    connections: CONNECTIONS,
    keepOutcomes: false,
  });
  const used = process.cpuUsage(cpu);
  const cpuUs = (used.user + used.system) / r.summary.sent;
  if (r.summary.accepted !== COUNT) throw new Error(`${label}: ${r.summary.accepted}/${COUNT} accepted`);
  console.log(
    `${label.padEnd(34)} ${r.summary.throughput.toFixed(0).padStart(6)} msg/s  ${cpuUs.toFixed(0).padStart(5)} CPU µs/msg  ACK p50 ${r.summary.latency.p50.toFixed(2)} ms p99 ${r.summary.latency.p99.toFixed(2)} ms`,
  );
  return { rate: r.summary.throughput, cpuUs };
}

const dir = mkdtempSync(join(tmpdir(), "mf-bench-tee-"));
try {
  const legacy = await startSink({ keepRecords: false });
  const shadow = await startSink({ keepRecords: false });
  console.log(`${COUNT} ADT^A01 over ${CONNECTIONS} connections, closed loop`);
  await measure("warm-up (direct)", legacy.port);
  const direct = await measure("sender → sink (direct)", legacy.port);
  const log = new TeeLog(join(dir, "tee.db"), aesGcmCodec(parseStoreKey(generateStoreKey())));
  const relay = new TeeRelay({
    listen: { host: "127.0.0.1", port: 0 },
    legacy: { host: "127.0.0.1", port: legacy.port },
    shadow: { host: "127.0.0.1", port: shadow.port },
    log,
    logger: silentLog,
  });
  const port = await relay.listen();
  const teed = await measure("sender → tee → legacy + shadow", port);
  console.log(
    `tee adds ${(teed.cpuUs - direct.cpuUs).toFixed(0)} CPU µs/msg (log commit, seal, two forwards); ` +
      `shadow sent ${relay.stats().shadow.sent}, overflow ${relay.stats().shadow.overflow}`,
  );
  await relay.close();
  log.close();
  await legacy.close();
  await shadow.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
