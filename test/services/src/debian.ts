/**
 * Debian/Ubuntu packages for the tests, installed only when run as root on such a system. A `policy-rc.d`
 * that exits 101 keeps every installed server's system daemon from starting: the tests run their own
 * instances on free ports and never touch a server the machine runs.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { promisify } from "node:util";

const run = promisify(execFile);
const POLICY = "/usr/sbin/policy-rc.d";

/** Why apt cannot be used here, or undefined when it can. */
export function aptUnavailable(): string | undefined {
  if (process.platform !== "linux") return `this is ${process.platform}, not Debian/Ubuntu`;
  if (!existsSync("/usr/bin/apt-get")) return "apt-get is not on this machine";
  if (process.getuid?.() !== 0) return "not running as root (run `sudo apt-get install …` yourself)";
  return undefined;
}

let updated = false;

/** Installs the packages (no daemons started); throws with apt's own output when it fails. */
export async function aptInstall(packages: string[]): Promise<void> {
  const why = aptUnavailable();
  if (why !== undefined) throw new Error(`cannot install ${packages.join(", ")} with apt-get: ${why}`);
  const hadPolicy = existsSync(POLICY);
  const previous = hadPolicy ? readFileSync(POLICY) : undefined;
  writeFileSync(
    POLICY,
    "#!/bin/sh\n# written by the MessageFoundry test services: start no daemons\nexit 101\n",
    {
      mode: 0o755,
    },
  );
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  try {
    if (!updated) {
      await run("apt-get", ["update", "-qq"], { env, maxBuffer: 16 << 20 });
      updated = true;
    }
    await run("apt-get", ["install", "-y", "-qq", ...packages], { env, maxBuffer: 64 << 20 });
  } finally {
    if (previous === undefined) rmSync(POLICY, { force: true });
    else writeFileSync(POLICY, previous, { mode: 0o755 });
  }
}
