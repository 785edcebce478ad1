/**
 * The engine's footprint by number of outbounds: `messagefoundry serve` (the built engine, as `npm start`
 * runs it, with ENGINE_NODE_FLAGS) on a generated config of one MLLP inbound and N MLLP outbounds, idle once ready — its resident
 * memory (VmRSS) and OS threads, from /proc. Delivery threads are shared by the outbounds (a few per
 * engine, not one per outbound), so the figures should hardly move with N.
 *
 * Run: node --conditions=source --import tsx bench/footprint/run.ts [--outbounds=1,9,60]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ENGINE_NODE_FLAGS } from "messagefoundry/api";
import { freePort } from "../../engine/test/support/fixtures.js";
import { ensureEngineBuilt, machineLine } from "../support/engine-build.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const MAIN = join(ROOT, "engine/dist/cli/main.js");
const COUNTS = (process.argv.find((a) => a.startsWith("--outbounds="))?.slice(12) ?? "1,9,60")
  .split(",")
  .map(Number);
/** After "engine ready", how long to let start-up allocations settle before reading /proc. */
const SETTLE_MS = 3000;

/** One inbound, a router and a handler, and `n` MLLP outbounds (idle: nothing is sent to them). */
function writeConfig(dir: string, n: number, inPort: number, outPort: number): void {
  const lines = [
    `import { handler, inbound, mllp, outbound, router, send } from "messagefoundry";`,
    `inbound("IB_FOOT", mllp({ host: "127.0.0.1", port: ${inPort} }), { router: "foot_router" });`,
    ...Array.from(
      { length: n },
      (_, i) => `outbound("OB_FOOT_${i}", mllp({ host: "127.0.0.1", port: ${outPort} }));`,
    ),
    `router("foot_router", () => ["foot_handler"]);`,
    `handler("foot_handler", (msg) => send("OB_FOOT_0", msg));`,
  ];
  mkdirSync(join(dir, "environments"), { recursive: true });
  writeFileSync(join(dir, "routes.ts"), `${lines.join("\n")}\n`);
  writeFileSync(join(dir, "environments", "bench.toml"), "");
}

/** Resident memory (MB) and thread count of a process, from /proc. */
function footprint(pid: number): { rssMb: number; threads: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { rssMb: Math.round(kb / 1024), threads: readdirSync(`/proc/${pid}/task`).length };
}

function ready(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes('"event":"ready"')) resolve();
    });
    child.on("exit", (code) =>
      reject(new Error(`serve exited with ${code} before ready:\n${out.slice(-2000)}`)),
    );
  });
}

async function measure(n: number): Promise<{ rssMb: number; threads: number }> {
  const dir = mkdtempSync(join(tmpdir(), "mf-footprint-"));
  try {
    writeConfig(join(dir, "config"), n, await freePort(), await freePort());
    const child = spawn(
      process.execPath,
      [
        ...ENGINE_NODE_FLAGS,
        MAIN,
        "serve",
        "--config",
        join(dir, "config"),
        "--env",
        "bench",
        "--db",
        join(dir, "engine.db"),
        "--insecure-no-encryption",
        "--api-port",
        "0",
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    try {
      await ready(child);
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      if (child.pid === undefined) throw new Error("serve has no pid");
      return footprint(child.pid);
    } finally {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

ensureEngineBuilt(ROOT, MAIN);
console.log(machineLine());
console.log("engine: engine/dist via serve, SQLite store, idle after start\n");
console.log("| outbounds | RSS MB | OS threads |");
console.log("| --------: | -----: | ---------: |");
for (const n of COUNTS) {
  const f = await measure(n);
  console.log(`| ${n} | ${f.rssMb} | ${f.threads} |`);
}
