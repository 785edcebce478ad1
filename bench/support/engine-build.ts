/** What the engine benchmarks share: the machine line of a report, and the built engine they run. */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { cpus, totalmem } from "node:os";

/** One line naming the host, printed above every engine benchmark's table. */
export function machineLine(): string {
  return `machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GB, Node ${process.version}`;
}

/** Builds the engine of the checkout at `root` when `main` (its engine/dist entry) is missing. */
export function ensureEngineBuilt(root: string, main: string, label = "current"): void {
  if (existsSync(main)) return;
  console.log(`${label}: engine/dist missing, building the engine first`);
  const built = spawnSync("npm", ["run", "build", "-w", "messagefoundry"], { cwd: root, stdio: "inherit" });
  if (built.status !== 0) throw new Error(`the ${label} engine build failed`);
}
