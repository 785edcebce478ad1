/** `init` then `check` on the scaffold, in a temp dir; `check` catching a type error and a wrong expectation. */
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "mocha";
import { cleanupConfigs, writeConfig } from "../config/helpers.js";
import { cli } from "./harness.js";

function run(args: string[], env: Record<string, string> = {}, cwd = process.cwd()) {
  return cli(args, cwd, env);
}

describe("messagefoundry init + check", () => {
  after(cleanupConfigs);

  it("init then check passes on the scaffold; check catches a type error and a wrong expectation", async () => {
    const parent = writeConfig({});
    const init = await run(["init", "cfg", "--git-hook"], {}, parent);
    assert.equal(init.code, 0, init.err);
    const dir = join(parent, "cfg");
    for (const f of [
      "routes.ts",
      "connections.toml",
      "environments/dev.toml",
      "environments/prod.toml",
      "tests/sample_adt.json",
      "package.json",
      "tsconfig.json",
      ".gitignore",
      ".githooks/pre-commit",
    ]) {
      assert.ok(existsSync(join(dir, f)), f);
    }
    const ok = await run(["check", "-c", dir]);
    assert.equal(ok.code, 0, ok.out);
    assert.match(ok.out, /fixtures: {2}1\/1 passed\n✓ check passed/);
    assert.equal((await run(["init", "cfg"], {}, parent)).code, 2, "refuses a non-empty dir");

    const routes = join(dir, "routes.ts");
    writeFileSync(
      routes,
      readFileSync(routes, "utf8").replace("mllp({ port: 2600 })", "mllp({ prot: 2600 })"),
    );
    const typo = await run(["check", "-c", dir]);
    assert.equal(typo.code, 1);
    assert.match(typo.out, /routes\.ts:4:\d+: error MF-TYPECHECK: TS2353: .*'prot'/);

    writeFileSync(
      routes,
      readFileSync(routes, "utf8").replace("prot:", "port:").replace('"DOWNSTREAM"', '"ELSEWHERE"'),
    );
    const wrong = await run(["check", "-c", dir, "--no-typecheck"]);
    assert.equal(wrong.code, 1);
    assert.match(
      wrong.out,
      /MF-FIXTURE: tests\/sample_adt\.json: delivery 1 to OB_SAMPLE_ADT: payload differs/,
    );
  });
});
