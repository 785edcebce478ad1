/**
 * The core of `messagefoundry store copy`: a pilot's SQLite store moves to PostgreSQL with its users,
 * audit chain, message history and rows in flight. Rows are copied exactly as stored: ciphertexts are
 * bound to `table:id` (their associated data), so ids are kept and nothing is decrypted or needs a key.
 *
 * Tables come from the source's schema; each must exist in the target after its migrations ran (both
 * dialects use the same table and column names); only an empty one may be missing there. One snapshot of the source
 * (a read transaction), one transaction on the target: a failed copy leaves the target as it was.
 * Then the target's id sequences are moved past the copied ids, and the counts are compared.
 */
import Database from "better-sqlite3";
import pg from "pg";
import { openRuntimeStore, type RuntimeStore } from "../runtime/index.js";
import { type BodyCodec, type PgConnectionOptions, pgPoolConfig, pgSchema } from "../store/index.js";

/** What the copy reports as it goes (the CLI prints a line on a terminal, JSON lines otherwise). */
export type CopyProgress =
  | { phase: "table"; table: string; copied: number; total: number }
  | { phase: "skipped"; table: string; reason: string }
  /** `requeued`: rows the pilot held claimed, made pending again for the new engine. */
  | { phase: "done"; tables: Record<string, number>; requeued: number };

export class StoreCopyError extends Error {
  override name = "StoreCopyError";
}

/** Tables never copied: each store's own schema bookkeeping, SQLite's id counter (becomes sequences). */
const NOT_COPIED = /^(sqlite_.*|id_seq|.*_schema_version)$/;

/**
 * Tables a fresh target already has rows in (seeded by its migrations): the copy replaces those rows,
 * and the target counts as empty while they hold only the seed.
 */
const SEEDED: Readonly<Record<string, string>> = {
  // The audit head starts at the genesis entry (seq 0).
  auth_audit_head: "seq > 0",
};

/** Rows per INSERT (bounded by PostgreSQL's 65,535 parameters per statement). */
const BATCH_ROWS = 500;

export interface CopyOptions {
  /** Rows per INSERT statement (default 500). */
  batchRows?: number;
  /** Creates the target's tables (default `migrateTarget`: the store's migrations). */
  migrate?: (target: PgConnectionOptions) => Promise<void>;
}

/**
 * Copies the SQLite store at `fromPath` into the (empty) PostgreSQL of `target`. Throws
 * StoreCopyError with what to do when the target is not empty or a table does not fit.
 * Returns the rows copied per table.
 */
export async function copyStore(
  fromPath: string,
  target: PgConnectionOptions,
  progress: (p: CopyProgress) => void = () => undefined,
  options: CopyOptions = {},
): Promise<Record<string, number>> {
  const source = openSource(fromPath);
  try {
    await (options.migrate ?? migrateTarget)(target);
    const client = new pg.Client(
      pgPoolConfig({ ...target, applicationName: target.applicationName ?? "messagefoundry-store-copy" }),
    );
    // A connection the server drops emits 'error' besides failing the query in flight; unheard, that
    // event would end the process instead of failing the copy with what to do.
    let lost: Error | undefined;
    client.on("error", (error) => {
      lost = error;
    });
    await client.connect();
    let copied: Record<string, number>;
    try {
      copied = await copyInto(source, client, pgSchema(target), options.batchRows ?? BATCH_ROWS, progress);
    } catch (error) {
      if (lost)
        throw new StoreCopyError(
          `lost the connection to PostgreSQL during the copy (${lost.message}); the copy runs in one ` +
            "transaction, so nothing of it was committed: run it again once the server is back",
        );
      throw error;
    } finally {
      if (!lost) await client.end();
    }
    const requeued = await requeueClaims(target);
    progress({ phase: "done", tables: copied, requeued });
    return copied;
  } finally {
    source.close();
  }
}

/**
 * The target's runtime store (message store, auth and runtime tables: opening runs every migration),
 * with a codec that refuses to work: the copy reads and writes no body, and this proves it.
 */
function openTarget(target: PgConnectionOptions): Promise<RuntimeStore> {
  const refuse = (): never => {
    throw new StoreCopyError("store copy never encodes or decodes a body");
  };
  const codec: BodyCodec = { encrypted: true, encode: refuse, decode: refuse, isStale: refuse };
  return openRuntimeStore(
    { backend: "postgres", pg: target },
    { codec, applicationName: "messagefoundry-store-copy" },
  );
}

/**
 * Rows the pilot had claimed (it was stopped, or crashed, mid-batch) go back to pending, so the engine
 * on PostgreSQL takes them at once instead of waiting out leases of up to minutes.
 */
async function requeueClaims(target: PgConnectionOptions): Promise<number> {
  const runtime = await openTarget(target);
  try {
    return await runtime.store.recoverLeases({ all: true });
  } finally {
    await runtime.close();
  }
}

