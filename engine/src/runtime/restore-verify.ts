/**
 * `restore-verify`: proves a backup is usable before anyone needs it. On SQLite the backup file is
 * copied into a private temporary folder and only the copy is opened (the file named and the live
 * engine are never touched); on PostgreSQL the restored database named by the settings is opened.
 * Checked: the schema versions of each part (store, auth, runtime) — present, and not newer than
 * this engine reads; the audit hash chain; and that stored bodies and sealed texts decrypt with the
 * current key (every body counted, a spread sample decrypted).
 */
import { randomInt } from "node:crypto";
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { type AuditVerification, auditVerify } from "../auth/index.js";
import { type BodyCodec, type BodyRecoder, pgPoolConfig } from "../store/index.js";
import { openRuntimeStore } from "./runtime-store.js";
import type { StoreSettings } from "./settings.js";

/** The version tables of the parts that share the database. */
export const SCHEMA_PARTS = {
  store: "store_schema_version",
  auth: "auth_schema_version",
  runtime: "runtime_schema_version",
} as const;
export type SchemaPart = keyof typeof SCHEMA_PARTS;
export type SchemaVersions = Record<SchemaPart, number | null>;

export interface BodyCheck {
  /** Every stored body and sealed text. */
  count: number;
  /** Texts stored in the clear by design (history details made of config names and numbers). */
  plainTexts: number;
  /** How many of them were decrypted. */
  sampled: number;
  failed: number;
  /** Row identities (`messages:42`) of the first failures: ids only, never content. */
  failures: string[];
}

export interface RestoreReport {
  ok: boolean;
  backend: "sqlite" | "postgres";
  /** The versions found in the backup (null: the part's tables are missing). */
  schema: SchemaVersions;
  /** True when opening brought an older schema up to date (PostgreSQL: in the restored database). */
  migrated: boolean;
  audit: AuditVerification | null;
  bodies: BodyCheck | null;
  problems: string[];
}

export interface RestoreVerifyOptions {
  codec: BodyCodec;
  /** How many bodies to decrypt, a uniform random sample of all (default 1000); Infinity: every one. */
  sample?: number;
}

/** Keeps a uniform random sample of `size` items from a stream of unknown length (Algorithm R). */
export class Reservoir<T> {
  readonly items: T[] = [];
  seen = 0;
  constructor(readonly size: number) {}
  offer(item: T): void {
    const i = this.seen++;
    if (i < this.size) this.items.push(item);
    else {
      const j = randomInt(0, i + 1);
      if (j < this.size) this.items[j] = item;
    }
  }
}

const TEXT_AAD = /:(detail|error)$/;

async function checkBodies(store: BodyRecoder, opts: RestoreVerifyOptions): Promise<BodyCheck> {
  const size = opts.sample ?? 1000;
  const check: BodyCheck = { count: 0, plainTexts: 0, sampled: 0, failed: 0, failures: [] };
  const decode = (stored: Buffer, aad: string) => {
    check.sampled++;
    try {
      opts.codec.decode(stored, aad);
    } catch {
      check.failed++;
      check.failures.push(aad);
    }
  };
  // Every body: decrypted as it streams by; a sample: kept (as references) and decrypted at the end.
  const sample = new Reservoir<{ stored: Buffer; aad: string }>(Number.isFinite(size) ? size : 0);
  let cursor: string | undefined;
  do {
    cursor = await store.recodeBodies(cursor, 500, (stored, aad) => {
      check.count++;
      // Texts come in the pass-through layout (0x00 first) when stored as is: the history details
      // the engine composes from names and numbers only (store README). Bodies never are.
      if (stored[0] === 0 && TEXT_AAD.test(aad)) {
        check.plainTexts++;
        return undefined;
      }
      if (Number.isFinite(size)) sample.offer({ stored, aad });
      else decode(stored, aad);
      return undefined;
    });
  } while (cursor !== undefined);
  for (const { stored, aad } of sample.items) decode(stored, aad);
  check.failures = check.failures.sort((a, b) => a.localeCompare(b, "en", { numeric: true })).slice(0, 10);
  return check;
}

