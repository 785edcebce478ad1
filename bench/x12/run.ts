/**
 * Throughput of the x12 connector through the engine: `messagefoundry serve` (a child process running the
 * sources under tsx; SQLite store, encrypted bodies) takes synthetic 270s from concurrent senders on an x12
 * inbound (each answered with a 999 after the commit), sends each to a payer this process plays on a real
 * socket (x12 outbound, expectReply + ta1Required: the payer answers a TA1, then the 271), re-ingresses the
 * 271 through a loopback inbound and forwards it to a sink (x12 outbound, done once written). Reports msg/s
 * for intake (999s received), payer round trips, and 271s at the sink, and the engine's CPU per message
 * (/proc/<pid>/stat, Linux). A bounded run: --messages=1000 --senders=4.
 *
 * Run: node --conditions=source --import tsx bench/x12/run.ts [--messages=1000] [--senders=4]
 */
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, portOpen, until } from "../../engine/test/support/fixtures.js";
import {
  payerAnswer,
  inquiries as synthetic270s,
  x12Client,
  x12Peer,
} from "../../engine/test/transports/x12-peer.js";
import { serve } from "../../test/e2e-engine/serve.js";

const arg = (name: string, def: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? def);
const MESSAGES = arg("messages", 1000);
const SENDERS = arg("senders", 4);

const ROUTES = `
import { env, handler, inbound, loopback, outbound, router, send, x12 } from "messagefoundry";
inbound("IB_BENCH_270", x12({ host: "127.0.0.1", port: env("in_port", "int") }), { router: "r270" });
outbound("OB_BENCH_PAYER", x12({ host: "127.0.0.1", port: env("payer_port", "int"), expectReply: true,
  ta1Required: true, reingressTo: "IB_BENCH_271" }));
inbound("IB_BENCH_271", loopback(), { router: "r271", contentType: "x12", ack: "none" });
outbound("OB_BENCH_SINK", x12({ host: "127.0.0.1", port: env("sink_port", "int") }));
router("r270", () => "to_payer");
handler("to_payer", (msg) => send("OB_BENCH_PAYER", msg));
router("r271", () => "to_sink");
handler("to_sink", (msg) => send("OB_BENCH_SINK", msg));
`;

/** utime + stime of a process in milliseconds (Linux /proc). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // USER_HZ = 100 on Linux
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "mf-bench-x12-"));
  let payerLast = 0;
  const payer = await x12Peer((ic) => {
    payerLast = performance.now();
    return payerAnswer(ic);
  });
  const sink = await x12Peer(() => []);
  const inPort = await freePort();
  mkdirSync(join(dir, "config", "environments"), { recursive: true });
  writeFileSync(join(dir, "config", "routes.ts"), ROUTES);
  writeFileSync(
    join(dir, "config", "environments", "test.toml"),
    `in_port = ${inPort}\npayer_port = ${payer.port}\nsink_port = ${sink.port}\n`,
  );
  const inquiries = synthetic270s(MESSAGES, "bench-x12");
  const child: ChildProcess = serve(dir, join(dir, "engine.db"), randomBytes(32).toString("base64"));
  try {
    await until(() => portOpen(inPort), 50);
    const cpu0 = cpuMs(child.pid!);
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: SENDERS }, async () => {
        const c = await x12Client(inPort);
        // One interchange in flight per connection: send, wait for its 999.
        while (next < MESSAGES) {
          const want = c.replies.length + 1;
          c.write(inquiries[next++]!);
          await until(() => c.replies.length >= want, 1);
        }
        c.socket.destroy();
      }),
    );
    const tIn = performance.now();
    let sinkLast = 0;
    await until(() => {
      if (sink.received.length >= MESSAGES && sinkLast === 0) sinkLast = performance.now();
      return sinkLast !== 0;
    }, 20);
    const cpu = cpuMs(child.pid!) - cpu0;
    const rate = (n: number, ms: number) => ((n * 1000) / ms).toFixed(0);
    console.log(
      `messages ${MESSAGES}, senders ${SENDERS} (engine from sources under tsx, SQLite, encrypted bodies)`,
    );
    console.log(`  intake (x12 inbound, 999 after commit): ${rate(MESSAGES, tIn - t0)} msg/s`);
    console.log(
      `  payer round trips (x12 outbound: 270 → TA1 + 271, one lane): ${rate(payer.received.length, payerLast - t0)} msg/s`,
    );
    console.log(`  271s re-ingressed and at the sink: ${rate(MESSAGES, sinkLast - t0)} msg/s`);
    console.log(
      `  engine CPU: ${(cpu / MESSAGES).toFixed(2)} ms per 270 (intake + both routes + three deliveries)`,
    );
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
    await payer.close();
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
