/**
 * The code checks of `npm run check` catch what they promise: the real configs and tools run over a
 * small copy of the repository's layout. Dependency rules (.dependency-cruiser.cjs): one breach of
 * each rule. Duplicate code (.jscpd.json, the check:dupes script): a type copied across packages.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "mocha";

const ROOT = join(import.meta.dirname, "../..");
const DEPCRUISE = join(ROOT, "node_modules/dependency-cruiser/bin/dependency-cruise.mjs");

function writeTree(dir: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

const sourceExport = (src: string) => ({ source: src, default: src.replace("./src/", "./dist/") });

const FILES: Record<string, string> = {
  "package.json": JSON.stringify({
    private: true,
    workspaces: ["engine", "language-server", "webviews", "bench"],
  }),
  "engine/package.json": JSON.stringify({
    name: "messagefoundry",
    type: "module",
    exports: {
      ".": sourceExport("./src/index.ts"),
      "./hl7": sourceExport("./src/hl7/index.ts"),
      "./graph": sourceExport("./src/graph/index.ts"),
    },
  }),
  "language-server/package.json": JSON.stringify({
    name: "@messagefoundry/language-server",
    type: "module",
    exports: { "./protocol": sourceExport("./src/protocol.ts") },
  }),
  "webviews/package.json": JSON.stringify({ name: "@messagefoundry/webviews", type: "module" }),
  "extension/package.json": JSON.stringify({ name: "@messagefoundry/extension-src", type: "module" }),
  "bench/package.json": JSON.stringify({ name: "@messagefoundry/bench", type: "module" }),
  "test/package.json": JSON.stringify({ name: "@messagefoundry/cross-part-tests", type: "module" }),

  "engine/src/index.ts": `export const version = 1;\n`,
  "engine/src/hl7/index.ts": `import { readFileSync } from "node:fs";\nexport const read = readFileSync;\n`,
  "engine/src/graph/index.ts": `import { read } from "../hl7/index.js";\nexport const graph = read;\n`,
  "engine/src/config/loader.ts": `import { run } from "../pipeline/dryrun.js";\nexport const load = run;\n`,
  "engine/src/pipeline/dryrun.ts": `export const run = 1;\n`,
  "engine/src/transports/types.ts": `import type { Hub } from "./hub.js";\nexport interface Deps { hub: Hub }\n`,
  "engine/src/transports/hub.ts": `import type { Deps } from "./types.js";\nexport interface Hub { deps: Deps }\n`,
  "engine/src/store/ui.ts": `export { panel } from "../../../extension/src/panel.js";\n`,

  "language-server/src/protocol.ts": `export const GRAPH = "messagefoundry/graph";\n`,
  "language-server/src/server.ts": `export const server = 1;\n`,
  "webviews/src/model/form.ts": `export const form = 1;\n`,
  "extension/src/panel.ts": [
    `import { version } from "messagefoundry";`,
    `import { read } from "messagefoundry/hl7";`,
    `import { GRAPH } from "@messagefoundry/language-server/protocol";`,
    `import { graph } from "../../engine/src/graph/index.js";`,
    `import { form } from "@messagefoundry/webviews/src/model/form.js";`,
    `import { server } from "../../language-server/src/server.js";`,
    `export const panel = [version, read, GRAPH, graph, form, server];`,
    ``,
  ].join("\n"),
};

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

describe("dependency rules (.dependency-cruiser.cjs)", function () {
  this.timeout(60_000);
  let dir: string;
  let violations: string[];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "mf-deprules-"));
    writeTree(dir, FILES);
    for (const file of [".dependency-cruiser.cjs", "tsconfig.base.json"]) {
      copyFileSync(join(ROOT, file), join(dir, file));
    }
    // The workspace links npm makes.
    mkdirSync(join(dir, "node_modules/@messagefoundry"), { recursive: true });
    symlinkSync(join(dir, "engine"), join(dir, "node_modules/messagefoundry"), "dir");
    for (const pkg of ["language-server", "webviews"]) {
      symlinkSync(join(dir, pkg), join(dir, "node_modules/@messagefoundry", pkg), "dir");
    }
    const run = spawnSync(
      process.execPath,
      [DEPCRUISE, "--output-type", "json", "engine", "language-server", "webviews", "extension"],
      { cwd: dir, encoding: "utf8" },
    );
    assert.ok(run.stdout, `dependency-cruiser printed nothing: ${run.stderr}`);
    const result = JSON.parse(run.stdout) as { summary: { violations: Violation[] } };
    violations = result.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).sort();
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it("reports exactly the planted breaches, and none of the imports through exported faces", () => {
    assert.deepEqual(violations, [
      "config-not-pipeline: engine/src/config/loader.ts → engine/src/pipeline/dryrun.ts",
      "engine-not-clients: engine/src/store/ui.ts → extension/src/panel.ts",
      "graph-pure: engine/src/graph/index.ts → engine/src/hl7/index.ts",
      "hl7-pure: engine/src/hl7/index.ts → fs",
      "no-circular: engine/src/transports/hub.ts → engine/src/transports/types.ts",
      "no-relative-path-into-engine: extension/src/panel.ts → engine/src/graph/index.ts",
      "no-relative-path-into-extension: engine/src/store/ui.ts → extension/src/panel.ts",
      "no-relative-path-into-language-server: extension/src/panel.ts → language-server/src/server.ts",
      "only-faces-of-extension: engine/src/store/ui.ts → extension/src/panel.ts",
      "only-faces-of-language-server: extension/src/panel.ts → language-server/src/server.ts",
      "only-faces-of-webviews: extension/src/panel.ts → webviews/src/model/form.ts",
    ]);
  });
});

/** A wire type of about the size the engine's API and its clients share. */
const WIRE_TYPE = `export interface DeliveryRow {
  handler: string;
  outbound: string;
  bytes: number;
  sha256: string;
  payload?: string;
}

export interface HandlerRow {
  name: string;
  disposition: "FILTERED" | "PROCESSED" | "ERROR";
  error?: string;
}
`;

