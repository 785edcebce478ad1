/**
 * The running engine through real sockets: MLLP in → SQLite → router → handler → MLLP out, with the
 * store on a temp file. Each test builds its own config dir and engine.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Engine } from "../../src/runtime/index.js";
import { engineServices } from "../../src/runtime/index.js";
import {
  adt,
  field,
  freePort,
  MllpSender,
  mllpSink,
  openEngine,
  tempDir,
  until,
  writeFiles,
} from "./helpers.js";

const ROUTES = `
import { env, handler, inbound, mllp, outbound, router, send } from "messagefoundry";

inbound("IB_TEST_ADT", mllp({ host: "127.0.0.1", port: env("in_port", "int") }), { router: "test_router" });
inbound("IB_TEST_STRICT", mllp({ host: "127.0.0.1", port: env("strict_port", "int"), maxFrameBytes: 4096 }), {
  router: "test_router",
  strict: true,
});
outbound("OB_TEST_FAST", mllp({ host: "127.0.0.1", port: env("fast_port", "int"), ackTimeoutMs: 2000 }), {
  retry: { attempts: 1000, baseMs: 20, multiplier: 2, capMs: 100 },
});
outbound("OB_TEST_SLOW", mllp({ host: "127.0.0.1", port: env("slow_port", "int"), ackTimeoutMs: 60000 }), {
  retry: { attempts: 1000, baseMs: 20, multiplier: 2, capMs: 100 },
});

router("test_router", (msg) => (msg.get("PID-5.3") === "BOTH" ? ["to_fast", "to_slow"] : ["to_fast"]));

handler("to_fast", (msg) => {
  msg.set("MSH-5", "FAST");
  msg.set("PID-5.2", (msg.get("PID-5.2") ?? "").toLowerCase());
  return send("OB_TEST_FAST", msg);
});
handler("to_slow", (msg) => send("OB_TEST_SLOW", msg));
`;

interface Rig {
  engine: Engine;
  inPort: number;
  strictPort: number;
  fast: Awaited<ReturnType<typeof mllpSink>>;
  slow: Awaited<ReturnType<typeof mllpSink>>;
  dir: string;
  close(): Promise<void>;
}

/** Where delivery runs: the main thread, delivery threads (one per outbound here), or one shared thread. */
type Delivery = "main thread" | "threads" | "one shared thread";

async function rig(delivery: Delivery): Promise<Rig> {
  const t = tempDir();
  const fast = await mllpSink();
  const slow = await mllpSink();
  const inPort = await freePort();
  const strictPort = await freePort();
  const config = join(t.dir, "config");
  writeFiles(config, {
    "routes.ts": ROUTES,
    "environments/test.toml": `in_port = ${inPort}\nstrict_port = ${strictPort}\nfast_port = ${fast.port}\nslow_port = ${slow.port}\n`,
  });
  const engine = await openEngine(config, join(t.dir, "engine.db"), {
    offloadDelivery: delivery !== "main thread",
    ...(delivery === "one shared thread" ? { deliveryThreads: 1 } : {}),
  });
  return {
    engine,
    inPort,
    strictPort,
    fast,
    slow,
    dir: t.dir,
    async close() {
      await engine.stop();
      await fast.close();
      await slow.close();
      t.cleanup();
    },
  };
}

async function dispositionOf(engine: Engine, controlId: string): Promise<string | undefined> {
  const [m] = await engine.store.listMessages({ controlId, limit: 1 });
  return m?.disposition;
}

