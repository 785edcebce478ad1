/**
 * Remote-file throughput: N files dropped on the test's own server (sshd for sftp, vsftpd for ftp and
 * ftps) → an engine in this process (SQLite store) polling them with the transport's inbound → a route
 * → the same transport's outbound writing each message back as a file. Reports files/s from the engine's
 * start until the last file is written, and this process's CPU per message (the engine plus this
 * script's bookkeeping; the servers are other processes). Everything shares this machine's cores.
 *
 * Run: node --conditions=source --import tsx bench/remote-files/run.ts [--files=500]
 * Needs what the tests need: root on Debian (sshd and vsftpd are installed and started by the test services).
 */
import { chownSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { ftpServer, sftpServer, stopServices } from "@messagefoundry/test-services";
import { adt, openEngine, tempDir, until, writeFiles } from "../../engine/test/runtime/helpers.js";

const FILES = Number(process.argv.find((a) => a.startsWith("--files="))?.slice(8) ?? 500);

function ownedDir(root: string, name: string): string {
  const dir = join(root, `${name}-${Date.now()}`);
  mkdirSync(dir);
  const { uid, gid } = statSync(root);
  chownSync(dir, uid, gid);
  return dir;
}

async function run(
  label: string,
  factory: string,
  login: string,
  root: string,
  processEnv: Record<string, string>,
) {
  const inbox = ownedDir(root, "bench-in");
  const outbox = ownedDir(root, "bench-out");
  for (let i = 0; i < FILES; i++)
    writeFileSync(join(inbox, `B${String(i).padStart(6, "0")}.hl7`), adt(`B${i}`));
  const t = tempDir("mf-bench-remote-");
  writeFiles(join(t.dir, "config"), {
    "routes.ts": `
import { env, ${factory}, handler, inbound, outbound, router, send } from "messagefoundry";
const login = ${login};
inbound("IB_BENCH_FILES", ${factory}({ ...login, path: "${inbox}", pollMs: 20, afterRead: "delete" }), { router: "r" });
outbound("OB_BENCH_FILES", ${factory}({ ...login, path: "${outbox}", filename: "{MSH-10}.hl7" }));
router("r", () => ["h"]);
handler("h", (msg) => send("OB_BENCH_FILES", msg));
`,
    "environments/test.toml": "",
  });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const engine = await openEngine(join(t.dir, "config"), join(t.dir, "engine.db"), { processEnv });
  const written = () => readdirSync(outbox).filter((n) => n.endsWith(".hl7")).length;
  await until(() => written() === FILES, 20);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await engine.stop();
  t.cleanup();
  const perMsgMs = (cpu.user + cpu.system) / 1000 / FILES;
  console.log(
    `${label}: ${FILES} files in ${seconds.toFixed(1)} s = ${(FILES / seconds).toFixed(0)} files/s in and out; engine-process CPU ${perMsgMs.toFixed(2)} ms/message`,
  );
}

const s = await sftpServer();
const f = await ftpServer();
const ftpLogin = `{ host: "127.0.0.1", port: ${f.port}, username: "${f.username}", password: env("pw") }`;
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}`);
try {
  await run(
    "sftp",
    "sftp",
    `{ host: "127.0.0.1", port: ${s.port}, username: "${s.username}", privateKey: env("key"), hostKey: "${s.hostKey}" }`,
    s.dir,
    { MEFOR_VALUE_KEY: s.privateKey },
  );
  await run("ftp", "ftp", ftpLogin, f.dir, { MEFOR_VALUE_PW: f.password });
  await run("ftps (explicit)", "ftps", `{ ...${ftpLogin}, tls: { ca: "${f.ca}" } }`, f.dir, {
    MEFOR_VALUE_PW: f.password,
  });
} finally {
  await stopServices();
}