describe("duplicate code (.jscpd.json, npm run check:dupes)", function () {
  this.timeout(60_000);
  const script = (
    JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }
  ).scripts["check:dupes"];
  let dir: string;

  /** Runs the check:dupes script in a tree holding `files`; its exit code and output. */
  function checkDupes(files: Record<string, string>): { status: number | null; output: string } {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    copyFileSync(join(ROOT, ".jscpd.json"), join(dir, ".jscpd.json"));
    writeTree(dir, {
      "engine/src/index.ts": "export const engine = 1;\n",
      "language-server/src/server.ts": "export const server = 1;\n",
      "extension/src/extension.ts": "export const extension = 1;\n",
      "webviews/src/view.ts": "export const view = 1;\n",
      ...files,
    });
    const run = spawnSync("sh", ["-c", script ?? "false"], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, PATH: `${join(ROOT, "node_modules/.bin")}:${process.env.PATH}`, NO_COLOR: "1" },
    });
    return { status: run.status, output: `${run.stdout}${run.stderr}` };
  }

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "mf-dupes-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("fails on a wire type copied from the engine into a client package, naming both files", () => {
    const r = checkDupes({
      "engine/src/pipeline/dryrun.ts": WIRE_TYPE,
      "webviews/src/protocol/testBench.ts": WIRE_TYPE,
    });
    assert.equal(r.status, 1, r.output);
    assert.match(r.output, /engine\/src\/pipeline\/dryrun\.ts/);
    assert.match(r.output, /webviews\/src\/protocol\/testBench\.ts/);
  });

  it("passes when the type exists once, or twice inside one package below the in-package threshold", () => {
    assert.equal(checkDupes({ "engine/src/pipeline/dryrun.ts": WIRE_TYPE }).status, 0);
    const inPackage = checkDupes({ "engine/src/a.ts": WIRE_TYPE, "engine/src/b.ts": WIRE_TYPE });
    assert.equal(inPackage.status, 0, inPackage.output);
  });
});
