/**
 * Database connector throughput through the engine: N rows in a source table → database source (high-
 * water mark, one message per row) → engine (SQLite store, plain codec) → handler → database destination
 * (one named INSERT per message, one transaction each) → a target table. Times from engine start until
 * the target holds N rows; CPU is this process's (the engine runs in-process; the servers do not count).
 *
 * Run: node --conditions=source --import tsx bench/database/run.ts [--rows=2000] [--dialects=postgres,mysql]
 * Servers: MEFOR_TEST_PG / MEFOR_TEST_MYSQL, else the machine's (127.0.0.1:5432 postgres, 3306 root).
 */
import { join } from "node:path";
import { mariadbService, provideServices, stopServices, useService } from "@messagefoundry/test-services";
import { Engine } from "../../engine/src/runtime/index.js";
import { plainCodec } from "../../engine/src/store/index.js";
import { tempDir, until, writeFiles } from "../../engine/test/support/fixtures.js";
import {
  type DbFixture,
  dbFixture,
  serial,
  type TestDialect,
} from "../../engine/test/transports/database-helpers.js";

const ROWS = Number(process.argv.find((a) => a.startsWith("--rows="))?.slice(7) ?? 2000);
const DIALECTS = (process.argv.find((a) => a.startsWith("--dialects="))?.slice(11) ?? "postgres,mysql").split(
  ",",
) as TestDialect[];

async function once(dialect: TestDialect): Promise<void> {
  const db: DbFixture = await dbFixture(dialect);
  const t = tempDir("mf-bench-db-");
  try {
    await db.query(
      `CREATE TABLE ${db.t("src")} (id ${serial(dialect)}, mrn VARCHAR(20) NOT NULL, event VARCHAR(8) NOT NULL)`,
    );
    await db.query(
      `CREATE TABLE ${db.t("dst")} (seq ${serial(dialect)}, src_id BIGINT NOT NULL, mrn VARCHAR(20) NOT NULL, event VARCHAR(8) NOT NULL)`,
    );
    for (let i = 0; i < ROWS; i += 500) {
      const values = [];
      for (let j = i; j < Math.min(ROWS, i + 500); j++) values.push(`('MRN${j}', 'A01')`);
      await db.query(`INSERT INTO ${db.t("src")} (mrn, event) VALUES ${values.join(", ")}`);
    }
    const s = db.settings;
    const conn = `dialect: "${dialect}", host: "${s.host}", port: ${s.port}, database: "${s.database}", user: "${s.user}"${
      s.password ? `, password: env("bench_db_password")` : ""
    }`;
    writeFiles(join(t.dir, "config"), {
      "routes.ts": `
import { database, dbStatement, env, handler, inbound, outbound, router, send } from "messagefoundry";
inbound("IB_BENCH_DB", database({ ${conn}, query: "SELECT id, mrn, event FROM ${db.t("src")} WHERE id > :mark ORDER BY id LIMIT 500", markColumn: "id", markStart: "0", pollIntervalMs: 20 }), { router: "bench_router", contentType: "json" });
outbound("OB_BENCH_DB", database({ ${conn}, statements: { copy: "INSERT INTO ${db.t("dst")} (src_id, mrn, event) VALUES (:id, :mrn, :event)" } }));
router("bench_router", () => ["bench_handler"]);
handler("bench_handler", (msg) => {
  const r = msg.json() as { id: string | number; mrn: string; event: string };
  return send("OB_BENCH_DB", dbStatement("copy", { id: Number(r.id), mrn: r.mrn, event: r.event }));
});
`,
      "environments/bench.toml": "",
    });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const engine = await Engine.open({
      configDir: join(t.dir, "config"),
      dbPath: join(t.dir, "engine.db"),
      env: "bench",
      codec: plainCodec(),
      processEnv: s.password ? { MEFOR_VALUE_BENCH_DB_PASSWORD: s.password } : {},
    });
    let received = 0;
    await until(async () => {
      const [r] = await db.query<{ n: number | string }>(`SELECT count(*) AS n FROM ${db.t("dst")}`);
      received = Number(r?.n ?? 0);
      return received >= ROWS;
    }, 50);
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    await engine.stop();
    const perMsg = (cpu.user + cpu.system) / 1000 / ROWS;
    console.log(
      `database ${dialect}: ${ROWS} rows source → engine → destination in ${(ms / 1000).toFixed(2)} s = ${Math.round(
        (ROWS / ms) * 1000,
      )} msg/s; engine-process CPU ${perMsg.toFixed(2)} ms/msg`,
    );
  } finally {
    await db.cleanup();
    t.cleanup();
  }
}

await provideServices();
if (DIALECTS.includes("mysql")) await useService(mariadbService);
for (const d of DIALECTS) await once(d);
await stopServices();
