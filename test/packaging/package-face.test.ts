// The published faces work as a user sees them after `npm run build`: the engine's subpath exports resolve to
// engine/dist without the `source` condition, and the CLI runs through npx. (`npm test` builds before mocha.)
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

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
