/**
 * AMQP throughput through the engine: `messagefoundry serve` (a child process: SQLite store, encrypted
 * bodies) consumes a RabbitMQ queue (ack after each commit), runs an ADT route with a small transform and
 * publishes to another queue with publisher confirms. This process publishes N messages as fast as the
 * broker takes them and counts them arriving on the out-queue: reports messages/s end to end and the
 * engine's CPU time per message (utime + stime of the child, from /proc).
 *
 * Run: node --conditions=source --import tsx bench/amqp/run.ts [--n=2000] [--prefetch=50]
 * Broker: MEFOR_TEST_AMQP, else amqp://guest:guest@127.0.0.1:5672 (uniquely named queues, deleted after).
 */
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import amqp from "amqplib";
import { serve } from "../../test/e2e-engine/serve.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const _MAIN = join(ROOT, "engine/src/cli/main.ts");
const arg = (name: string, def: number) => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : def;
};
const N = arg("n", 2000);
const PREFETCH = arg("prefetch", 50);
const BROKER = process.env.MEFOR_TEST_AMQP || "amqp://guest:guest@127.0.0.1:5672";

const ROUTES = `
import { amqp, env, handler, inbound, outbound, router, send } from "messagefoundry";
const broker = { url: env("amqp_url"), username: env("amqp_user"), password: env("amqp_password") };
inbound("IB_BENCH_AMQP", amqp({ ...broker, queue: env("in_queue"), prefetch: env("prefetch", "int") }), { router: "r" });
outbound("OB_BENCH_AMQP", amqp({ ...broker, exchange: "", routingKey: env("out_queue") }));
router("r", (msg) => (msg.get("MSH-9.1") === "ADT" ? ["h"] : []));
handler("h", (msg) => {
  msg.set("MSH-5", "BENCHSINK");
  msg.set("PID-5.1", (msg.get("PID-5.1") ?? "").toUpperCase());
  return send("OB_BENCH_AMQP", msg);
});
`;

function adt(i: number): string {
  const id = `B${String(i).padStart(7, "0")}`;
  return [
    `MSH|^~\\&|SENDER|FAC|RECEIVER|FAC|20260101120000||ADT^A01^ADT_A01|${id}|P|2.5.1`,
    "EVN|A01|20260101120000",
    `PID|1||${id}^^^MRN||test^patient||19700101|U|||1 SYNTHETIC ST^^TOWN^ST^00000`,
    "PV1|1|I|WARD^101^A",
  ].join("\r");
}

/** CPU seconds (user + system) the process has used, from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

async function main(): Promise<void> {
  const conn = await amqp.connect(BROKER);
  const ch = await conn.createChannel();
  const suffix = randomBytes(4).toString("hex");
  const inQ = `mefor-bench-in-${suffix}`;
  const outQ = `mefor-bench-out-${suffix}`;
  await ch.assertQueue(inQ, { durable: true });
  await ch.assertQueue(outQ, { durable: true });
  const dir = mkdtempSync(join(tmpdir(), "mf-bench-amqp-"));
  const u = new URL(BROKER);
  mkdirSync(join(dir, "config", "environments"), { recursive: true });
  writeFileSync(join(dir, "config", "routes.ts"), ROUTES);
  writeFileSync(
    join(dir, "config", "environments", "bench.toml"),
    `amqp_url = "amqp://${u.host}${u.pathname === "/" ? "" : u.pathname}"\namqp_user = "${decodeURIComponent(u.username || "guest")}"\nin_queue = "${inQ}"\nout_queue = "${outQ}"\nprefetch = ${PREFETCH}\n`,
  );
  let child: ChildProcess | undefined;
  try {
    child = serve(
      dir,
      join(dir, "engine.db"),
      randomBytes(32).toString("base64"),
      { MEFOR_VALUE_AMQP_PASSWORD: decodeURIComponent(u.password || "guest") },
      "bench",
    );
    while ((await ch.checkQueue(inQ)).consumerCount === 0) await new Promise((r) => setTimeout(r, 100));
    let arrived = 0;
    let done: () => void = () => {};
    const all = new Promise<void>((r) => {
      done = r;
    });
    await ch.consume(
      outQ,
      () => {
        arrived++;
        if (arrived === N) done();
      },
      { noAck: true },
    );
    const pid = child.pid ?? 0;
    const cpu0 = cpuSeconds(pid);
    const t0 = performance.now();
    const pub = await conn.createConfirmChannel();
    for (let i = 0; i < N; i++) pub.sendToQueue(inQ, Buffer.from(adt(i)), { persistent: true });
    await pub.waitForConfirms();
    // Intake: the in-queue is empty once every delivery was taken (all but the last prefetch committed and acked).
    let drained = 0;
    while (drained === 0) {
      if ((await ch.checkQueue(inQ)).messageCount === 0) drained = (performance.now() - t0) / 1000;
      else await new Promise((r) => setTimeout(r, 10));
    }
    await all;
    const seconds = (performance.now() - t0) / 1000;
    process.stdout.write(
      `amqp intake: ${N} deliveries taken in ${drained.toFixed(2)} s = ${Math.round(N / drained)} msg/s\n`,
    );
    const cpu = cpuSeconds(pid) - cpu0;
    const line = `amqp in → route → amqp out (SQLite, prefetch ${PREFETCH}): ${N} messages in ${seconds.toFixed(2)} s = ${Math.round(N / seconds)} msg/s end to end; engine CPU ${((cpu / N) * 1000).toFixed(2)} ms/message (${cpu.toFixed(2)} s)`;
    process.stdout.write(`${line}\n`);
  } finally {
    child?.kill("SIGTERM");
    await new Promise((r) => child?.once("exit", r) ?? r(undefined));
    await ch.deleteQueue(inQ).catch(() => undefined);
    await ch.deleteQueue(outQ).catch(() => undefined);
    await conn.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