function openSource(path: string): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    db.prepare("SELECT 1 FROM sqlite_master").get(); // a file that is not SQLite fails here
  } catch (error) {
    throw new StoreCopyError(`cannot open the SQLite store ${path}: ${(error as Error).message}`);
  }
  if (!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'messages'").get()) {
    db.close();
    throw new StoreCopyError(
      `${path} is not a MessageFoundry store (it has no messages table); give the engine's --db file`,
    );
  }
  return db;
}

/** Opening the target's runtime store creates its schema and every table (store, auth, runtime). */
export async function migrateTarget(target: PgConnectionOptions): Promise<void> {
  await (await openTarget(target)).close();
}

interface TablePlan {
  table: string;
  columns: string[];
  rows: number;
}

async function copyInto(
  source: Database.Database,
  client: pg.Client,
  schema: string,
  batchRows: number,
  progress: (p: CopyProgress) => void,
): Promise<Record<string, number>> {
  const targetColumns = await columnsOf(client, schema);
  // One snapshot of the source for the whole copy (a pilot engine left running cannot tear it).
  source.exec("BEGIN");
  try {
    const plans: TablePlan[] = [];
    for (const table of sourceTables(source)) {
      const have = targetColumns.get(table);
      const rows = source
        .prepare(`SELECT count(*) FROM ${quoteIdent(table)}`)
        .pluck()
        .get() as number;
      if (!have) {
        // Users and the audit log must never be left behind unnoticed: only an empty table may be.
        if (rows > 0)
          throw new StoreCopyError(
            `table ${table} (${rows} rows) has no counterpart in the target database; ` +
              "use an engine whose migrations create it (nothing was copied)",
          );
        progress({ phase: "skipped", table, reason: "empty, and not in the target database" });
        continue;
      }
      const columns = (source.pragma(`table_info(${quoteIdent(table)})`) as { name: string }[]).map(
        (c) => c.name,
      );
      const missing = columns.filter((c) => !have.has(c));
      if (missing.length > 0)
        throw new StoreCopyError(
          `table ${table}: the target has no column ${missing.join(", ")}; upgrade the engine whose migrations created the target`,
        );
      plans.push({ table, columns, rows });
    }
    await orderByForeignKeys(client, schema, plans);
    await client.query("BEGIN");
    try {
      await refuseNonEmpty(client, plans);
      const copied: Record<string, number> = {};
      for (const plan of plans)
        copied[plan.table] = await copyTable(source, client, plan, progress, batchRows);
      await resetSequences(client, source, plans);
      await verifyCounts(client, plans);
      await client.query("COMMIT");
      return copied;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    }
  } finally {
    source.exec("COMMIT");
  }
}

/** Sorts `plans` so that a table comes after every table its foreign keys reference (in the target). */
async function orderByForeignKeys(client: pg.Client, schema: string, plans: TablePlan[]): Promise<void> {
  const r = await client.query<{ child: string; parent: string }>(
    `SELECT c.relname AS child, p.relname AS parent FROM pg_constraint k
       JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid
       JOIN pg_namespace n ON n.oid = k.connamespace
     WHERE k.contype = 'f' AND n.nspname = $1 AND c.oid <> p.oid`,
    [schema],
  );
  const parents = new Map<string, string[]>();
  for (const { child, parent } of r.rows) parents.set(child, [...(parents.get(child) ?? []), parent]);
  const byName = new Map(plans.map((p) => [p.table, p]));
  const ordered: TablePlan[] = [];
  const placed = new Set<string>();
  const place = (table: string, path: Set<string>) => {
    if (placed.has(table) || path.has(table)) return; // a cycle is left in name order
    path.add(table);
    for (const parent of parents.get(table) ?? []) place(parent, path);
    const plan = byName.get(table);
    if (plan) ordered.push(plan);
    placed.add(table);
  };
  for (const p of plans) place(p.table, new Set());
  plans.splice(0, plans.length, ...ordered);
}

function sourceTables(source: Database.Database): string[] {
  const names = source
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .pluck()
    .all() as string[];
  return names.filter((n) => !NOT_COPIED.test(n));
}

/** Column names per table of the target schema. */
async function columnsOf(client: pg.Client, schema: string): Promise<Map<string, Set<string>>> {
  const r = await client.query<{ table_name: string; column_name: string }>(
    "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = $1",
    [schema],
  );
  const out = new Map<string, Set<string>>();
  for (const { table_name, column_name } of r.rows) {
    let set = out.get(table_name);
    if (!set) {
      set = new Set();
      out.set(table_name, set);
    }
    set.add(column_name);
  }
  return out;
}

