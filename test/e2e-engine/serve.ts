/** `messagefoundry serve` as a child process (from source, via tsx) for the kill -9 tests and the connector benches. */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("../../engine/src/cli/main.ts", import.meta.url));
/** The repository root: the child resolves tsx from here. */
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Where the engine keeps its store: a SQLite file, or the `[store]` of an engine.toml (PostgreSQL). */
export type ServedStore = string | { settings: string };

/**
 * Serves `<dir>/config` (environment `environment`) on the store `db` (a SQLite file, or
 * `{ settings }`: `serve --settings engine.toml`), encrypted with `key`.
 */
export function serve(
  dir: string,
  db: ServedStore,
  key: string,
  env: NodeJS.ProcessEnv = {},
  environment = "test",
): ChildProcess {
  return spawn(
    process.execPath,
    [
      "--conditions=source",
      "--import",
      "tsx",
      MAIN,
      "serve",
      "--config",
      join(dir, "config"),
      "--env",
      environment,
      ...(typeof db === "string" ? ["--db", db] : ["--settings", db.settings]),
      "--api-port",
      "0",
    ],
    {
      cwd: ROOT,
      env: { ...process.env, ...env, MEFOR_STORE_KEY: key },
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
}
