/**
 * DCMTK's network tools (storescu, storescp, echoscu, Debian `dcmtk`) for the DICOM connector's tests:
 * the reference peer our SCP and SCU are tested against. `MEFOR_TEST_DCMTK` names the folder holding
 * them; else the folder on PATH that has `storescu`; else Debian's `dcmtk` is installed (no daemon). The
 * tests start their own `storescp` on free ports (`startStorescp`), into a temporary folder.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { aptInstall } from "./debian.js";
import { freePort, waitForPort } from "./net.js";
import type { Service } from "./service.js";

const TOOLS = ["storescu", "storescp", "echoscu"];

function dcmtkDir(): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/bin"];
  return dirs.find((d) => d !== "" && TOOLS.every((t) => existsSync(join(d, t))));
}

export const dcmtkService: Service = {
  name: "DCMTK",
  env: "MEFOR_TEST_DCMTK",
  async find() {
    const dir = dcmtkDir();
    return dir === undefined ? undefined : { value: dir, said: `using storescu/storescp/echoscu in ${dir}` };
  },
  async provide() {
    await aptInstall(["dcmtk"]);
    const dir = dcmtkDir();
    if (dir === undefined) throw new Error("dcmtk was installed but storescu is not on PATH or in /usr/bin");
    return { value: dir, said: "installed Debian's dcmtk (storescu, storescp, echoscu)" };
  },
};

export interface Storescp {
  readonly port: number;
  readonly aeTitle: string;
  /** The folder storescp writes each received instance to (a Part-10 file per instance). */
  readonly dir: string;
  /** Paths of the files received so far, oldest first by name. */
  files(): string[];
  stop(): Promise<void>;
}

/** Runs DCMTK's storescp on a free port, accepting any storage SOP class into a temp folder. */
export async function startStorescp(bin: string, opts: { aeTitle?: string } = {}): Promise<Storescp> {
  const aeTitle = opts.aeTitle ?? "STORESCP";
  const dir = mkdtempSync(join(tmpdir(), "mefor-test-storescp-"));
  const port = await freePort();
  // -aet our title; -od output folder; -uf: file names from SOP class + instance UID; +xa: accept every TS.
  const child: ChildProcess = spawn(
    join(bin, "storescp"),
    ["-aet", aeTitle, "-od", dir, "-uf", "+xa", String(port)],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  let exited: string | undefined;
  child.on("exit", (code, signal) => {
    exited = `storescp exited (${signal ?? code}): ${stderr.trim()}`;
  });
  await waitForPort(port, 20_000, () => exited);
  return {
    port,
    aeTitle,
    dir,
    files: () =>
      readdirSync(dir)
        .filter((f) => !f.startsWith("."))
        .sort()
        .map((f) => join(dir, f)),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await gone;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
