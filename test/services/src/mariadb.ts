/**
 * A MySQL/MariaDB server for the database connector tests, published as a URL without a database
 * (`mysql://root@127.0.0.1:3306`): each suite creates its own throwaway database and drops it. In order:
 * `MEFOR_TEST_MYSQL`; a server on 127.0.0.1:3306 that lets `root` in without a password; else the test's
 * own `mariadbd` (Debian's `mariadb-server`, installed when missing) with a fresh data folder in a temp
 * dir on a free port, stopped and removed after the tests. A server the machine runs is only connected to.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chownSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import mysql from "mysql2/promise";
import { aptInstall } from "./debian.js";
import { freePort } from "./net.js";
import type { Service } from "./service.js";

const run = promisify(execFile);
const MACHINE = "mysql://root@127.0.0.1:3306";

async function reachable(url: string): Promise<boolean> {
  let c: mysql.Connection | undefined;
  try {
    c = await mysql.createConnection({ uri: url, connectTimeout: 2_000 });
    await c.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await c?.end().catch(() => undefined);
  }
}

/** The first of the Debian paths that exists (the binaries are in /usr/sbin and /usr/bin). */
function binary(name: string): string | undefined {
  return ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"]
    .map((d) => join(d, name))
    .find((p) => existsSync(p));
}

async function waitUntilUp(url: string, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`mariadbd exited (${child.exitCode}):\n${log()}`);
    if (await reachable(url)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`mariadbd did not accept connections within 30 s:\n${log()}`);
}

export const mariadbService: Service = {
  name: "MariaDB",
  env: "MEFOR_TEST_MYSQL",
  async find() {
    return (await reachable(MACHINE))
      ? {
          value: MACHINE,
          said: "using the server on 127.0.0.1:3306 as root (set MEFOR_TEST_MYSQL to use another)",
        }
      : undefined;
  },
  async provide() {
    const server = await startMariadb();
    return {
      value: server.url,
      said: `no server on 127.0.0.1:3306; started mariadbd on 127.0.0.1:${server.port} (stopped and removed after the tests)`,
      stop: server.stop,
    };
  },
};

/**
 * The test's own mariadbd on a free port, its data in a fresh temp dir (removed by `stop`); root gets in
 * without a password. `extraArgs` go to mariadbd (e.g. `--ssl-cert=…` for a TLS test; files it reads must
 * be readable by the `mysql` user when run as root).
 */
export async function startMariadb(
  extraArgs: readonly string[] = [],
): Promise<{ url: string; port: number; stop: () => Promise<void> }> {
  if (binary("mariadbd") === undefined || binary("mariadb-install-db") === undefined)
    await aptInstall(["mariadb-server"]);
  const mariadbd = binary("mariadbd");
  const installDb = binary("mariadb-install-db");
  if (mariadbd === undefined || installDb === undefined)
    throw new Error("mariadb-server is installed but mariadbd / mariadb-install-db are not found");
  const dir = mkdtempSync(join(tmpdir(), `mefor-test-mariadb-${randomBytes(3).toString("hex")}-`));
  const datadir = join(dir, "data");
  const socket = join(dir, "mariadb.sock");
  const asRoot = process.getuid?.() === 0;
  // As root the server drops to the `mysql` user, which must own the folder.
  if (asRoot) chownMysql(dir);
  const user = asRoot ? ["--user=mysql"] : [];
  try {
    await run(
      installDb,
      ["--no-defaults", `--datadir=${datadir}`, ...user, "--auth-root-authentication-method=normal"],
      { maxBuffer: 16 << 20, timeout: 120_000 },
    );
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`mariadb-install-db failed: ${(err as Error).message}`);
  }
  const port = await freePort();
  let output = "";
  const child = spawn(
    mariadbd,
    [
      "--no-defaults",
      `--datadir=${datadir}`,
      `--port=${port}`,
      `--socket=${socket}`,
      "--bind-address=127.0.0.1",
      `--pid-file=${join(dir, "mariadb.pid")}`,
      ...user,
      ...extraArgs,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const keep = (b: Buffer) => {
    output = (output + b.toString()).slice(-8_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const url = `mysql://root@127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilUp(url, child, () => output);
  } catch (err) {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return { url, port, stop };
}

function chownMysql(dir: string): void {
  const id = (flag: string) => Number(execFileSync("id", [flag, "mysql"], { encoding: "utf8" }).trim());
  chownSync(dir, id("-u"), id("-g"));
}
