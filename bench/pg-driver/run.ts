/**
 * Which PostgreSQL driver for the store: node-postgres (`pg`, what engine/src/store/pg-store.ts uses)
 * against Postgres.js (`postgres`, which pipelines and prepares statements), on the two transaction
 * shapes that dominate the queue, at the store's batch size, on the machine's real PostgreSQL.
 *
 *   intake      16 messages (1 KB bodies) + 16 events + a counter bump, durable (synchronous_commit on);
 *               no result needed.
 *   completion  claim 16 rows (`FOR UPDATE SKIP LOCKED`, a result the next statements need), mark them
 *               done, 16 events, a counter bump; synchronous_commit off, as worker transactions run.
 *
 * Each driver runs each shape the way it does best:
 *   pg        as pg-store does: intake as ONE statement of data-modifying CTEs with binary parameters
 *             (atomic without BEGIN); completion as BEGIN + claim in one simple-protocol query, then the
 *             writes and COMMIT in a second (values inlined as literals, since `pg` does not pipeline).
 *   pg named  the same, with the intake statement named (prepared once per connection).
 *   postgres  intake as the same one CTE statement, prepared; completion in `sql.begin` with the claim
 *             awaited and the writes pipelined (`Promise.all`), prepared, binary-safe parameters.
 *
 * Reported per driver, shape and concurrency: transactions/s, messages/s, the client's CPU µs per
 * transaction (process.cpuUsage) and the server's (the backends' /proc CPU times; the server is local).
 *
 * Run: npm run bench -- pg-driver [--seconds=5] [--concurrency=1,8]
 */

import { randomBytes } from "node:crypto";
import { postgresUrl, provideServices, stopServices } from "@messagefoundry/test-services";
import pg from "pg";
import postgres from "postgres";
import { processCpuMs } from "../support/proc-cpu.js";

const SECONDS = Number(process.argv.find((a) => a.startsWith("--seconds="))?.slice(10) ?? 5);
const CONCURRENCY = (process.argv.find((a) => a.startsWith("--concurrency="))?.slice(14) ?? "1,8")
  .split(",")
  .map(Number);
const BATCH = 16;
const BODY = randomBytes(1024);

/** A backend's CPU so far; 0 once it has exited. */
function procCpuMs(pid: number): number {
  try {
    return processCpuMs(pid);
  } catch {
    return 0;
  }
}

const SCHEMA = `
CREATE TABLE drv_messages (id bigserial PRIMARY KEY, body bytea NOT NULL, state text NOT NULL, lane text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX drv_messages_new ON drv_messages (id) WHERE state = 'new';
CREATE TABLE drv_events (id bigserial PRIMARY KEY, message_id bigint NOT NULL, kind text NOT NULL,
  at timestamptz NOT NULL DEFAULT now());
CREATE TABLE drv_counters (name text PRIMARY KEY, n bigint NOT NULL);
INSERT INTO drv_counters VALUES ('received', 0), ('done', 0);
`;

/** The intake batch: one statement of data-modifying CTEs (as pg-store's intake). */
const INTAKE = `WITH m AS (
  INSERT INTO drv_messages (body, state, lane) SELECT b, 'new', l FROM unnest($1::bytea[], $2::text[]) AS t(b, l)
  RETURNING id
), e AS (INSERT INTO drv_events (message_id, kind) SELECT id, 'received' FROM m)
UPDATE drv_counters SET n = n + $3 WHERE name = 'received'`;
const CLAIM = `SELECT id FROM drv_messages WHERE state = 'new' ORDER BY id LIMIT ${BATCH} FOR UPDATE SKIP LOCKED`;
const MARK_DONE = "UPDATE drv_messages SET state = 'done' WHERE id = ANY($1::bigint[])";
const EVENTS =
  "INSERT INTO drv_events (message_id, kind) SELECT id, 'delivered' FROM unnest($1::bigint[]) AS t(id)";
const COUNT_DONE = "UPDATE drv_counters SET n = n + $1 WHERE name = 'done'";

interface Driver {
  name: string;
  intake(): Promise<void>;
  /** Messages completed (0 when nothing was left to claim). */
  completion(): Promise<number>;
  close(): Promise<void>;
}

const bodies = () => Array.from({ length: BATCH }, () => BODY);
const lanes = () => Array.from({ length: BATCH }, (_, i) => `L${i % 4}`);

function pgDriver(url: string, pool: number, prepared = false): Driver {
  const p = new pg.Pool({ connectionString: url, max: pool });
  return {
    name: prepared ? "pg named" : "pg",
    async intake() {
      // A named statement is parsed and planned once per connection (pg's prepared statements).
      if (prepared) await p.query({ name: "drv_intake", text: INTAKE, values: [bodies(), lanes(), BATCH] });
      else await p.query(INTAKE, [bodies(), lanes(), BATCH]);
    },
    async completion() {
      const c = await p.connect();
      try {
        const r = (await c.query(
          `BEGIN; SET LOCAL synchronous_commit TO off; ${CLAIM}`,
        )) as unknown as pg.QueryResult[];
        const ids = (r[r.length - 1] as pg.QueryResult<{ id: string }>).rows.map((row) => row.id);
        const list = `'{${ids.join(",")}}'`;
        await c.query(
          [
            MARK_DONE.replace("$1", list),
            EVENTS.replace("$1", list),
            COUNT_DONE.replace("$1", String(ids.length)),
            "COMMIT",
          ].join(";\n"),
        );
        return ids.length;
      } catch (e) {
        await c.query("ROLLBACK").catch(() => undefined);
        throw e;
      } finally {
        c.release();
      }
    },
    close: () => p.end(),
  };
}