for (const delivery of ["threads", "one shared thread", "main thread"] as const)
  describe(`runtime: engine over real sockets (delivery: ${delivery})`, () => {
    let r: Rig;
    beforeEach(async () => {
      r = await rig(delivery);
    });
    afterEach(async () => {
      await r.close();
    });

    it("ACKs AA only after the row is committed, then routes, transforms and delivers", async () => {
      const sender = await MllpSender.connect(r.inPort);
      for (const id of ["C1", "C2", "C3"]) {
        assert.equal(await sender.send(adt(id)), "AA");
        // The ACK came back, so the message must already be in the store.
        const [m] = await r.engine.store.listMessages({ controlId: id, limit: 1 });
        assert.ok(m, `message ${id} committed before its ACK`);
      }
      sender.close();
      await until(() => r.fast.received.length === 3);
      assert.deepEqual(
        r.fast.received.map((t) => field(t, "MSH-10")),
        ["C1", "C2", "C3"],
      );
      const first = r.fast.received[0] ?? "";
      assert.equal(field(first, "MSH-5"), "FAST");
      assert.equal(field(first, "PID-5.2"), "patient");
      await until(async () => (await dispositionOf(r.engine, "C3")) === "PROCESSED");
    });

    it("NAKs AR for bytes with no MSH and AE for a strict-validation failure, recording both as ERROR", async () => {
      const sender = await MllpSender.connect(r.strictPort);
      assert.equal(await sender.send("this is not HL7"), "AR");
      // PID-3 and PID-5 are required in 2.5.1: strict validation answers AE with an ERR segment.
      const bad = "MSH|^~\\&|S|F|R|F|20260101||ADT^A01^ADT_A01|S1|P|2.5.1\rEVN|A01|20260101\rPID|1";
      const reply = (await sender.exchange(bad)).toString("latin1");
      assert.equal(field(reply, "MSA-1"), "AE");
      assert.match(reply, /\rERR\|/);
      assert.equal(await sender.send(adt("S2")), "AA");
      sender.close();
      const errors = await r.engine.store.listMessages({ disposition: "ERROR", limit: 10 });
      assert.equal(errors.length, 2);
      assert.ok(errors.every((m) => m.inbound === "IB_TEST_STRICT"));
      assert.equal(await dispositionOf(r.engine, "S1"), "ERROR");
    });

    it("answers an oversized frame with AR, records it as ERROR, and keeps the connection serving", async () => {
      const sender = await MllpSender.connect(r.strictPort);
      const huge = `${adt("BIG1")}\rNTE|1||${"X".repeat(8000)}`;
      const reply = (await sender.exchange(huge)).toString("latin1");
      assert.equal(field(reply, "MSA-1"), "AR");
      assert.equal(field(reply, "MSA-2"), "BIG1");
      assert.equal(await sender.send(adt("AFTER_BIG")), "AA");
      sender.close();
      const [big] = await r.engine.store.listMessages({
        disposition: "ERROR",
        inbound: "IB_TEST_STRICT",
        limit: 1,
      });
      assert.ok(big, "the dropped frame is counted as ERROR");
      assert.notEqual(await dispositionOf(r.engine, "AFTER_BIG"), "ERROR");
    });

    it("retries while the destination is down, then delivers in order once it is back", async () => {
      const port = r.fast.port;
      await r.fast.close();
      const sender = await MllpSender.connect(r.inPort);
      const ids = ["D1", "D2", "D3", "D4", "D5"];
      for (const id of ids) assert.equal(await sender.send(adt(id)), "AA");
      sender.close();
      await until(async () => {
        const [m] = await r.engine.store.listMessages({ controlId: "D1", limit: 1 });
        const d = m ? await r.engine.store.getMessage(m.id) : undefined;
        return !!d?.history.some((h) => h.kind === "delivery-retry");
      });
      r.fast = await mllpSink(port);
      await until(() => r.fast.received.length === ids.length);
      assert.deepEqual(
        r.fast.received.map((t) => field(t, "MSH-10")),
        ids,
      );
      await until(async () => (await dispositionOf(r.engine, "D5")) === "PROCESSED");
    });

    it("dead-letters a poison message (AR) while its siblings flow, and replays it on request", async () => {
      r.fast.answer = (text) => (field(text, "MSH-10") === "POISON" ? "AR" : "AA");
      const sender = await MllpSender.connect(r.inPort);
      for (const id of ["P1", "POISON", "P2", "P3"]) assert.equal(await sender.send(adt(id)), "AA");
      sender.close();
      await until(() => r.fast.received.length === 3);
      assert.deepEqual(
        r.fast.received.map((t) => field(t, "MSH-10")),
        ["P1", "P2", "P3"],
      );
      await until(async () => (await dispositionOf(r.engine, "POISON")) === "ERROR");
      const services = engineServices(r.engine);
      const dead = await services.messages.deadLetters({ connection: "OB_TEST_FAST" }, { limit: 10 });
      assert.equal(dead.length, 1);

      r.fast.answer = () => "AA";
      const result = await services.messages.replayDeadLetters({ connection: "OB_TEST_FAST" }, 10);
      assert.deepEqual(result, { replayed: 1, skipped: 0, truncated: false });
      await until(() => r.fast.received.length === 4);
      assert.equal(field(r.fast.received[3] ?? "", "MSH-10"), "POISON");
      await until(async () => (await dispositionOf(r.engine, "POISON")) === "PROCESSED");
    });

    it("a slow destination does not hold up another", async () => {
      let release: () => void = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      r.slow.answer = async (): Promise<"AA"> => {
        await held;
        return "AA";
      };
      const sender = await MllpSender.connect(r.inPort);
      for (const id of ["S1", "S2", "S3"]) assert.equal(await sender.send(adt(id, "A01", "BOTH")), "AA");
      sender.close();
      // All three reach the fast destination while the slow one has not answered even the first.
      await until(() => r.fast.received.length === 3);
      assert.equal(r.slow.received.length, 0);
      release();
      await until(() => r.slow.received.length === 3);
      assert.deepEqual(
        r.slow.received.map((t) => field(t, "MSH-10")),
        ["S1", "S2", "S3"],
      );
    });

    it("stops and starts one connection by name; messages queue meanwhile", async () => {
      const services = engineServices(r.engine);
      assert.equal(await services.connections.stop("OB_TEST_FAST"), "stopped");
      assert.equal(await services.connections.stop("NO_SUCH"), undefined);
      const sender = await MllpSender.connect(r.inPort);
      for (const id of ["Q1", "Q2"]) assert.equal(await sender.send(adt(id)), "AA");
      sender.close();
      await until(async () => {
        const c = (await services.monitoring.connections()).find((x) => x.name === "OB_TEST_FAST");
        return c?.queueDepth === 2;
      });
      const status = (await services.monitoring.connections()).find((x) => x.name === "OB_TEST_FAST");
      assert.equal(status?.state, "stopped");
      assert.equal(r.fast.received.length, 0);
      assert.equal(await services.connections.start("OB_TEST_FAST"), "running");
      await until(() => r.fast.received.length === 2);
      const stats = await services.monitoring.stats();
      assert.ok(stats.totals.received >= 2);
    });
  });
