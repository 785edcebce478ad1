/** The runtime-dependency licence gate (scripts/check-licences.mjs) that `npm test` runs. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const script = join(import.meta.dirname, "../../scripts/check-licences.mjs");

function check(packages: Record<string, object>): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), "mf-licences-"));
  try {
    const lockfile = join(dir, "package-lock.json");
    writeFileSync(lockfile, JSON.stringify({ lockfileVersion: 3, packages: { "": {}, ...packages } }));
    const run = spawnSync(process.execPath, [script, lockfile], { encoding: "utf8" });
    return { status: run.status, output: run.stdout + run.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("licence check of the runtime dependencies", () => {
  it("passes the repository's own lockfile", () => {
    const run = spawnSync(process.execPath, [script], { encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /all on the allow-list/);
  });

  it("refuses a runtime package under a licence not on the allow-list, naming it", () => {
    const { status, output } = check({
      "node_modules/ok": { version: "1.0.0", license: "MIT" },
      "node_modules/copyleft": { version: "2.1.0", license: "GPL-3.0-only" },
      "node_modules/unlabelled": { version: "0.1.0" },
    });
    assert.equal(status, 1);
    assert.match(output, /copyleft@2\.1\.0: GPL-3\.0-only/);
    assert.match(output, /unlabelled@0\.1\.0: no licence declared/);
    assert.doesNotMatch(output, /\bok@/);
  });

  it("reads SPDX OR / AND, and leaves dev-only packages alone", () => {
    assert.equal(
      check({ "node_modules/dual": { version: "1.0.0", license: "(MPL-2.0 OR Apache-2.0)" } }).status,
      0,
    );
    assert.equal(
      check({ "node_modules/both": { version: "1.0.0", license: "(MIT AND GPL-2.0-only)" } }).status,
      1,
    );
    assert.equal(
      check({ "node_modules/tooling": { version: "1.0.0", license: "GPL-3.0-only", dev: true } }).status,
      0,
    );
  });
});