function postgresDriver(url: string, pool: number): Driver {
  const sql = postgres(url, { max: pool, prepare: true, onnotice: () => undefined });
  return {
    name: "postgres",
    async intake() {
      await sql.unsafe(INTAKE, [bodies(), lanes(), BATCH], { prepare: true });
    },
    async completion() {
      return sql.begin(async (tx) => {
        // The SET travels pipelined with the claim: one round trip, as pg's multi-statement query.
        const [, claimed] = await Promise.all([
          tx.unsafe("SET LOCAL synchronous_commit TO off"),
          tx.unsafe(CLAIM, [], { prepare: true }),
        ]);
        const ids = claimed.map((row) => String(row.id));
        await Promise.all([
          tx.unsafe(MARK_DONE, [ids], { prepare: true }),
          tx.unsafe(EVENTS, [ids], { prepare: true }),
          tx.unsafe(COUNT_DONE, [ids.length], { prepare: true }),
        ]);
        return ids.length;
      });
    },
    close: () => sql.end(),
  };
}

interface Result {
  driver: string;
  shape: string;
  concurrency: number;
  txPerSec: number;
  msgPerSec: number;
  clientUsPerTx: number;
  serverUsPerTx: number;
}

async function backendPids(admin: pg.Client, database: string): Promise<number[]> {
  const r = await admin.query<{ pid: number }>(
    "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
    [database],
  );
  return r.rows.map((row) => row.pid);
}

async function run(
  admin: pg.Client,
  db: pg.Client,
  database: string,
  driver: Driver,
  shape: "intake" | "completion",
  concurrency: number,
): Promise<Result> {
  const step =
    shape === "intake"
      ? async () => {
          await driver.intake();
          return BATCH;
        }
      : () => driver.completion();
  // Completions need rows to claim for the whole run: a backlog larger than a run can drain (small
  // bodies: the completion shape never reads them).
  if (shape === "completion") {
    await db.query("TRUNCATE drv_messages, drv_events");
    await db.query(
      "INSERT INTO drv_messages (body, state, lane) SELECT '\\x00', 'new', 'L' || (g % 4) FROM generate_series(1, $1) AS g",
      [SECONDS * 60_000],
    );
    await db.query("VACUUM ANALYZE drv_messages");
  }
  // Warm up: connections open, statements prepared, caches warm.
  await Promise.all(Array.from({ length: concurrency }, () => step()));
  const pids = await backendPids(admin, database);
  const server0 = pids.reduce((s, pid) => s + procCpuMs(pid), 0);
  const client0 = process.cpuUsage();
  const t0 = performance.now();
  const until = t0 + SECONDS * 1000;
  let txs = 0;
  let msgs = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const n = await step();
        msgs += n;
        txs++;
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  const client = process.cpuUsage(client0);
  const server = pids.reduce((s, pid) => s + procCpuMs(pid), 0) - server0;
  return {
    driver: driver.name,
    shape,
    concurrency,
    txPerSec: txs / secs,
    msgPerSec: msgs / secs,
    clientUsPerTx: (client.user + client.system) / txs,
    serverUsPerTx: (server * 1000) / txs,
  };
}

async function main(): Promise<void> {
  await provideServices();
  const base = new URL(postgresUrl());
  const admin = new pg.Client({ connectionString: base.href });
  await admin.connect();
  const database = `mf_drv_${randomBytes(5).toString("hex")}`;
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(base.href);
  url.pathname = `/${database}`;
  const results: Result[] = [];
  try {
    const db = new pg.Client({ connectionString: url.href });
    await db.connect();
    await db.query(SCHEMA);
    for (const concurrency of CONCURRENCY) {
      // Alternate the drivers so drift on a shared host falls on both.
      const pgNamed = (u: string, n: number) => pgDriver(u, n, true);
      for (const make of [pgDriver, pgNamed, postgresDriver, pgDriver, pgNamed, postgresDriver]) {
        const driver = make(url.href, concurrency);
        try {
          results.push(await run(admin, db, database, driver, "intake", concurrency));
          results.push(await run(admin, db, database, driver, "completion", concurrency));
        } finally {
          await driver.close();
        }
      }
    }
    await db.end();
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  }
  console.log(
    `\nPostgreSQL ${base.host}; ${BATCH} messages per transaction, ${SECONDS} s per run, each driver twice (alternating); best of two\n`,
  );
  console.log("| shape      | conc | driver   |    tx/s |  msg/s | client µs/tx | server µs/tx |");
  console.log("| ---------- | ---: | -------- | ------: | -----: | -----------: | -----------: |");
  for (const concurrency of CONCURRENCY) {
    for (const shape of ["intake", "completion"]) {
      for (const driver of ["pg", "pg named", "postgres"]) {
        const rows = results.filter(
          (r) => r.concurrency === concurrency && r.shape === shape && r.driver === driver,
        );
        const best = rows.reduce((a, b) => (b.txPerSec > a.txPerSec ? b : a));
        console.log(
          `| ${shape.padEnd(10)} | ${String(concurrency).padStart(4)} | ${driver.padEnd(8)} | ${best.txPerSec.toFixed(0).padStart(7)} | ${best.msgPerSec.toFixed(0).padStart(6)} | ${best.clientUsPerTx.toFixed(0).padStart(12)} | ${best.serverUsPerTx.toFixed(0).padStart(12)} |`,
        );
      }
    }
  }
}

try {
  await main();
} finally {
  await stopServices();
}
