// The published faces work as a user sees them after `npm run build`: the engine's subpath exports resolve to
// engine/dist without the `source` condition, and the CLI runs through npx. (`npm test` builds before mocha.)
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** Runs node from the repository root with a clean loader: no tsx, no `source` condition. */
function plainNode(script: string): string {
  return execFileSync(process.execPath, ["--input-type=module", "-e", script], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, NODE_OPTIONS: "" },
  });
}

describe("package faces after build", () => {
  it("imports parse and parseBatch from messagefoundry/hl7 (built dist)", () => {
    const out = plainNode(`
      import { parse, parseBatch } from "messagefoundry/hl7";
      import { createRequire } from "node:module";
      const m = parse("MSH|^~\\\\&|SND|FAC|RCV|FAC|20260101000000||ADT^A01|CTRL1|P|2.5\\rPID|1||12345^^^MRN||TEST^PATIENT");
      const batch = parseBatch("MSH|^~\\\\&|A|B|C|D|1||ADT^A01|1|P|2.5\\rMSH|^~\\\\&|A|B|C|D|1||ADT^A08|2|P|2.5\\r");
      const resolved = createRequire(import.meta.url).resolve("messagefoundry/hl7");
      console.log(JSON.stringify({ type: m.messageType, family: m.get("PID-5.1"), count: batch.length, resolved }));
    `);
    const result = JSON.parse(out) as { type: string; family: string; count: number; resolved: string };
    assert.equal(result.type, "ADT^A01");
    assert.equal(result.family, "TEST");
    assert.equal(result.count, 2);
    assert.match(result.resolved.replaceAll("\\", "/"), /engine\/dist\/hl7\/index\.js$/);
  });

  it("imports the graph rules from messagefoundry/graph (built dist)", () => {
    const out = plainNode(`
      import { validateGraph } from "messagefoundry/graph";
      console.log(typeof validateGraph);
    `);
    assert.equal(out.trim(), "function");
  });

  it("imports the wire contract's lists from messagefoundry/api (built dist)", () => {
    const out = plainNode(`
      import { API_ERRORS, DISPOSITIONS, isMessageType, MESSAGE_TYPES, STAGES } from "messagefoundry/api";
      import { createRequire } from "node:module";
      const resolved = createRequire(import.meta.url).resolve("messagefoundry/api");
      console.log(JSON.stringify({ DISPOSITIONS, STAGES, MESSAGE_TYPES, notFound: API_ERRORS.MESSAGE_NOT_FOUND,
        adt: isMessageType("ADT^A01"), bogus: isMessageType("ZZZ^Z99"), resolved }));
    `);
    const r = JSON.parse(out) as Record<string, unknown> & { resolved: string; MESSAGE_TYPES: string[] };
    assert.deepEqual(r.DISPOSITIONS, [
      "RECEIVED",
      "ROUTED",
      "UNROUTED",
      "FILTERED",
      "PROCESSED",
      "ERROR",
      "DUPLICATE",
    ]);
    assert.deepEqual(r.STAGES, ["ingress", "routed", "outbound"]);
    assert.ok(r.MESSAGE_TYPES.includes("ADT^A01") && r.MESSAGE_TYPES.includes("ORU^R01"));
    assert.equal(r.notFound, 404);
    assert.equal(r.adt, true);
    assert.equal(r.bogus, false);
    assert.match(r.resolved.replaceAll("\\", "/"), /engine\/dist\/contract\.js$/);
  });

  // The extension host and the webviews bundle it with esbuild: it must bring no engine runtime along
  // (no fastify, database or node:* module; a browser bundle fails to resolve node:* outright).
  for (const [label, conditions] of [
    ["from source, as scripts/build.mjs bundles it", ["source"]],
    ["from the built dist, as a published package is bundled", []],
  ] as const) {
    it(`bundles messagefoundry/api for the browser ${label}, with pure data modules only`, async () => {
      const result = await esbuild.build({
        stdin: {
          contents: `import * as api from "messagefoundry/api"; globalThis.api = api;`,
          resolveDir: root,
          loader: "ts",
        },
        bundle: true,
        write: false,
        metafile: true,
        platform: "browser",
        format: "esm",
        absWorkingDir: root,
        conditions: [...conditions],
        logLevel: "silent",
        logOverride: { "empty-import-meta": "silent" },
      });
      const inputs = Object.keys(result.metafile.inputs)
        .filter((f) => f !== "<stdin>")
        .map((f) => f.replace(/^engine\/(src|dist)\//, "").replace(/\.(ts|js)$/, ""))
        .sort();
      // auth/permissions: the role and permission lists (the Users view's role pick), plain data.
      // load/builtin-profiles and load/charts: the load profiles and chart specs (Load Test panel), plain data.
      // node-flags: the engine's Node.js flags (VS Code's local engine), one list.
      assert.deepEqual(inputs, [
        "api/error-codes",
        "auth/permissions",
        "contract",
        "generate/message-types",
        "load/builtin-profiles",
        "load/charts",
        "node-flags",
        "store/types",
      ]);
    });
  }

  it("runs the CLI through npx messagefoundry --help", () => {
    const out = execFileSync("npx", ["--no-install", "messagefoundry", "--help"], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, NODE_OPTIONS: "" },
    });
    assert.match(out, /Usage: messagefoundry/);
    for (const command of ["validate", "graph", "dryrun", "check", "generate", "init"]) {
      assert.match(out, new RegExp(`\\b${command}\\b`), `--help lists ${command}`);
    }
  });
});
