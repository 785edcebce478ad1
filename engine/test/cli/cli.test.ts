/**
 * The CLI through its real entry (run(argv)): exit codes, --help, and JSON outputs pinned by fixtures
 * under engine/test/fixtures/cli/ that the language server and extension tests read too.
 * Set UPDATE_FIXTURES=1 to rewrite the pinned files after an intended change.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { after, describe, it } from "mocha";
import { cleanupConfigs, writeConfig } from "../config/helpers.js";
import { cli } from "./harness.js";

const ROOT = join(import.meta.dirname, "../../..");
const FIXTURES = join(ROOT, "engine/test/fixtures/cli");

function run(args: string[], env: Record<string, string> = {}, cwd = ROOT) {
  return cli(args, cwd, env);
}

function pinned(name: string, actual: string): void {
  const file = join(FIXTURES, name);
  if (process.env.UPDATE_FIXTURES === "1" || !existsSync(file)) writeFileSync(file, actual);
  assert.equal(actual, readFileSync(file, "utf8"), `output differs from pinned ${name}`);
}

describe("messagefoundry CLI", () => {
  after(cleanupConfigs);

  it("validate --json on the samples: ok, pinned", async () => {
    const r = await run(["validate", "--config", "samples/config", "--env", "dev", "--json"]);
    assert.equal(r.code, 0, r.err);
    pinned("validate-samples.json", r.out);
  });

  it("validate --json on a broken config: every problem positioned, exit 1, pinned", async () => {
    const r = await run(["validate", "-c", "engine/test/fixtures/configs/broken", "-e", "dev", "--json"]);
    assert.equal(r.code, 1);
    const codes = (JSON.parse(r.out) as { problems: { code: string }[] }).problems.map((p) => p.code).sort();
    assert.deepEqual(codes, [
      "MF-DUPLICATE-NAME",
      "MF-ENV-MISSING",
      "MF-PORT-CLASH",
      "MF-SETTINGS-SCHEMA",
      "MF-UNKNOWN-HANDLER",
      "MF-UNKNOWN-OUTBOUND",
      "MF-UNKNOWN-ROUTER",
      "MF-UNREACHABLE",
      "MF-UNREACHABLE",
    ]);
    pinned("validate-broken.json", r.out);
    const text = await run(["validate", "-c", "engine/test/fixtures/configs/broken", "-e", "dev"]);
    assert.match(
      text.out,
      /^routes\.ts:5:\d+: error MF-UNKNOWN-ROUTER: .*\n {4}hint: Did you mean "broken_adt_router"\?/m,
    );
  });

  it("graph --json / --mermaid / --dot on the samples, pinned", async () => {
    const j = await run(["graph", "-c", "samples/config", "--json"]);
    assert.equal(j.code, 0, j.err);
    pinned("graph-samples.json", j.out);
    const m = await run(["graph", "-c", "samples/config", "--mermaid"]);
    assert.match(m.out, /^flowchart LR\n/);
    assert.match(m.out, /inbound_IB_ACME_ADT --> router_acme_adt_router/);
    const d = await run(["graph", "-c", "samples/config", "--dot"]);
    assert.match(d.out, /"handler_acme_adt_to_billing" -> "outbound_OB_BILLING_ADT";/);
    assert.equal((await run(["graph", "--json", "--dot", "-c", "samples/config"])).code, 2);
  });

  it("dryrun --json without and with --show-phi, pinned", async () => {
    const args = [
      "dryrun",
      "-c",
      "samples/config",
      "-i",
      "IB_ACME_ADT",
      "-m",
      "samples/messages/adt_a01.hl7",
      "samples/messages/adt_a08.hl7",
      "--json",
    ];
    const r = await run(args);
    assert.equal(r.code, 0, r.err);
    assert.doesNotMatch(r.out, /"payload"/);
    pinned("dryrun-samples.json", r.out);
    const phi = await run([...args, "--show-phi"]);
    pinned("dryrun-samples-phi.json", phi.out);
    assert.match(phi.out, /"payload": "MSH\|/);
  });

  it("dryrun --json --trace says which router returned no handler and which handler returned nothing", async () => {
    type Out = import("../../src/contract.js").DryRunOutput;
    const args = ["dryrun", "-c", "samples/config", "-i", "IB_LAB_ORU", "--json", "--trace", "-m"];
    const r = await run([...args, "samples/messages/oru_r01_normal.hl7", "samples/messages/adt_a01.hl7"]);
    assert.equal(r.code, 0, r.err);
    const [filtered, unrouted] = (JSON.parse(r.out) as Out).results;
    assert.equal(filtered?.disposition, "FILTERED");
    assert.deepEqual(filtered?.trace, [
      {
        step: "router",
        name: "lab_oru_router",
        file: "oru.ts",
        line: 7,
        reads: [{ path: "MSH-9", file: "oru.ts", line: 7 }],
        writes: [],
        result: { kind: "handlers", handlers: ["lab_oru_abnormal"] },
      },
      {
        step: "handler",
        name: "lab_oru_abnormal",
        file: "oru.ts",
        line: 9,
        reads: [{ path: "OBX-8", file: "oru.ts", line: 10 }],
        writes: [],
        result: { kind: "nothing" },
      },
    ]);
    assert.equal(unrouted?.disposition, "UNROUTED");
    assert.deepEqual(
      unrouted?.trace?.map((s) => [s.step, s.name, s.result]),
      [["router", "lab_oru_router", { kind: "handlers", handlers: [] }]],
    );
    // Values are PHI: only with --show-phi, with before/after for writes.
    const phi = await run([...args, "samples/messages/oru_r01_abnormal.hl7", "--show-phi"]);
    const steps = (JSON.parse(phi.out) as Out).results[0]?.trace ?? [];
    // Each read and write carries the line of the user's statement that made it (a Steps view's rows).
    assert.deepEqual(steps[0]?.reads, [{ path: "MSH-9", value: "ORU^R01", file: "oru.ts", line: 7 }]);
    assert.deepEqual(steps[1]?.writes, [
      { path: "MSH-5", before: "RECEIVER", after: "CLINIC", file: "oru.ts", line: 12 },
    ]);
    // The line of the user's send(...) that produced the delivery (oru.ts:16).
    assert.deepEqual(steps[1]?.result, {
      kind: "sends",
      sends: [{ outbound: "OB_CLINIC_ORU", file: "oru.ts", line: 16 }],
    });
  });

  it("dryrun --every-inbound runs the messages through each inbound, in the registry's order, in one process", async () => {
    type Every = import("../../src/contract.js").DryRunEveryOutput;
    const args = ["dryrun", "-c", "samples/config", "--every-inbound", "--json", "--trace"];
    const r = await run([...args, "-m", "samples/messages/oru_r01_abnormal.hl7"]);
    assert.equal(r.code, 0, r.err);
    const every = JSON.parse(r.out) as Every;
    // The registry's order: the one the "several inbounds" usage error lists.
    const several = await run(["dryrun", "-c", "samples/config", "-m", "samples/messages/adt_a01.hl7"]);
    const listed = /one of: ([^)]*)\)/.exec(several.err)?.[1]?.split(", ");
    assert.ok(listed && listed.length > 1, several.err);
    assert.deepEqual(
      every.runs.map((x) => x.inbound),
      listed,
    );
    const dispositions = Object.fromEntries(every.runs.map((x) => [x.inbound, x.results[0]?.disposition]));
    assert.equal(dispositions.IB_LAB_ORU, "PROCESSED", "the lab inbound's router takes an abnormal ORU");
    assert.equal(dispositions.IB_DROP_ORM, "UNROUTED", "the ORM inbound's router does not");
    // A survey: an inbound that cannot take the message (X12, JSON) answers ERROR, and the exit stays 0.
    assert.equal(dispositions.IB_RTE_REQUEST, "ERROR");
    assert.doesNotMatch(r.out, /"payload"/, "no message text without --show-phi");
    const both = await run([...args, "-i", "IB_LAB_ORU", "-m", "samples/messages/oru_r01_abnormal.hl7"]);
    assert.equal(both.code, 2);
    assert.match(both.err, /pass --inbound or --every-inbound, not both/);
  });

  it("dryrun: clear usage errors without stack traces", async () => {
    const several = await run(["dryrun", "-c", "samples/config", "-m", "samples/messages/adt_a01.hl7"]);
    assert.equal(several.code, 2);
    assert.match(several.err, /^messagefoundry: several inbounds; pass --inbound \(one of: .*IB_ACME_ADT/);
    assert.doesNotMatch(several.err, /\n\s+at /);
    const missing = await run(["dryrun", "-c", "samples/config", "-i", "IB_ACME_ADT", "-m", "nope.hl7"]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /message file not found: nope\.hl7/);
    const noDir = await run(["validate", "-c", "does/not/exist"]);
    assert.equal(noDir.code, 2);
    assert.match(noDir.err, /config dir not found/);
    const badFlag = await run(["validate", "--bogus"]);
    assert.equal(badFlag.code, 2);
    assert.match(badFlag.err, /unknown option '--bogus'/);
  });

  it("every command has --help (exit 0)", async () => {
    for (const c of [
      "init",
      "validate",
      "graph",
      "dryrun",
      "check",
      "generate",
      "connection",
      "connection upsert",
    ]) {
      const r = await run([...c.split(" "), "--help"]);
      assert.equal(r.code, 0, c);
      assert.match(r.out, /Usage: messagefoundry/, c);
    }
  });

  it("check passes on the samples (validate + type-check + 6 fixtures)", async () => {
    const r = await run(["check", "-c", "samples/config", "--json"]);
    assert.equal(r.code, 0, r.out);
    const j = JSON.parse(r.out) as { ok: boolean; fixtures: { passed: boolean }[] };
    assert.equal(j.ok, true);
    assert.ok(j.fixtures.length >= 6 && j.fixtures.every((f) => f.passed));
  });

  it("generate is deterministic per seed and rejects unknown types", async () => {
    const a = await run(["generate", "-t", "VXU^V04", "-n", "2", "-s", "42"]);
    const b = await run(["generate", "-t", "VXU^V04", "-n", "2", "-s", "42"]);
    const c = await run(["generate", "-t", "VXU^V04", "-n", "2", "-s", "43"]);
    assert.equal(a.out, b.out);
    assert.notEqual(a.out, c.out);
    assert.equal((a.out.match(/^MSH\|/gm) ?? []).length, 2);
    const bad = await run(["generate", "-t", "ADT^Z99"]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /unknown --type "ADT\^Z99"/);
  });

  it("connection upsert/list/remove edit connections.toml keeping comments", async () => {
    const dir = writeConfig({
      "connections.toml":
        '# keep this comment\n\n[[outbound]]\nname = "OB_KEEP" # inline\ntransport = "file"\n[outbound.settings]\npath = "out"\n',
    });
    const up = await run([
      "connection",
      "upsert",
      "-c",
      dir,
      "-k",
      "inbound",
      "-n",
      "IB_NEW",
      "-t",
      "mllp",
      "-r",
      "r_new",
      "-s",
      "port=2680",
      "-s",
      "host=env:new_host",
    ]);
    assert.equal(up.code, 0, up.err);
    const text = readFileSync(join(dir, "connections.toml"), "utf8");
    assert.match(text, /^# keep this comment\n/);
    assert.match(text, /name = "OB_KEEP" # inline/);
    const list = JSON.parse((await run(["connection", "list", "-c", dir, "--json"])).out) as unknown[];
    assert.deepEqual(list, [
      {
        kind: "inbound",
        name: "IB_NEW",
        transport: "mllp",
        settings: { port: 2680, host: { env: "new_host" } },
        options: { router: "r_new" },
      },
      { kind: "outbound", name: "OB_KEEP", transport: "file", settings: { path: "out" }, options: {} },
    ]);
    const rm = await run(["connection", "remove", "-c", dir, "-k", "outbound", "-n", "OB_KEEP"]);
    assert.equal(rm.code, 0, rm.err);
    assert.doesNotMatch(readFileSync(join(dir, "connections.toml"), "utf8"), /OB_KEEP/);
    assert.equal((await run(["connection", "remove", "-c", dir, "-k", "outbound", "-n", "OB_KEEP"])).code, 1);
  });

  it("the real binary entry runs under node (shebang file)", async () => {
    const exec = promisify(execFile);
    const { stdout } = await exec(
      process.execPath,
      [
        "--conditions=source",
        "--import",
        "tsx",
        "engine/src/cli/main.ts",
        "generate",
        "-t",
        "ADT^A04",
        "-s",
        "1",
      ],
      { cwd: ROOT },
    );
    assert.match(stdout, /^MSH\|\^~\\&\|MEFOR_GEN\|/);
    assert.ok(readFileSync(join(ROOT, "engine/src/cli/main.ts"), "utf8").startsWith("#!/usr/bin/env node\n"));
  });
});
