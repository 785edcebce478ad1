/**
 * The Test Bench's contract with the real CLI: a dry run's JSON is checked and handed to the view with
 * payloads (for its before/after diff), a saved case becomes fixture files that `messagefoundry check`
 * replays and passes, and a fixture whose expected output no longer matches is reported failing, with why.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseJsonOutput } from "../src/cli/index.js";
import {
  dryRunArgs,
  fixtureFiles,
  fixtureStem,
  inboundChoices,
  pickInbound,
  probeText,
  readCheck,
  readDryRun,
  readDryRunEvery,
  readFixtureSpec,
  routerVerdict,
} from "../src/testbench/index.js";

import { copySamples, type SampleCopy } from "./support/engineCli.js";

describe("Test Bench against the real CLI", () => {
  let samples: SampleCopy;
  beforeEach(() => {
    samples = copySamples();
  });
  afterEach(() => samples.remove());

  it("dry-runs a sample, saves it as a fixture that `check` passes, and reports a broken one", async () => {
    const text = readFileSync(join(samples.root, "messages/adt_a01.hl7"), "utf8");
    const dry = await samples.run([
      "dryrun",
      "--config",
      ".",
      "--env",
      "dev",
      "--inbound",
      "IB_ACME_ADT",
      "--messages",
      "../messages/adt_a01.hl7",
      "--json",
      "--show-phi",
    ]);
    const output = readDryRun(parseJsonOutput(dry, "dryrun"));
    const [msg] = output.results;
    assert.equal(msg?.disposition, "PROCESSED");
    assert.equal(msg?.inbound, "IB_ACME_ADT");
    assert.equal(msg?.messageType, "ADT^A01");
    assert.deepEqual(
      msg?.handlers.map((h) => [h.name, h.disposition]),
      [
        ["acme_adt_to_emr", "PROCESSED"],
        ["acme_adt_to_billing", "PROCESSED"],
        ["acme_adt_to_chart_db", "PROCESSED"],
      ],
    );
    const billing = msg?.deliveries.find((d) => d.outbound === "OB_BILLING_ADT");
    assert.match(text, /[\r\n]NK1\|/);
    assert.doesNotMatch(billing?.payload ?? "NK1", /[\r\n]NK1\|/, "the billing payload has NK1 removed");

    const files = fixtureFiles("Billing A01 regression", "IB_ACME_ADT", text, output);
    assert.deepEqual(Object.keys(files).sort(), [
      "tests/billing_a01_regression.hl7",
      "tests/billing_a01_regression.json",
      "tests/expected/billing_a01_regression.OB_BILLING_ADT.hl7",
      "tests/expected/billing_a01_regression.OB_CHART_DB_ADT.json",
      "tests/expected/billing_a01_regression.OB_EMR_ADT.hl7",
    ]);
    assert.deepEqual(readFixtureSpec(files["tests/billing_a01_regression.json"]!), {
      inbound: "IB_ACME_ADT",
      message: "billing_a01_regression.hl7",
    });
    for (const [rel, content] of Object.entries(files)) writeFileSync(join(samples.configDir, rel), content);
    // Break another fixture's expectation so `check` has something to report.
    writeFileSync(
      join(samples.configDir, "tests/expected/acme_adt_a08.OB_EMR_ADT.hl7"),
      "MSH|^~\\&|CHANGED\r",
    );

    const check = await samples.run(["check", "--config", ".", "--env", "dev", "--no-typecheck", "--json"]);
    const outcomes = readCheck(check.stdout, check.code, (file) => `case:${file}`);
    const byLabel = new Map(outcomes.map((o) => [o.label, o]));
    assert.deepEqual(byLabel.get("tests/billing_a01_regression.json"), {
      id: "case:tests/billing_a01_regression.json",
      label: "tests/billing_a01_regression.json",
      passed: true,
      failures: [],
    });
    assert.equal(byLabel.get("tests/acme_adt_a08.json")?.passed, false);
    assert.match(byLabel.get("tests/acme_adt_a08.json")?.failures.join() ?? "", /payload differs/);
    assert.equal(check.code, 1);
  });
});

describe("Test Bench explains, against the real CLI", () => {
  let samples: SampleCopy;
  before(() => {
    samples = copySamples();
  });
  after(() => samples.remove());

  /** A traced dry run of one sample message as the bench runs it; `inbound` absent = let the CLI pick. */
  async function traced(message: string, opts: { inbound?: string; showPhi: boolean }) {
    const cli = await samples.run(dryRunArgs("dev", `../messages/${message}`, opts));
    return { cli, output: cli.code === 2 ? undefined : readDryRun(parseJsonOutput(cli, "dryrun")) };
  }

  it("UNROUTED names the router that returned no handler and its line; FILTERED the handler that returned nothing", async () => {
    const unrouted = (await traced("adt_a01.hl7", { inbound: "IB_LAB_ORU", showPhi: true })).output;
    const u = unrouted?.results[0];
    assert.equal(u?.disposition, "UNROUTED");
    assert.deepEqual(u?.trace, [
      {
        step: "router",
        name: "lab_oru_router",
        file: "oru.ts",
        line: 7,
        reads: [{ path: "MSH-9", value: "ADT^A01", file: "oru.ts", line: 7 }],
        writes: [],
        result: { kind: "handlers", handlers: [] },
      },
    ]);
    const filtered = (await traced("oru_r01_normal.hl7", { inbound: "IB_LAB_ORU", showPhi: true })).output;
    const f = filtered?.results[0];
    assert.equal(f?.disposition, "FILTERED");
    const handler = f?.trace?.find((s) => s.step === "handler");
    assert.deepEqual(
      [handler?.name, handler?.file, handler?.line, handler?.result],
      ["lab_oru_abnormal", "oru.ts", 9, { kind: "nothing" }],
    );
    assert.deepEqual(
      handler?.reads.map((r) => r.path),
      ["OBX-8"],
    );
  });

  it("opened on a message file, picks the inbound whose router accepts its MSH-9 over a catch-all", async function () {
    // One real CLI dry run through every inbound per message file.
    this.timeout(60_000);
    const runs = async (message: string) => {
      const text = probeText(readFileSync(join(samples.root, "messages", message), "utf8"));
      assert.ok(text);
      writeFileSync(join(samples.root, "probe.hl7"), text);
      const cli = await samples.run(dryRunArgs("dev", "../probe.hl7", { every: true, showPhi: false }));
      assert.notEqual(cli.code, 2, cli.stderr);
      return readDryRunEvery(parseJsonOutput(cli, "dryrun")).runs;
    };
    const oru = await runs("oru_r01_normal.hl7");
    const order = oru.map((r) => r.inbound);
    assert.ok(order.length > 1, "the samples have several inbounds");
    assert.ok(order.indexOf("IB_ACME_ADT") < order.indexOf("IB_LAB_ORU"), "ADT is asked first");
    const verdict = (name: string) => {
      const run = oru.find((r) => r.inbound === name);
      assert.ok(run, name);
      return routerVerdict(run);
    };
    // The ADT router returns handlers for every message type: a catch-all, asked first but not picked.
    assert.equal(verdict("IB_ACME_ADT"), "any");
    assert.equal(verdict("IB_LAB_ORU"), "specific");
    assert.equal(pickInbound(oru), "IB_LAB_ORU");
    assert.equal(pickInbound(await runs("adt_a01.hl7")), "IB_ACME_ADT");
    // Nothing of the messages is printed without --show-phi.
    for (const run of oru)
      for (const r of run.results) for (const d of r.deliveries) assert.equal(d.payload, undefined);
  });
});

