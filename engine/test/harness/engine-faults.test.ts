/**
 * The real engine (MLLP in → SQLite → router → handler → MLLP out) against the harness sink's faults:
 * AE (retried, then delivered or dead-lettered when attempts run out), AR (dead-lettered at once), ACK
 * delays beyond the outbound's ackTimeoutMs, dropped connections and silence (timeouts, retried). The
 * messages go in through the harness sender; dispositions, retries and dead letters are read from the
 * engine's own services, deliveries from the sink's record.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type OutgoingMessage, runSender, type Sink, startSink } from "../../src/harness/index.js";
import { type Engine, engineServices } from "../../src/runtime/index.js";
import { adt, freePort, inboundPort, openEngine, tempDir, until, writeFiles } from "../runtime/helpers.js";

const ROUTES = `
import { env, handler, inbound, mllp, outbound, router, send } from "messagefoundry";

inbound("IB_FAULT_ADT", mllp({ host: "127.0.0.1", port: env("in_port", "int") }), { router: "fault_router" });
// Gives up after 3 attempts.
outbound("OB_FAULT_FEW", mllp({ host: "127.0.0.1", port: env("few_port", "int"), ackTimeoutMs: 300 }), {
  retry: { attempts: 3, baseMs: 20, multiplier: 1, capMs: 20 },
});
// Keeps trying.
outbound("OB_FAULT_MANY", mllp({ host: "127.0.0.1", port: env("many_port", "int"), ackTimeoutMs: 300 }), {
  retry: { attempts: 1000, baseMs: 20, multiplier: 1, capMs: 20 },
});

router("fault_router", (msg) => ((msg.controlId ?? "").startsWith("MANY") ? ["to_many"] : ["to_few"]));
handler("to_few", (msg) => send("OB_FAULT_FEW", msg));
handler("to_many", (msg) => send("OB_FAULT_MANY", msg));
`;

const outgoing = (id: string): OutgoingMessage => ({ label: id, controlId: id, bytes: Buffer.from(adt(id)) });

describe("harness: the real engine against the sink's faults", function () {
  this.timeout(60_000);
  let engine: Engine;
  let few: Sink;
  let many: Sink;
  let inPort: number;
  let cleanup: () => void;

  beforeEach(async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    few = await startSink();
    many = await startSink();
    const config = join(t.dir, "config");
    writeFiles(config, {
      "routes.ts": ROUTES,
      "environments/test.toml": `in_port = ${await freePort()}\nfew_port = ${few.port}\nmany_port = ${many.port}\n`,
    });
    engine = await openEngine(config, join(t.dir, "engine.db"));
    inPort = inboundPort(engine, "IB_FAULT_ADT");
  });
  afterEach(async () => {
    await engine.stop();
    await few.close();
    await many.close();
    cleanup();
  });

  const send = async (...ids: string[]) => {
    const { summary } = await runSender(ids.map(outgoing), { host: "127.0.0.1", port: inPort });
    assert.deepEqual(summary.codes, { AA: ids.length }, "the engine ACKs every message once it is stored");
  };
  const detail = async (id: string) => {
    const [m] = await engine.store.listMessages({ controlId: id, limit: 1 });
    assert.ok(m, `${id} stored`);
    const d = await engine.store.getMessage(m.id);
    assert.ok(d);
    return d;
  };
  const settled = async (id: string, disposition: string) => {
    await until(async () => (await detail(id)).disposition === disposition, 20);
    return detail(id);
  };
  const arrivals = (sink: Sink, id: string) => sink.records.filter((r) => r.controlId === id).length;
  const deadLetters = (connection: string) =>
    engineServices(engine).messages.deadLetters({ connection }, { limit: 100 });

  it("AE twice: retried, then delivered; the disposition is PROCESSED and the retries are in its history", async () => {
    few.setFaults({ rules: { AE2: { action: "AE", times: 2 } } });
    await send("AE2");
    const d = await settled("AE2", "PROCESSED");
    assert.equal(arrivals(few, "AE2"), 3);
    assert.deepEqual(few.accepted(), ["AE2"]);
    const retries = d.history.filter((h) => h.kind === "delivery-retry");
    assert.equal(retries.length, 2);
    assert.ok(retries.every((h) => /negative ACK AE/.test(h.detail ?? "")));
    assert.equal((await deadLetters("OB_FAULT_FEW")).length, 0);
  });

  it("AE every time: dead-lettered after the policy's attempts; ERROR, siblings delivered", async () => {
    few.setFaults({ rules: { AEX: { action: "AE" } } });
    await send("OK1", "AEX", "OK2");
    const d = await settled("AEX", "ERROR");
    assert.equal(arrivals(few, "AEX"), 3, "retry.attempts = 3");
    assert.ok(d.history.some((h) => h.kind === "dead-letter"));
    await settled("OK2", "PROCESSED");
    assert.deepEqual(few.accepted(), ["OK1", "OK2"]);
    const dead = await deadLetters("OB_FAULT_FEW");
    assert.equal(dead.length, 1);
    assert.equal(dead[0]?.attempts, 3);
  });

  it("AR: dead-lettered at the first answer, not retried", async () => {
    few.setFaults({ rules: { AR1: { action: "AR" } } });
    await send("AR1", "OK3");
    await settled("AR1", "ERROR");
    await settled("OK3", "PROCESSED");
    assert.equal(arrivals(few, "AR1"), 1);
    assert.equal((await deadLetters("OB_FAULT_FEW")).length, 1);
  });

  it("ACKs slower than ackTimeoutMs: timed out and retried until the destination answers in time", async () => {
    many.setFaults({ delay: { kind: "fixed", ms: 600 } });
    await send("MANY-SLOW");
    await until(() => arrivals(many, "MANY-SLOW") >= 2, 20);
    const before = await detail("MANY-SLOW");
    assert.equal(before.disposition, "ROUTED", "still owed while the destination is slow");
    assert.ok(
      before.history.some(
        (h) => h.kind === "delivery-retry" && /no reply within 300 ms/.test(h.detail ?? ""),
      ),
    );
    many.setFaults({});
    await settled("MANY-SLOW", "PROCESSED");
    // Every arrival was answered AA, late ones included: at-least-once, the same MSH-10 each time.
    assert.ok(many.accepted().every((id) => id === "MANY-SLOW"));
  });

  it("dropped connections and silence: retried over new connections until delivered", async () => {
    many.setFaults({
      rules: {
        "MANY-DROP": { action: "drop", times: 2 },
        "MANY-QUIET": { action: "silent", times: 1 },
      },
    });
    await send("MANY-DROP", "MANY-QUIET");
    await settled("MANY-QUIET", "PROCESSED");
    await settled("MANY-DROP", "PROCESSED");
    assert.equal(arrivals(many, "MANY-DROP"), 3);
    assert.equal(arrivals(many, "MANY-QUIET"), 2);
    assert.deepEqual(many.accepted(), ["MANY-DROP", "MANY-QUIET"], "FIFO per destination");
    assert.ok(many.summary().connections >= 3, "a new connection after each drop and timeout");
    const retries = (await detail("MANY-DROP")).history.filter((h) => h.kind === "delivery-retry");
    assert.equal(retries.length, 2);
  });
});