function sqliteVersions(file: string): SchemaVersions {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const out = {} as SchemaVersions;
    for (const [part, table] of Object.entries(SCHEMA_PARTS) as [SchemaPart, string][]) {
      const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table);
      out[part] = exists
        ? ((db.prepare(`SELECT max(version) AS v FROM ${table}`).get() as { v: number | null }).v ?? null)
        : null;
    }
    return out;
  } finally {
    db.close();
  }
}

async function pgVersions(
  settings: Extract<StoreSettings, { backend: "postgres" }>,
): Promise<SchemaVersions> {
  const pool = new pg.Pool(pgPoolConfig({ ...settings.pg, poolSize: 1 }));
  pool.on("error", () => undefined);
  try {
    const out = {} as SchemaVersions;
    for (const [part, table] of Object.entries(SCHEMA_PARTS) as [SchemaPart, string][]) {
      const exists = await pool.query<{ t: string | null }>("SELECT to_regclass($1)::text AS t", [table]);
      out[part] = exists.rows[0]?.t
        ? ((await pool.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${table}`)).rows[0]?.v ??
          null)
        : null;
    }
    return out;
  } finally {
    await pool.end();
  }
}

const differ = (a: SchemaVersions, b: SchemaVersions) =>
  (Object.keys(SCHEMA_PARTS) as SchemaPart[]).some((p) => a[p] !== b[p]);

async function verifyOpened(
  settings: StoreSettings,
  versionsOf: () => Promise<SchemaVersions>,
  opts: RestoreVerifyOptions,
): Promise<RestoreReport> {
  const schema = await versionsOf();
  const report: RestoreReport = {
    ok: false,
    backend: settings.backend,
    schema,
    migrated: false,
    audit: null,
    bodies: null,
    problems: [],
  };
  for (const [part, v] of Object.entries(schema)) {
    if (v === null) report.problems.push(`no ${part} tables (${SCHEMA_PARTS[part as SchemaPart]} missing)`);
  }
  if (report.problems.length > 0) return report;
  let runtime: Awaited<ReturnType<typeof openRuntimeStore>>;
  try {
    // Refuses a schema newer than this engine (StoreSchemaError and its peers); migrates an older one.
    runtime = await openRuntimeStore(settings, {
      codec: opts.codec,
      applicationName: "messagefoundry-restore-verify",
      ...(settings.backend === "sqlite" ? { sqlite: { autoCheckpoint: true } } : {}),
    });
  } catch (error) {
    report.problems.push(`cannot open: ${(error as Error).message}`);
    return report;
  }
  try {
    report.audit = await auditVerify(runtime.auth);
    if (!report.audit.ok)
      report.problems.push(`audit chain broken at entry ${report.audit.firstBad}: ${report.audit.reason}`);
    report.bodies = await checkBodies(runtime.store, opts);
    if (report.bodies.failed > 0)
      report.problems.push(
        `${report.bodies.failed} of ${report.bodies.sampled} sampled bodies do not decrypt with the current key ` +
          `(first: ${report.bodies.failures.join(", ")})`,
      );
  } finally {
    await runtime.close();
  }
  report.migrated = differ(schema, await versionsOf());
  report.ok = report.problems.length === 0;
  return report;
}

/** Verifies a SQLite backup file through a private temporary copy (removed afterwards). */
export async function verifySqliteBackup(file: string, opts: RestoreVerifyOptions): Promise<RestoreReport> {
  const dir = mkdtempSync(join(tmpdir(), "mf-restore-verify-"));
  try {
    const copy = join(dir, "restore.db");
    copyFileSync(file, copy);
    // A copy taken by hand from a stopped engine may still have its WAL beside it.
    if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${copy}-wal`);
    return await verifyOpened({ backend: "sqlite", path: copy }, async () => sqliteVersions(copy), opts);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Verifies a database restored into PostgreSQL (the schema `settings` name). */
export function verifyPgRestore(
  settings: Extract<StoreSettings, { backend: "postgres" }>,
  opts: RestoreVerifyOptions,
): Promise<RestoreReport> {
  return verifyOpened(settings, () => pgVersions(settings), opts);
}