async function refuseNonEmpty(client: pg.Client, plans: TablePlan[]): Promise<void> {
  const full: string[] = [];
  for (const { table } of plans) {
    const where = SEEDED[table] ? ` WHERE ${SEEDED[table]}` : "";
    const r = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${quoteIdent(table)}${where}`);
    const n = Number(r.rows[0]?.n ?? 0);
    if (n > 0) full.push(`${table} (${n} rows)`);
  }
  if (full.length > 0)
    throw new StoreCopyError(
      `the target database is not empty: ${full.join(", ")}. store copy only fills a new, empty database; ` +
        "point [store] at a fresh database or schema",
    );
}

async function copyTable(
  source: Database.Database,
  client: pg.Client,
  plan: TablePlan,
  progress: (p: CopyProgress) => void,
  batchRows: number,
): Promise<number> {
  const { table, columns, rows: total } = plan;
  // A table seeded by the migrations holds only its seed (refuseNonEmpty checked): the source's rows replace it.
  if (SEEDED[table] && total > 0)
    await withoutTriggers(client, table, () => client.query(`DELETE FROM ${quoteIdent(table)}`));
  const perStatement = Math.max(1, Math.min(batchRows, Math.floor(60_000 / columns.length)));
  // Integers as bigint (sent as text): ids and epoch-ms times arrive exactly, whatever their size.
  const select = source
    .prepare(`SELECT ${columns.map(quoteIdent).join(", ")} FROM ${quoteIdent(table)}`)
    .raw()
    .safeIntegers();
  let batch: unknown[][] = [];
  let copied = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await withoutTriggers(client, table, () => insertRows(client, table, columns, batch));
    copied += batch.length;
    batch = [];
    progress({ phase: "table", table, copied, total });
  };
  for (const row of select.iterate() as Iterable<unknown[]>) {
    batch.push(row);
    if (batch.length >= perStatement) await flush();
  }
  await flush();
  if (total === 0) progress({ phase: "table", table, copied: 0, total: 0 });
  return copied;
}

/**
 * Runs `fn` with the table's own triggers off: the target's append-only guards (the audit log and
 * its head move forward one entry at a time) would refuse a bulk copy of an existing chain. The
 * engine's database user owns its tables, so it may; DDL is transactional, so a failure restores them.
 */
async function withoutTriggers<T>(client: pg.Client, table: string, fn: () => Promise<T>): Promise<T> {
  const r = await client.query("SELECT 1 FROM pg_trigger WHERE tgrelid = $1::regclass AND NOT tgisinternal", [
    table,
  ]);
  if (r.rowCount === 0) return fn();
  await client.query(`ALTER TABLE ${quoteIdent(table)} DISABLE TRIGGER USER`);
  const out = await fn();
  await client.query(`ALTER TABLE ${quoteIdent(table)} ENABLE TRIGGER USER`);
  return out;
}

async function insertRows(
  client: pg.Client,
  table: string,
  columns: string[],
  rows: unknown[][],
): Promise<void> {
  const values: unknown[] = [];
  const tuples = rows.map((row) => {
    const marks = row.map((v) => {
      values.push(typeof v === "bigint" ? v.toString() : v);
      return `$${values.length}`;
    });
    return `(${marks.join(", ")})`;
  });
  await client.query(
    `INSERT INTO ${quoteIdent(table)} (${columns.map(quoteIdent).join(", ")}) VALUES ${tuples.join(", ")}`,
    values,
  );
}

/**
 * Moves every sequence owned by a copied table's columns (`pg_get_serial_sequence`, plus today's
 * `<table>_id_seq` naming) past the highest copied value, and past SQLite's own counter (`id_seq`):
 * ids of purged messages are never handed out again (an audit entry may still name them).
 */
async function resetSequences(
  client: pg.Client,
  source: Database.Database,
  plans: TablePlan[],
): Promise<void> {
  const counters = new Map<string, number>();
  const hasIdSeq = source
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'id_seq'")
    .get();
  if (hasIdSeq)
    for (const r of source.prepare("SELECT name, last FROM id_seq").all() as { name: string; last: number }[])
      counters.set(r.name, Number(r.last));
  for (const { table, columns } of plans) {
    for (const column of columns) {
      const r = await client.query<{ seq: string | null }>(
        `SELECT coalesce(pg_get_serial_sequence($1, $2),
                CASE WHEN $2 = 'id' THEN to_regclass($1 || '_id_seq')::text END) AS seq`,
        [table, column],
      );
      const seq = r.rows[0]?.seq;
      if (!seq) continue;
      const max = await client.query<{ m: string | null }>(
        `SELECT max(${quoteIdent(column)})::text AS m FROM ${quoteIdent(table)}`,
      );
      const floor = column === "id" ? (counters.get(table) ?? 0) : 0;
      const next = Math.max(Number(max.rows[0]?.m ?? 0), floor);
      if (next > 0) await client.query("SELECT setval($1::regclass, $2, true)", [seq, next]);
    }
  }
}

async function verifyCounts(client: pg.Client, plans: TablePlan[]): Promise<void> {
  for (const { table, rows } of plans) {
    const r = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${quoteIdent(table)}`);
    const n = Number(r.rows[0]?.n ?? 0);
    if (n !== rows)
      throw new StoreCopyError(`table ${table}: ${rows} rows in the source but ${n} in the target`);
  }
}

/** A table or column name from the source's schema, quoted for both dialects. */
function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
