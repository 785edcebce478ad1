/**
 * The repository's .npmrc makes npm refuse a dependency whose install script package.json's allowScripts
 * does not approve (instead of running it with a notice), so `npm ci` in CI and a newcomer's `npm install`
 * fail before unreviewed code runs. Proved with a real npm install of a local tarball, offline.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const npmrc = join(import.meta.dirname, "../../.npmrc");

describe("install scripts need approval", () => {
  let dir: string;
  beforeEach(function () {
    this.timeout(60_000);
    dir = mkdtempSync(join(tmpdir(), "mf-install-scripts-"));
    const pkg = join(dir, "pkg");
    mkdirSync(pkg);
    const marker = join(dir, "script-ran").replace(/\\/g, "/");
    writeFileSync(
      join(pkg, "package.json"),
      JSON.stringify({
        name: "unreviewed-dep",
        version: "1.0.0",
        scripts: { postinstall: `node -e "require('fs').writeFileSync('${marker}','x')"` },
      }),
    );
    execFileSync("npm", ["pack", "--silent", "--pack-destination", dir], { cwd: pkg });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function install(allowScripts?: Record<string, boolean>) {
    writeFileSync(
      join(dir, "package.json"),
      JSON.stringify({
        name: "consumer",
        version: "1.0.0",
        private: true,
        dependencies: { "unreviewed-dep": "file:./unreviewed-dep-1.0.0.tgz" },
        ...(allowScripts ? { allowScripts } : {}),
      }),
    );
    copyFileSync(npmrc, join(dir, ".npmrc"));
    return spawnSync("npm", ["install", "--offline", "--no-audit", "--no-fund"], {
      cwd: dir,
      encoding: "utf8",
    });
  }

  it("fails the install, and the script does not run, while it is not approved", function () {
    this.timeout(60_000);
    const run = install();
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /ESTRICTALLOWSCRIPTS/);
    assert.match(run.stderr, /unreviewed-dep@1\.0\.0/);
    assert.equal(existsSync(join(dir, "script-ran")), false);
  });

  it("runs it once approved in allowScripts", function () {
    this.timeout(60_000);
    // npm keys a non-registry package's approval by its source (a registry package's by its name).
    const run = install({ [`file:${join(dir, "unreviewed-dep-1.0.0.tgz")}`]: true });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(existsSync(join(dir, "script-ran")), true);
  });
});
