/**
 * Crash test for the AMQP source: `messagefoundry serve` as a child process consumes a RabbitMQ queue
 * (prefetch 5) and publishes to another; it is killed with SIGKILL mid-load — deliveries between
 * `receive` and their commit, committed but not yet acked, buffered — and started again on the same
 * database. A delivery is acked only after its commit, so every published message ends committed
 * (duplicates only for committed-but-unacked deliveries, at most the prefetch) and delivered.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { amqpUrl, rabbitmqService, useService } from "@messagefoundry/test-services";
import amqp from "amqplib";
import { aesGcmCodec, openSqliteStore, parseStoreKey } from "../../engine/src/store/index.js";
import { until } from "../../engine/test/support/fixtures.js";

const MAIN = fileURLToPath(new URL("../../engine/src/cli/main.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const PREFETCH = 5;

const ROUTES = `
import { amqp, env, handler, inbound, outbound, router, send } from "messagefoundry";
const broker = { url: env("amqp_url"), username: env("amqp_user"), password: env("amqp_password") };
inbound("IB_CRASH_AMQP", amqp({ ...broker, queue: env("in_queue"), prefetch: ${PREFETCH} }), { router: "r" });
outbound("OB_CRASH_AMQP", amqp({ ...broker, exchange: "", routingKey: env("out_queue") }), {
  retry: { attempts: 100000, baseMs: 50, multiplier: 2, capMs: 500 },
});
router("r", () => ["h"]);
handler("h", (msg) => send("OB_CRASH_AMQP", msg));
`;

function adt(id: string): string {
  return [
    `MSH|^~\\&|SENDER|FAC|RECEIVER|FAC|20260101120000||ADT^A01^ADT_A01|${id}|P|2.5.1`,
    "EVN|A01|20260101120000",
    `PID|1||${id}^^^MRN||TEST^PATIENT||19700101|U`,
  ].join("\r");
}

const controlId = (b: Buffer) => b.toString("latin1").split("\r")[0]?.split("|")[9] ?? "";

function serve(dir: string, db: string, key: string, password: string): ChildProcess {
  return spawn(
    process.execPath,
    ["--conditions=source", "--import", "tsx", MAIN, "serve", "--config", join(dir, "config")].concat([
      "--env",
      "test",
      "--db",
      db,
      "--api-port",
      "0",
    ]),
    {
      cwd: ROOT,
      env: { ...process.env, MEFOR_STORE_KEY: key, MEFOR_VALUE_AMQP_PASSWORD: password },
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
}

describe("e2e engine: kill -9 while consuming from RabbitMQ", function () {
  this.timeout(180_000);
  let dir: string;
  let admin: amqp.ChannelModel;
  let ch: amqp.Channel;
  const children: ChildProcess[] = [];
  const queues: string[] = [];

  before(async function () {
    this.timeout(180_000);
    await useService(rabbitmqService);
    admin = await amqp.connect(amqpUrl());
    ch = await admin.createChannel();
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    for (const q of queues) await ch.deleteQueue(q).catch(() => undefined);
    await admin.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("every published message ends committed (duplicates bounded by the prefetch) and delivered", async () => {
    dir = mkdtempSync(join(tmpdir(), "mf-amqp-crash-"));
    const suffix = randomBytes(4).toString("hex");
    const inQ = `mefor-test-crash-in-${suffix}`;
    const outQ = `mefor-test-crash-out-${suffix}`;
    queues.push(inQ, outQ);
    await ch.assertQueue(inQ, { durable: true });
    await ch.assertQueue(outQ, { durable: true });
    const u = new URL(amqpUrl());
    const password = decodeURIComponent(u.password || "guest");
    mkdirSync(join(dir, "config", "environments"), { recursive: true });
    writeFileSync(join(dir, "config", "routes.ts"), ROUTES);
    writeFileSync(
      join(dir, "config", "environments", "test.toml"),
      `amqp_url = "amqp://${u.host}${u.pathname === "/" ? "" : u.pathname}"\namqp_user = "${decodeURIComponent(u.username || "guest")}"\nin_queue = "${inQ}"\nout_queue = "${outQ}"\n`,
    );
    const ids = Array.from({ length: 1500 }, (_, i) => `K${String(i).padStart(5, "0")}`);
    for (const id of ids) ch.sendToQueue(inQ, Buffer.from(adt(id)), { persistent: true });

    const key = randomBytes(32).toString("base64");
    const db = join(dir, "engine.db");
    const delivered: string[] = [];
    const consumer = await admin.createChannel();
    await consumer.consume(
      outQ,
      (m) => {
        if (m) delivered.push(controlId(m.content));
      },
      { noAck: true },
    );

    const first = serve(dir, db, key, password);
    children.push(first);
    const firstExit = new Promise<NodeJS.Signals | null>((r) => first.on("exit", (_c, sig) => r(sig)));
    await until(() => delivered.length >= 300, 5);
    first.kill("SIGKILL");
    assert.equal(await firstExit, "SIGKILL");
    const left = (await ch.checkQueue(inQ)).messageCount;
    assert.ok(left > 0, "killed mid-load: messages still queued");

    const second = serve(dir, db, key, password);
    children.push(second);
    const secondExit = new Promise<number | null>((r) => second.on("exit", (code) => r(code)));
    await until(() => {
      const seen = new Set(delivered);
      return ids.every((id) => seen.has(id));
    }, 50);
    second.kill("SIGTERM");
    assert.equal(await secondExit, 0);
    await consumer.close();
    assert.equal((await ch.checkQueue(inQ)).messageCount, 0, "the in-queue is drained: every delivery acked");

    const store = openSqliteStore({ path: db, codec: aesGcmCodec(parseStoreKey(key)) });
    try {
      const times = new Map<string, number>();
      for (let before: number | undefined; ; ) {
        const page = await store.listMessages({
          limit: 500,
          ...(before !== undefined ? { beforeId: before } : {}),
        });
        if (page.length === 0) break;
        for (const m of page) times.set(m.controlId ?? "", (times.get(m.controlId ?? "") ?? 0) + 1);
        before = page[page.length - 1]?.id;
      }
      for (const id of ids) assert.ok(times.has(id), `${id} committed`);
      const duplicates = [...times.values()].reduce((n, t) => n + t - 1, 0);
      assert.ok(duplicates <= PREFETCH, `duplicates (committed, killed before the ack): ${duplicates}`);
      process.stderr.write(`amqp crash: ${delivered.length} deliveries, ${duplicates} duplicate commits\n`);
    } finally {
      await store.close();
    }
  });
});
