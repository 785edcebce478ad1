/**
 * Throughput of the DICOM connectors through the engine: `messagefoundry serve` (a child process running
 * the sources under tsx; SQLite store, encrypted bodies) takes instances from DCMTK's storescu (one
 * association) on a `dicom` inbound; one handler sends each to a `dicom` outbound (C-STORE to DCMTK's
 * storescp) and to a `dicomweb` outbound (STOW-RS to Orthanc with its DICOMweb plugin). Reports
 * instances/s and MB/s for intake (storescu's run: each C-STORE answered after the commit), the C-STORE
 * deliveries and the STOW-RS deliveries, and the engine's CPU time per instance (/proc, Linux). Then, without
 * an engine, our SCU to our SCP in this process (intake answering at once): the DIMSE layer's own ceiling.
 *
 * Run: node --conditions=source --import tsx bench/dicom/run.ts [--instances=200] [--kb=256]
 */
import type { ChildProcess } from "node:child_process";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { dcmtkBin, orthancBinary, startOrthanc, startStorescp } from "@messagefoundry/test-services";
import { createInbound, createOutbound } from "../../engine/src/transports/index.js";
import { freePort, portOpen, until } from "../../engine/test/support/fixtures.js";
import { syntheticInstance } from "../../engine/test/transports/dicom-fixtures.js";
import { serve } from "../../test/e2e-engine/serve.js";

const run = promisify(execFile);
const arg = (name: string, def: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? def);
const INSTANCES = arg("instances", 200);
const KB = arg("kb", 256);

const ROUTES = `
import { dicom, dicomweb, env, handler, inbound, outbound, router, send } from "messagefoundry";
inbound("IB_BENCH_DICOM", dicom({ host: "127.0.0.1", port: env("in_port", "int"), aeTitle: "MEFOR" }), { router: "r" });
outbound("OB_BENCH_CSTORE", dicom({ host: "127.0.0.1", port: env("archive_port", "int"), calledAeTitle: "ARCHIVE" }));
outbound("OB_BENCH_STOW", dicomweb({ url: env("stow_url") }));
router("r", () => ["h"]);
handler("h", (msg) => [send("OB_BENCH_CSTORE", msg), send("OB_BENCH_STOW", msg)]);
`;

/** utime + stime of a process in milliseconds (Linux /proc). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // USER_HZ = 100 on Linux
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "mf-bench-dicom-"));
  const bin = await dcmtkBin();
  const archive = await startStorescp(bin, { aeTitle: "ARCHIVE" });
  const orthanc = await startOrthanc(await orthancBinary());
  const inPort = await freePort();
  mkdirSync(join(dir, "config", "environments"), { recursive: true });
  mkdirSync(join(dir, "in"));
  writeFileSync(join(dir, "config", "routes.ts"), ROUTES);
  writeFileSync(
    join(dir, "config", "environments", "test.toml"),
    `in_port = ${inPort}\narchive_port = ${archive.port}\nstow_url = "${orthanc.dicomWeb}"\n`,
  );
  let bytes = 0;
  const files = Array.from({ length: INSTANCES }, (_, i) => {
    const inst = syntheticInstance({ modality: "CT", pixelBytes: KB * 1024 });
    const path = join(dir, "in", `${String(i).padStart(6, "0")}.dcm`);
    writeFileSync(path, inst.file);
    bytes += inst.file.length;
    return path;
  });
  const child: ChildProcess = serve(dir, join(dir, "engine.db"), randomBytes(32).toString("base64"));
  try {
    await until(() => portOpen(inPort), 50);
    const cpu0 = cpuMs(child.pid!);
    const t0 = performance.now();
    await run(join(bin, "storescu"), ["-aec", "MEFOR", "127.0.0.1", String(inPort), ...files], {
      maxBuffer: 16 << 20,
    });
    const tIn = performance.now();
    let archived = 0;
    let stowed = 0;
    await until(async () => {
      if (archived === 0 && readdirSync(archive.dir).length >= INSTANCES) archived = performance.now();
      if (stowed === 0) {
        const stats = (await (await fetch(`${orthanc.url}/statistics`)).json()) as { CountInstances: number };
        if (stats.CountInstances >= INSTANCES) stowed = performance.now();
      }
      return archived !== 0 && stowed !== 0;
    }, 100);
    const cpu = cpuMs(child.pid!) - cpu0;
    const mb = bytes / 1024 / 1024;
    const line = (what: string, ms: number) =>
      console.log(
        `  ${what}: ${((INSTANCES * 1000) / ms).toFixed(1)} instances/s, ${((mb * 1000) / ms).toFixed(1)} MB/s`,
      );
    console.log(
      `instances ${INSTANCES} of ${KB} KiB pixel data (${mb.toFixed(1)} MB; engine from sources under tsx, SQLite, encrypted bodies)`,
    );
    line("dicom inbound (storescu, one association, C-STORE-RSP after each commit)", tIn - t0);
    line("dicom outbound (C-STORE to storescp, from the first instance in)", archived - t0);
    line("dicomweb outbound (STOW-RS to Orthanc, from the first instance in)", stowed - t0);
    console.log(
      `  engine CPU: ${(cpu / INSTANCES).toFixed(2)} ms per instance (intake + routing + both deliveries)`,
    );
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
    await archive.stop();
    await orthanc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Our SCU → our SCP in this process, the intake answering at once: what the protocol layer does alone. */
async function protocolOnly(): Promise<void> {
  const ib = createInbound("dicom", "IB_PROTO", { host: "127.0.0.1", port: 0, aeTitle: "MEFOR" });
  const quiet = () => undefined;
  const log = { debug: quiet, info: quiet, warn: quiet, error: quiet };
  await ib.start({ name: "IB_PROTO", log, receive: async () => ({ accepted: true }) });
  const ob = createOutbound("dicom", "OB_PROTO", {
    host: "127.0.0.1",
    port: ib.state.port,
    calledAeTitle: "MEFOR",
  });
  const instances = Array.from(
    { length: INSTANCES },
    () => syntheticInstance({ pixelBytes: KB * 1024 }).file,
  );
  const bytes = instances.reduce((n, f) => n + f.length, 0);
  const t0 = performance.now();
  for (const [i, file] of instances.entries()) await ob.send(file, { messageId: String(i) });
  const ms = performance.now() - t0;
  await ob.close();
  await ib.stop();
  console.log(
    `  dicom SCU → dicom SCP, no engine (one association): ${((INSTANCES * 1000) / ms).toFixed(1)} instances/s, ${(((bytes / 1024 / 1024) * 1000) / ms).toFixed(1)} MB/s`,
  );
}

await main();
await protocolOnly();
