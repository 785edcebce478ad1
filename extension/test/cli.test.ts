import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseJsonOutput, problemsFrom, resolveCli } from "../src/cli/index.js";
import { parseQuery } from "../src/engine/index.js";

describe("finding the messagefoundry CLI", () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "mf-cli-"));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const installAt = (dir: string) => {
    const pkg = join(dir, "node_modules/messagefoundry");
    mkdirSync(join(pkg, "dist/cli"), { recursive: true });
    writeFileSync(
      join(pkg, "package.json"),
      JSON.stringify({ bin: { messagefoundry: "./dist/cli/main.js" } }),
    );
    writeFileSync(join(pkg, "dist/cli/main.js"), "");
    return join(pkg, "dist/cli/main.js");
  };

  it("prefers the setting, then the config repo's install (walking up), then the bundled engine", () => {
    const configDir = join(root, "repo/config");
    const extensionRoot = join(root, "ext");
    mkdirSync(configDir, { recursive: true });
    assert.equal(resolveCli({ configDir, extensionRoot }), undefined);

    mkdirSync(join(extensionRoot, "engine/dist/cli"), { recursive: true });
    writeFileSync(join(extensionRoot, "engine/dist/cli/main.js"), "");
    assert.equal(resolveCli({ configDir, extensionRoot }), join(extensionRoot, "engine/dist/cli/main.js"));

    const repoCli = installAt(join(root, "repo"));
    assert.equal(resolveCli({ configDir, extensionRoot }), repoCli);

    const configured = join(root, "custom.js");
    writeFileSync(configured, "");
    assert.equal(resolveCli({ configured, configDir, extensionRoot }), configured);
    assert.equal(resolveCli({ configured: join(root, "missing.js"), configDir, extensionRoot }), repoCli);
  });

  it("explains a run that printed no JSON, quoting stderr", () => {
    assert.deepEqual(parseJsonOutput({ code: 0, stdout: '{"ok":true}', stderr: "" }, "validate"), {
      ok: true,
    });
    assert.throws(
      () =>
        parseJsonOutput({ code: 2, stdout: "", stderr: 'messagefoundry: unknown env "qa"\n' }, "validate"),
      {
        message:
          'messagefoundry validate exited with 2 and no JSON output:\nmessagefoundry: unknown env "qa"',
      },
    );
  });

  it("reads validate's problems from { problems } or a bare list", () => {
    const p = {
      code: "MF-X",
      severity: "error",
      message: "m",
      location: { file: "a.ts", line: 1, column: 1, endLine: 1, endColumn: 2 },
    };
    assert.deepEqual(problemsFrom({ env: "dev", ok: false, problems: [p] }), [p]);
    assert.deepEqual(problemsFrom([p]), [p]);
    assert.throws(() => problemsFrom({ ok: true }), /neither a list nor \{ problems \}/);
  });
});

describe("message browser filter", () => {
  it("reads key=value pairs and takes bare words as free text", () => {
    assert.deepEqual(parseQuery("connection=IB_ACME_ADT type=ADT^A01 disposition=error MF123"), {
      connection: "IB_ACME_ADT",
      messageType: "ADT^A01",
      disposition: "ERROR",
      text: "MF123",
    });
    assert.deepEqual(parseQuery("controlId=MF1 acme adt"), { controlId: "MF1", text: "acme adt" });
    assert.deepEqual(parseQuery("  "), {});
    assert.deepEqual(parseQuery("colour=blue"), {});
  });
});