describe("Test Bench helpers", () => {
  it("routerVerdict, pickInbound, inboundChoices, probeText and the dryrun arguments", () => {
    const step = (handlers: string[]) => ({
      step: "router" as const,
      name: "r",
      file: "r.ts",
      line: 1,
      reads: [],
      writes: [],
      result: { kind: "handlers" as const, handlers },
    });
    const out = (first: string[], other: string[]) => ({
      env: "dev",
      inbound: "IB",
      results: [first, other].map((handlers, index) => ({
        source: "m",
        index,
        inbound: "IB",
        disposition: "UNROUTED" as const,
        handlers: [],
        deliveries: [],
        trace: [step(handlers)],
      })),
    });
    assert.equal(routerVerdict(out(["h"], [])), "specific");
    assert.equal(routerVerdict(out(["h"], ["h"])), "any");
    assert.equal(routerVerdict(out([], ["h"])), "no");
    assert.deepEqual(inboundChoices("messagefoundry: several inbounds; pass --inbound (one of: A, B)\n"), [
      "A",
      "B",
    ]);
    assert.equal(inboundChoices("message file not found"), undefined);
    assert.equal(
      probeText("MSH|^~\\&|A|B|C|D|20260101||ORU^R01|1|P|2.5.1\rOBX|1\r"),
      "MSH|^~\\&|A|B|C|D|20260101||ORU^R01|1|P|2.5.1\rOBX|1\rMSH|^~\\&|A|B|C|D|20260101||ZZZ^Z99|1|P|2.5.1\rOBX|1\r",
    );
    assert.equal(probeText("not hl7"), undefined);
    assert.deepEqual(dryRunArgs("dev", "m.hl7", { showPhi: false, every: true }).slice(-2), [
      "--trace",
      "--every-inbound",
    ]);
    const run = (inbound: string, first: string[], other: string[]) => ({
      inbound,
      results: out(first, other).results,
    });
    assert.equal(pickInbound([run("ONLY", [], [])]), "ONLY", "the only inbound, whatever its router says");
    assert.equal(pickInbound([run("ALL", ["h"], ["h"]), run("ORU", ["h"], [])]), "ORU");
    assert.equal(pickInbound([run("ALL", ["h"], ["h"]), run("NO", [], [])]), "ALL");
    assert.equal(pickInbound([run("A", [], []), run("B", [], ["h"])]), undefined);
    assert.deepEqual(dryRunArgs("dev", "m.hl7", { showPhi: false, inbound: "A" }), [
      "dryrun",
      "--config",
      ".",
      "--env",
      "dev",
      "--messages",
      "m.hl7",
      "--json",
      "--trace",
      "--inbound",
      "A",
    ]);
  });

  it("makes file-safe fixture names", () => {
    assert.equal(fixtureStem("  ADT A01 / night run.hl7 "), "adt_a01_night_run");
    assert.equal(fixtureStem("///"), "case");
  });

  it("explains malformed CLI output instead of throwing a bare error", () => {
    assert.throws(() => readDryRun({ nope: 1 }), /no `results` list/);
    assert.throws(() => readDryRunEvery({ results: [] }), /no `runs` list/);
    assert.throws(() => readDryRunEvery({ runs: [{ results: [] }] }), /a run has no inbound/);
    assert.throws(
      () => readDryRunEvery({ runs: [{ inbound: "A", results: [{}] }] }),
      /result 0 has no disposition/,
    );
    assert.throws(() => readDryRun({ results: [{}] }), /result 0 has no disposition/);
    assert.throws(() => readDryRun({ results: [{ disposition: "PROCESSED" }] }), /no handlers\/deliveries/);
    assert.throws(() => readFixtureSpec("{"), /not valid JSON/);
    assert.throws(() => readFixtureSpec("{}"), /needs "inbound" and "message"/);
    assert.deepEqual(
      readCheck("Error: config does not load", 1, (f) => f),
      [
        {
          id: "tests",
          label: "messagefoundry check",
          passed: false,
          failures: ["Error: config does not load"],
        },
      ],
    );
    const broken = {
      ok: false,
      problems: [{ code: "MF-LOAD-EXEC", severity: "error", message: "boom" }],
      fixtures: [],
    };
    assert.deepEqual(
      readCheck(JSON.stringify(broken), 1, (f) => f),
      [{ id: "tests", label: "messagefoundry check", passed: false, failures: ["boom"] }],
    );
  });
});
