/**
 * Stage → Promote → Rollback on a running engine while MLLP traffic flows: every ACKed message is
 * delivered and reaches a final disposition; a swap that cannot start restores the previous config;
 * a restart keeps running the promoted version while the --config dir is unchanged.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { join } from "node:path";
import { ApiError } from "../../src/api/index.js";
import { Engine, EngineStartError, engineServices, readBundle } from "../../src/runtime/index.js";
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

function routes(tag: string, portKey = "in_port"): string {
  return `
import { env, handler, inbound, mllp, outbound, router, send } from "messagefoundry";
inbound("IB_TEST_ADT", mllp({ host: "127.0.0.1", port: env("${portKey}", "int") }), { router: "test_router" });
outbound("OB_TEST_SINK", mllp({ host: "127.0.0.1", port: env("sink_port", "int"), ackTimeoutMs: 5000 }), {
  retry: { attempts: 1000, baseMs: 20, multiplier: 2, capMs: 100 },
});
router("test_router", () => ["tag"]);
handler("tag", (msg) => {
  msg.set("MSH-5", "${tag}");
  return send("OB_TEST_SINK", msg);
});
`;
}

/** A sender that behaves like a real one: no ACK (connection dropped) means send the same message again. */
function trafficLoop(port: number) {
  const acked: string[] = [];
  let stop = false;
  let n = 0;
  const done = (async () => {
    let sender: MllpSender | undefined;
    while (!stop) {
      const id = `T${++n}`;
      for (;;) {
        try {
          sender ??= await MllpSender.connect(port);
          const code = await sender.send(adt(id));
          assert.equal(code, "AA");
          acked.push(id);
          break;
        } catch {
          sender?.close();
          sender = undefined;
          await new Promise((r) => setTimeout(r, 20));
        }
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    sender?.close();
  })();
  return {
    acked,
    async stop() {
      stop = true;
      await done;
    },
  };
}

describe("runtime: stage → promote → rollback", () => {
  let t: ReturnType<typeof tempDir>;
  let sink: Awaited<ReturnType<typeof mllpSink>>;
  let engine: Engine | undefined;
  let config: string;
  let inPort: number;

  beforeEach(async () => {
    t = tempDir();
    sink = await mllpSink();
    inPort = await freePort();
    config = join(t.dir, "config");
    writeFiles(config, {
      "routes.ts": routes("V1"),
      "environments/test.toml": `in_port = ${inPort}\nsink_port = ${sink.port}\n`,
    });
    engine = await openEngine(config, join(t.dir, "engine.db"));
  });
  afterEach(async () => {
    await engine?.stop();
    await sink.close();
    t.cleanup();
  });

  it("swaps configs under traffic without losing or leaving behind any ACKed message", async () => {
    const e = engine as Engine;
    const api = engineServices(e);
    const boot = await api.config.active();
    assert.equal(boot?.versionId, "v1");

    const traffic = trafficLoop(inPort);
    await until(() => traffic.acked.length >= 20);
    const staged = await api.config.stage({ ...readBundle(config), "routes.ts": routes("V2") }, "tester");
    assert.equal(staged.hasErrors, false);
    assert.deepEqual(staged.changes.added, []);
    const promoted = await api.config.promote(staged.stageId, "tester");
    assert.equal(promoted.versionId, "v2");
    assert.equal(promoted.promotedBy, "tester");
    await until(() => sink.received.some((m) => field(m, "MSH-5") === "V2"));
    await until(() => traffic.acked.length >= 60);
    const back = await api.config.rollback("v1", "tester");
    assert.equal(back.rolledBackFrom, "v1");
    assert.equal(back.contentHash, boot?.contentHash);
    const v2Count = () => sink.received.filter((m) => field(m, "MSH-5") === "V2").length;
    const afterRollback = sink.received.length;
    await until(() => sink.received.slice(afterRollback).some((m) => field(m, "MSH-5") === "V1"));
    await traffic.stop();

    // Every ACKed message was delivered (at least once) and every received one is PROCESSED.
    await until(() => {
      const delivered = new Set(sink.received.map((m) => field(m, "MSH-10")));
      return traffic.acked.every((id) => delivered.has(id));
    });
    await until(async () => {
      const { totals } = await api.monitoring.stats();
      return totals.received >= traffic.acked.length && totals.processed === totals.received;
    });
    const depth = (await api.monitoring.stats()).depth.reduce((n, d) => n + d.pending + d.claimed, 0);
    assert.equal(depth, 0);
    assert.ok(v2Count() > 0);
    const history = await api.config.history();
    assert.deepEqual(
      history.map((h) => h.versionId),
      ["v3", "v2", "v1"],
    );
  });

  it("refuses a staged config with errors, and restores the running config when a swap cannot start", async () => {
    const e = engine as Engine;
    const api = engineServices(e);
    const broken = await api.config.stage(
      { ...readBundle(config), "routes.ts": `${routes("V2")}\nrouter("test_router", () => []);\n` },
      "tester",
    );
    assert.equal(broken.hasErrors, true);
    await assert.rejects(
      api.config.promote(broken.stageId, "tester"),
      (err: unknown) => err instanceof ApiError && err.code === "CONFIG_INVALID",
    );
    await assert.rejects(
      api.config.promote("stg_nope", "tester"),
      (err: unknown) => err instanceof ApiError && err.code === "STAGE_NOT_FOUND",
    );
    await assert.rejects(
      api.config.rollback("v99", "tester"),
      (err: unknown) => err instanceof ApiError && err.code === "VERSION_NOT_FOUND",
    );

    // The new config listens on a port something else holds: the swap fails and V1 comes back.
    const blocker = net.createServer();
    const busyPort = await freePort();
    await new Promise<void>((r) => blocker.listen(busyPort, "127.0.0.1", r));
    try {
      const files = readBundle(config);
      files["environments/test.toml"] = `${files["environments/test.toml"]}busy_port = ${busyPort}\n`;
      files["routes.ts"] = routes("V2", "busy_port");
      const staged = await api.config.stage(files, "tester");
      assert.equal(staged.hasErrors, false);
      await assert.rejects(
        api.config.promote(staged.stageId, "tester"),
        (err: unknown) => err instanceof ApiError && err.code === "PROMOTE_FAILED",
      );
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
    assert.equal((await api.config.active())?.versionId, "v1");
    const sender = await MllpSender.connect(inPort);
    assert.equal(await sender.send(adt("AFTER")), "AA");
    sender.close();
    await until(() => sink.received.length === 1);
    assert.equal(field(sink.received[0] ?? "", "MSH-5"), "V1");
  });

  it("keeps running a promoted version across a restart while the --config dir is unchanged", async () => {
    const api = engineServices(engine as Engine);
    const staged = await api.config.stage({ ...readBundle(config), "routes.ts": routes("V2") }, "tester");
    await api.config.promote(staged.stageId, "tester");
    await engine?.stop();
    engine = await openEngine(config, join(t.dir, "engine.db"));
    assert.equal((await engineServices(engine).config.active())?.versionId, "v2");
    let sender = await MllpSender.connect(inPort);
    assert.equal(await sender.send(adt("R1")), "AA");
    sender.close();
    await until(() => sink.received.length === 1);
    assert.equal(field(sink.received[0] ?? "", "MSH-5"), "V2");

    // Editing the dir makes it the newest word: it becomes v3 at the next start.
    writeFiles(config, { "routes.ts": routes("V3") });
    await engine.stop();
    engine = await openEngine(config, join(t.dir, "engine.db"));
    assert.equal((await engineServices(engine).config.active())?.versionId, "v3");
    sender = await MllpSender.connect(inPort);
    assert.equal(await sender.send(adt("R2")), "AA");
    sender.close();
    await until(() => sink.received.length === 2);
    assert.equal(field(sink.received[1] ?? "", "MSH-5"), "V3");
  });

  it("refuses to start on a broken --config dir (recording nothing) and without a store key", async () => {
    await engine?.stop();
    engine = undefined;
    const db = join(t.dir, "engine.db");
    writeFiles(config, { "routes.ts": `${routes("V9")}\nrouter("test_router", () => []);\n` });
    await assert.rejects(openEngine(config, db), (err: unknown) => {
      assert.ok(err instanceof EngineStartError);
      assert.match(err.message, /has 1 error\(s\):\n {2}routes\.ts:\d+:\d+: MF-DUPLICATE-NAME/);
      return true;
    });
    await assert.rejects(
      Engine.open({ configDir: config, dbPath: db, processEnv: {}, env: "test" }),
      /MEFOR_STORE_KEY is not set/,
    );
    writeFiles(config, { "routes.ts": routes("V1") });
    engine = await openEngine(config, db);
    assert.deepEqual(
      (await engineServices(engine).config.history()).map((h) => h.versionId),
      ["v1"],
    );
  });
});
