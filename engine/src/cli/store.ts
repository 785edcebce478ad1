/**
 * `messagefoundry store copy --from-db FILE --settings engine.toml`: moves a pilot's SQLite store to
 * the PostgreSQL named by the settings file (password from MEFOR_STORE_PASSWORD, or PostgreSQL's own
 * PGPASSWORD / ~/.pgpass). The work is `copyStore` (store-copy.ts); this is its command line: a
 * progress line on a terminal, one JSON object per line otherwise.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Command } from "commander";
import { parse as parseToml, TomlError } from "smol-toml";
import type { PgConnectionOptions } from "../store/index.js";
import { type CliIo, EXIT, UserError } from "./io.js";
import { type CopyProgress, copyStore, StoreCopyError } from "./store-copy.js";

export function register(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const cmd = program.command("store").description("The engine's message store.");
  cmd
    .command("copy")
    .description("Copy a pilot's SQLite store into the (empty) PostgreSQL of a settings file")
    .requiredOption("--from-db <file>", "the pilot's SQLite database (stop its engine first)")
    .requiredOption("--settings <file>", "engine.toml whose [store] names the PostgreSQL database")
    .action(async (opts: { fromDb: string; settings: string }) => {
      const from = resolve(io.cwd, opts.fromDb);
      if (!existsSync(from)) throw new UserError(`database not found: ${opts.fromDb}`);
      const target = postgresSettings(resolve(io.cwd, opts.settings), io.env);
      const progress = progressPrinter(io, process.stderr.isTTY === true);
      try {
        await copyStore(from, target, progress);
      } catch (error) {
        if (error instanceof StoreCopyError) throw new UserError(error.message, EXIT.FAILED);
        throw new UserError(
          `store copy failed (nothing was copied): ${(error as Error).message}`,
          EXIT.FAILED,
        );
      }
      setExit(EXIT.OK);
    });
}

/** On a terminal: one line rewritten in place (stderr). Otherwise: JSON lines on stdout, for scripts. */
function progressPrinter(io: CliIo, tty: boolean): (p: CopyProgress) => void {
  if (!tty) return (p) => io.out(`${JSON.stringify(p)}\n`);
  return (p) => {
    if (p.phase === "table") io.err(`\rcopying ${p.table}: ${p.copied}/${p.total} rows\u001b[K`);
    else if (p.phase === "skipped") io.err(`\rskipped ${p.table}: ${p.reason}\u001b[K\n`);
    else {
      const total = Object.values(p.tables).reduce((a, b) => a + b, 0);
      io.err(
        `\rcopied ${total} rows in ${Object.keys(p.tables).length} tables; counts verified; ${p.requeued} claimed rows re-queued\u001b[K\n`,
      );
    }
  };
}

const PG_KEYS = new Set([
  "backend",
  "host",
  "port",
  "database",
  "user",
  "schema",
  "pool_size",
  "ssl",
  "path",
]);

/**
 * The PostgreSQL of the settings file's `[store]` (a minimal reading of engine.toml until runtime-state's
 * `loadEngineSettings` merges; then this calls it). The password comes only from the environment.
 */
function postgresSettings(file: string, env: CliIo["env"]): PgConnectionOptions {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(readFileSync(file, "utf8")) as Record<string, unknown>;
  } catch (error) {
    const at = error instanceof TomlError ? `:${error.line}:${error.column}` : "";
    throw new UserError(`${file}${at}: ${(error as Error).message}`);
  }
  const store = (doc.store ?? {}) as Record<string, unknown>;
  const fail = (what: string): never => {
    throw new UserError(`${file}: [store] ${what}`);
  };
  if (store.backend !== "postgres") fail('backend must be "postgres" for store copy (the target)');
  for (const key of Object.keys(store)) if (!PG_KEYS.has(key)) fail(`unknown key ${key}`);
  const o: PgConnectionOptions = {};
  const text = (key: "host" | "database" | "user" | "schema") => {
    const v = store[key];
    if (v === undefined) return;
    if (typeof v !== "string") fail(`${key} must be a string`);
    o[key] = v as string;
  };
  text("host");
  text("database");
  text("user");
  text("schema");
  if (store.port !== undefined) {
    if (!Number.isInteger(store.port)) fail("port must be an integer");
    o.port = store.port as number;
  }
  const ssl = store.ssl as Record<string, unknown> | undefined;
  if (ssl !== undefined && ssl.mode !== "disable") {
    const ca = typeof ssl.ca === "string" ? readFileSync(resolve(dirname(file), ssl.ca), "utf8") : undefined;
    o.ssl = {
      rejectUnauthorized: ssl.mode !== "require",
      ...(ca !== undefined ? { ca } : {}),
      ...(ssl.mode === "verify-ca" ? { skipHostnameCheck: true } : {}),
    };
  }
  if (env.MEFOR_STORE_PASSWORD) o.password = env.MEFOR_STORE_PASSWORD;
  return o;
}
