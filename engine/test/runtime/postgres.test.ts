/**
 * An engine on PostgreSQL keeps all its runtime state there: messages, users and audit, config
 * versions and the promoted bundles themselves (signed with MEFOR_CONFIG_KEY). Real sockets, the
 * machine's real PostgreSQL, a schema per test.
 */
import assert from "node:assert/strict";
import { createHmac, randomBytes } from "node:crypto";
import { join } from "node:path";
import { ApiError } from "../../src/api/index.js";
import { canonicalJson } from "../../src/auth/index.js";
import {
  type Engine,
  type EngineOptions,
  EngineStartError,
  engineServices,
  hashBundle,
  openRuntimeStore,
  type StoreSettings,
} from "../../src/runtime/index.js";
import { plainCodec } from "../../src/store/index.js";
import { tempSchema } from "../auth/helpers.js";
import { adt, freePort, MllpSender, mllpSink, openEngine, tempDir, until, writeFiles } from "./helpers.js";

const ROUTES = (
  name: string,
) => `import { env, handler, inbound, mllp, outbound, router, send } from "messagefoundry";
inbound("IB_PG_ADT", mllp({ host: "127.0.0.1", port: env("in_port", "int") }), { router: ${JSON.stringify(name)} });
outbound("OB_PG_SINK", mllp({ host: "127.0.0.1", port: env("sink_port", "int") }));
router(${JSON.stringify(name)}, () => "h");
handler("h", (msg) => send("OB_PG_SINK", msg));
`;

const isCode = (code: string) => (err: unknown) => err instanceof ApiError && err.code === code;

