/**
 * The load engine's own ceiling, engine-less: `messagefoundry load` straight at a sink, so its figures
 * about an engine can be trusted only below these. Two set-ups, both the product as users run it:
 *
 *   A. `load` → `messagefoundry sink` in a process of its own: the generator's CPU (the load process,
 *      `generatorCpuUsPerMsg`) and the sink's CPU (its /proc/<pid>/stat) per message, apart.
 *   B. `load --sink-port P --target :P`: the sink in load's own worker thread, as in an engine run;
 *      adds the end-to-end (sink arrival) measurement.
 *
 * Each set-up runs closed loop (16 and 64 connections, one message in flight each) and open loop at
 * fixed rates (latency from the scheduled send). Run: `npm run bench -- load-ceiling`
 * (or node --conditions=source --import tsx bench/load-ceiling/run.ts [--seconds=10]).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { LoadPhase, LoadResult } from "messagefoundry/api";
import { freePort } from "../../engine/test/support/fixtures.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const MAIN = join(ROOT, "engine/src/cli/main.ts");
const NODE = [process.execPath, "--conditions=source", "--import", "tsx", MAIN];
const SECONDS = Number(process.argv.find((a) => a.startsWith("--seconds="))?.slice(10) ?? 10);
const CLK_TCK = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

/** CPU time (user + system, all threads) of a process so far, in µs. */
function cpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(f[11]) + Number(f[12])) * 1e6) / CLK_TCK;
}

async function waitListening(port: number): Promise<void> {
  for (;;) {
    const up = await new Promise<boolean>((r) => {
      const s = net.connect({ host: "127.0.0.1", port }, () => {
        s.destroy();
        r(true);
      });
      s.on("error", () => r(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function runLoad(dir: string, name: string, phase: LoadPhase, args: string[]): LoadResult {
  const profile = join(dir, `${name}.json`);
  const out = join(dir, `${name}.result.json`);
  writeFileSync(
    profile,
    JSON.stringify({
      name,
      phases: [
        { kind: "warmup", seconds: 2, loop: phase.loop, rate: phase.rate, connections: phase.connections },
        phase,
      ],
      mix: [{ type: "ADT^A01", weight: 1, bytes: 1024 }],
      slo: { zeroLoss: false },
    }),
  );
  const r = spawnSync(
    NODE[0] as string,
    [...NODE.slice(1), "load", "--profile", profile, "--json", out, ...args],
    {
      cwd: ROOT,
      encoding: "utf8",
    },
  );
  if (r.status !== 0 && r.status !== 1) throw new Error(`load ${name} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(readFileSync(out, "utf8")) as LoadResult;
}

const SCENARIOS: { name: string; phase: LoadPhase }[] = [
  {
    name: "closed, 16 connections",
    phase: { kind: "sustained", seconds: SECONDS, loop: "closed", connections: 16 },
  },
  {
    name: "closed, 64 connections",
    phase: { kind: "sustained", seconds: SECONDS, loop: "closed", connections: 64 },
  },
  {
    name: "open, 2,000 msg/s",
    phase: { kind: "sustained", seconds: SECONDS, loop: "open", rate: 2000, connections: 16 },
  },
  {
    name: "open, 6,000 msg/s",
    phase: { kind: "sustained", seconds: SECONDS, loop: "open", rate: 6000, connections: 16 },
  },
];

const f1 = (n: number | null | undefined) => (n === null || n === undefined ? "n/a" : n.toFixed(1));

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "mf-load-ceiling-"));
  const rows: string[] = [];
  let sink: ChildProcess | undefined;
  try {
    // A. A sink process of its own.
    const port = await freePort();
    sink = spawn(NODE[0] as string, [...NODE.slice(1), "sink", "--port", String(port)], {
      cwd: ROOT,
      stdio: "ignore",
    });
    await waitListening(port);
    for (const s of SCENARIOS) {
      const before = cpuUs(sink.pid as number);
      const r = runLoad(dir, `a-${s.phase.loop}-${s.phase.connections}-${s.phase.rate ?? 0}`, s.phase, [
        "--target",
        `127.0.0.1:${port}`,
      ]);
      const sinkUs = (cpuUs(sink.pid as number) - before) / r.reconciliation.sent;
      const p = r.phases[1];
      rows.push(
        `| A: sink process | ${s.name} | ${p?.ackRate.toFixed(0)} | ${f1(p?.ack.p50)} / ${f1(p?.ack.p99)} | n/a | ${r.generatorCpuUsPerMsg.toFixed(0)} | ${sinkUs.toFixed(0)} | ${r.reconciliation.timedOut + r.reconciliation.nakked} |`,
      );
      console.log(rows.at(-1));
    }
    sink.kill("SIGTERM");
    // B. The sink in load's own thread (as in an engine run with --sink-port).
    for (const s of SCENARIOS) {
      const p2 = await freePort();
      const r = runLoad(dir, `b-${s.phase.loop}-${s.phase.connections}-${s.phase.rate ?? 0}`, s.phase, [
        "--target",
        `127.0.0.1:${p2}`,
        "--sink-port",
        String(p2),
      ]);
      const p = r.phases[1];
      rows.push(
        `| B: sink thread | ${s.name} | ${p?.ackRate.toFixed(0)} | ${f1(p?.ack.p50)} / ${f1(p?.ack.p99)} | ${f1(p?.e2e.p50)} / ${f1(p?.e2e.p99)} | ${r.generatorCpuUsPerMsg.toFixed(0)} (with sink) | — | ${r.reconciliation.lossFree ? "0, zero loss" : "LOSS"} |`,
      );
      console.log(rows.at(-1));
    }
  } finally {
    if (sink && sink.exitCode === null) sink.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    `\nmachine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}, ${SECONDS} s per phase`,
  );
  console.log(
    "| set-up | loop | ACKed msg/s | ACK p50 / p99 ms | e2e p50 / p99 ms | load CPU µs/msg | sink CPU µs/msg | errors |",
  );
  console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const r of rows) console.log(r);
}

await main();
