/**
 * Crash test for the remote-file sources (sftp, ftp): `messagefoundry serve` polls a directory on the
 * test's own server, moving each file to `processed` after its commit, and is killed with SIGKILL
 * mid-stream. Every file already moved away must be in the store (a file is never moved before its
 * commit); after a restart every file is read and committed: nothing is lost (a file committed but not
 * yet moved when the engine died is read again — at-least-once).
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ftpServer, sftpServer } from "@messagefoundry/test-services";
import { aesGcmCodec, openSqliteStore, parseStoreKey } from "../../engine/src/store/index.js";
import { until } from "../../engine/test/support/fixtures.js";
import { serve } from "./serve.js";

const FILES = 300;

const routes = (conn: string) => `
import { env, ftp, inbound, router, sftp } from "messagefoundry";
inbound("IB_CRASH_FILES", ${conn}, { router: "crash_router" });
router("crash_router", () => []);
`;

function adt(id: string): string {
  return [
    `MSH|^~\\&|SENDER|FAC|RECEIVER|FAC|20260101120000||ADT^A01^ADT_A01|${id}|P|2.5.1`,
    "EVN|A01|20260101120000",
    `PID|1||${id}^^^MRN||TEST^PATIENT||19700101|U`,
  ].join("\r");
}

/** Control ids committed in the store (read after the engine died or stopped). */
async function committed(db: string, key: string): Promise<Set<string>> {
  const store = openSqliteStore({ path: db, codec: aesGcmCodec(parseStoreKey(key)) });
  const ids = new Set<string>();
  try {
    for (let before: number | undefined; ; ) {
      const page = await store.listMessages({
        limit: 500,
        ...(before !== undefined ? { beforeId: before } : {}),
      });
      if (page.length === 0) break;
      for (const m of page) ids.add(m.controlId ?? "");
      before = page[page.length - 1]?.id;
    }
  } finally {
    await store.close();
  }
  return ids;
}

const SOURCES = [
  {
    transport: "sftp",
    async setup(dir: string) {
      const s = await sftpServer();
      return {
        root: s.dir,
        conn: `sftp({ host: "127.0.0.1", port: ${s.port}, username: "${s.username}", password: env("remote_password"), hostKey: "${s.hostKey}", path: "${dir}", pollMs: 50 })`,
        password: s.password,
      };
    },
  },
  {
    transport: "ftp",
    async setup(dir: string) {
      const f = await ftpServer();
      return {
        root: f.dir,
        conn: `ftp({ host: "127.0.0.1", port: ${f.port}, username: "${f.username}", password: env("remote_password"), path: "${dir}", pollMs: 50 })`,
        password: f.password,
      };
    },
  },
];

for (const source of SOURCES) {
  describe(`e2e engine: kill -9 while reading from ${source.transport}`, function () {
    this.timeout(180_000);
    let dir: string;
    let inbox: string;
    const children: ChildProcess[] = [];
    before(async function () {
      this.timeout(600_000);
      await (source.transport === "sftp" ? sftpServer() : ftpServer());
    });
    afterEach(() => {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
      rmSync(inbox, { recursive: true, force: true });
    });

    it("no file is moved before its commit, and after a restart every file is committed", async () => {
      const root = source.transport === "sftp" ? (await sftpServer()).dir : (await ftpServer()).dir;
      inbox = join(root, `crash-${randomBytes(4).toString("hex")}`);
      mkdirSync(inbox);
      const { uid, gid } = statSync(root);
      chownSync(inbox, uid, gid);
      const ids = Array.from({ length: FILES }, (_, i) => `RC${String(i).padStart(5, "0")}`);
      for (const id of ids) writeFileSync(join(inbox, `${id}.hl7`), adt(id));

      const { conn, password } = await source.setup(inbox);
      dir = mkdtempSync(join(tmpdir(), "mf-remote-crash-"));
      mkdirSync(join(dir, "config", "environments"), { recursive: true });
      writeFileSync(join(dir, "config", "routes.ts"), routes(conn));
      writeFileSync(join(dir, "config", "environments", "test.toml"), "");
      const key = randomBytes(32).toString("base64");
      const db = join(dir, "engine.db");
      const env = { MEFOR_VALUE_REMOTE_PASSWORD: password };
      const processed = join(inbox, "processed");
      const moved = () => (existsSync(processed) ? readdirSync(processed) : []);

      const first = serve(dir, db, key, env);
      children.push(first);
      const firstExit = new Promise<NodeJS.Signals | null>((r) => first.on("exit", (_c, sig) => r(sig)));
      await until(() => {
        if (first.exitCode !== null) throw new Error(`serve exited with ${first.exitCode}`);
        return moved().length >= 40;
      }, 5);
      first.kill("SIGKILL");
      assert.equal(await firstExit, "SIGKILL");

      // Killed mid-stream: every file moved away was committed first.
      const movedAtCrash = moved().map((n) => n.replace(/\.hl7$/, ""));
      const atCrash = await committed(db, key);
      assert.ok(movedAtCrash.length < FILES, "killed before the end");
      for (const id of movedAtCrash) assert.ok(atCrash.has(id), `${id} moved only after its commit`);

      const second = serve(dir, db, key, env);
      children.push(second);
      const secondExit = new Promise<number | null>((r) => second.on("exit", (code) => r(code)));
      await until(() => readdirSync(inbox).filter((n) => n.endsWith(".hl7")).length === 0, 50);
      second.kill("SIGTERM");
      assert.equal(await secondExit, 0);

      const after = await committed(db, key);
      for (const id of ids) assert.ok(after.has(id), `${id} committed`);
      assert.equal(moved().length, FILES, "every file moved to processed once");
    });
  });
}