describe("runtime: an engine on PostgreSQL", () => {
  let t: ReturnType<typeof tempDir>;
  let pg: Awaited<ReturnType<typeof tempSchema>>;
  let sink: Awaited<ReturnType<typeof mllpSink>>;
  let engine: Engine | undefined;
  let config: string;
  let inPort: number;
  const key = randomBytes(32);
  const processEnv = { MEFOR_CONFIG_KEY: key.toString("base64") };

  beforeEach(async () => {
    t = tempDir();
    pg = await tempSchema();
    sink = await mllpSink();
    inPort = await freePort();
    config = join(t.dir, "config");
    writeFiles(config, {
      "routes.ts": ROUTES("r_boot"),
      "environments/test.toml": `in_port = ${inPort}\nsink_port = ${sink.port}\n`,
    });
  });
  afterEach(async () => {
    await engine?.stop();
    engine = undefined;
    await sink.close();
    await pg.drop();
    t.cleanup();
  });

  const store = (): StoreSettings => ({ backend: "postgres", pg: pg.conn });
  const open = (extra: Partial<EngineOptions> = {}) =>
    openEngine(config, "", { dbPath: undefined, store: store(), processEnv, ...extra });
  const names = (e: Engine) => e.runner.registry?.graph.nodes.map((n) => n.name) ?? [];

  it("ACKs, stores and delivers messages, with its users, audit and versions in the database", async () => {
    const app = `mf_test_${randomBytes(6).toString("hex")}`;
    engine = await open({ store: { backend: "postgres", pg: { ...pg.conn, applicationName: app } } });
    assert.equal(engine.runtime.kind, "postgres");
    const sender = await MllpSender.connect(inPort);
    for (const id of ["P1", "P2", "P3"]) assert.equal(await sender.send(adt(id)), "AA");
    sender.close();
    await until(() => sink.received.length === 3);
    // The outbound delivered from its own thread, over that thread's own connections (offload.ts).
    const delivery = await pg.pool.query(
      "SELECT COUNT(*)::int AS n FROM pg_stat_activity WHERE application_name = $1",
      [`${app}-delivery`],
    );
    assert.ok(Number(delivery.rows[0]?.n) >= 1, "no connection from the delivery thread");
    const counted = await pg.pool.query("SELECT COUNT(*)::int AS n FROM messages");
    assert.equal(counted.rows[0]?.n, 3);
    await engine.auth.recordAudit("engine", "key.rotate");
    const versions = await pg.pool.query("SELECT content_hash, source FROM runtime_config_versions");
    assert.deepEqual(
      versions.rows.map((r) => r.source),
      ["boot"],
    );
    const bundles = await pg.pool.query("SELECT content_hash FROM runtime_config_bundles");
    assert.equal(bundles.rows[0]?.content_hash, versions.rows[0]?.content_hash);
    assert.equal((await engine.auth.verifyAudit()).ok, true);
    const head = await pg.pool.query("SELECT seq FROM auth_audit_head");
    assert.ok(Number(head.rows[0]?.seq) >= 1);
  });

  it("refuses to start without MEFOR_CONFIG_KEY and says how to make one", async () => {
    await assert.rejects(open({ processEnv: {} }), (err: unknown) => {
      assert.ok(err instanceof EngineStartError, String(err));
      assert.match(err.message, /MEFOR_CONFIG_KEY is not set/);
      assert.match(err.message, /messagefoundry key generate/);
      return true;
    });
  });

  it("a promoted bundle lives in the database: another engine (a standby) runs it from there", async () => {
    engine = await open();
    const api = engineServices(engine);
    const staged = await api.config.stage({ ...configFiles("r_promoted") }, "tester");
    await api.config.promote(staged.stageId, "tester");
    await engine.stop();
    engine = undefined;
    // A different machine: a fresh local folder; the same --config dir and key.
    engine = await open();
    assert.deepEqual(
      names(engine).filter((n) => n.startsWith("r_")),
      ["r_promoted"],
    );
  });

  it("a database writer cannot get code loaded: an altered bundle row is refused", async () => {
    engine = await open();
    const api = engineServices(engine);
    const staged = await api.config.stage({ ...configFiles("r_two") }, "tester");
    await api.config.promote(staged.stageId, "tester");
    const [v1] = (await api.config.history()).filter((v) => v.versionId === "v1");
    assert.ok(v1);
    // Someone with write access to the database swaps in their own code under v1's hash …
    const evil = { ...configFiles("r_evil"), "evil.ts": "globalThis.pwned = true;\n" };
    await pg.pool.query("UPDATE runtime_config_bundles SET files = $1 WHERE content_hash = $2", [
      canonicalJson(evil),
      v1.contentHash,
    ]);
    await assert.rejects(api.config.rollback("v1", "tester"), (err: unknown) => {
      assert.ok(isCode("CONFIG_TAMPERED")(err), String(err));
      assert.match((err as Error).message, /MAC does not verify under MEFOR_CONFIG_KEY/);
      return true;
    });
    assert.deepEqual(
      names(engine).filter((n) => n.startsWith("r_")),
      ["r_two"],
    );
    // … or recomputes the content hash too: still no key, still refused.
    const hash = hashBundle(evil);
    const forgedMac = createHmac("sha256", randomBytes(32)).update(hash).digest("hex");
    await pg.pool.query(
      "INSERT INTO runtime_config_bundles (content_hash, files, mac, created_at) VALUES ($1, $2, $3, 0)",
      [hash, canonicalJson(evil), forgedMac],
    );
    await pg.pool.query(
      "INSERT INTO runtime_config_versions (content_hash, source, actor, at) VALUES ($1, 'promote', 'mallory', 0)",
      [hash],
    );
    await engine.stop();
    engine = undefined;
    await pg.pool.query(
      "INSERT INTO runtime_kv (key, value) VALUES ('config.bootHash', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      [hashBundle(configFiles("r_boot"))],
    );
    await assert.rejects(open(), (err: unknown) => {
      assert.ok(err instanceof EngineStartError, String(err));
      assert.match(err.message, /failed its check in the database: its MAC does not verify/);
      return true;
    });
    // An unsigned record (no MAC at all) is refused the same way.
    await pg.pool.query("UPDATE runtime_config_bundles SET mac = '' WHERE content_hash = $1", [hash]);
    await assert.rejects(open(), /MAC does not verify/);
  });

  it("the runtime tables have the same names and columns as on SQLite, and a newer schema is refused", async () => {
    const lite = tempDir();
    try {
      const sqlite = await openRuntimeStore(
        { backend: "sqlite", path: join(lite.dir, "engine.db") },
        { codec: plainCodec() },
      );
      const postgres = await openRuntimeStore(store(), { codec: plainCodec() });
      try {
        if (sqlite.kind !== "sqlite") throw new Error("expected sqlite");
        for (const table of [
          "runtime_config_versions",
          "runtime_kv",
          "runtime_config_bundles",
          "runtime_schema_version",
        ]) {
          const pgColumns = await pg.pool.query<{ column_name: string }>(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY column_name",
            [table],
          );
          const liteColumns = sqlite.store.db
            .prepare(`SELECT name FROM pragma_table_info('${table}') ORDER BY name`)
            .pluck()
            .all();
          assert.deepEqual(
            pgColumns.rows.map((r) => r.column_name),
            liteColumns,
            table,
          );
        }
        const seq = await pg.pool.query(
          "SELECT pg_get_serial_sequence('runtime_config_versions', 'seq') AS s",
        );
        assert.ok(seq.rows[0]?.s);
      } finally {
        await sqlite.close();
        await postgres.close();
      }
      await pg.pool.query("INSERT INTO runtime_schema_version (version, applied_at) VALUES (99, 'later')");
      await assert.rejects(
        openRuntimeStore(store(), { codec: plainCodec() }),
        /runtime schema is version 99.*upgrade the engine/,
      );
    } finally {
      lite.cleanup();
    }
  });

  function configFiles(name: string): Record<string, string> {
    return {
      "routes.ts": ROUTES(name),
      "environments/test.toml": `in_port = ${inPort}\nsink_port = ${sink.port}\n`,
    };
  }
});
