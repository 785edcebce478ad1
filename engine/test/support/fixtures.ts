/** Small fixtures shared by the engine, extension, end-to-end tests and benchmarks: ports, files, polling. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** A loopback port free right now, never handed out twice in a process (test-services' net.ts). */
export { freePort } from "@messagefoundry/test-services";

/** Writes `files` (path relative to `dir` → text), creating folders. */
export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    const full = join(dir, rel);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, text);
  }
}

/** A fresh temp dir and its cleanup. */
export function tempDir(prefix = "mf-test-"): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Polls `cond` until true (no timing assertion: mocha's timeout is the only limit). */
export async function until(cond: () => boolean | Promise<boolean>, stepMs = 10): Promise<void> {
  while (!(await cond())) await new Promise((r) => setTimeout(r, stepMs));
}

/** Whether something accepts TCP connections on 127.0.0.1:`port` now (one attempt). */
export function portOpen(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on("error", () => resolve(false));
  });
}
