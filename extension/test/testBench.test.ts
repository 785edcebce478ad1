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
  fixtureFiles,
  fixtureStem,
  readCheck,
  readDryRun,
  readFixtureSpec,
} from "../src/testbench/fixtures.js";

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

describe("Test Bench helpers", () => {
  it("makes file-safe fixture names", () => {
    assert.equal(fixtureStem("  ADT A01 / night run.hl7 "), "adt_a01_night_run");
    assert.equal(fixtureStem("///"), "case");
  });

  it("explains malformed CLI output instead of throwing a bare error", () => {
    assert.throws(() => readDryRun({ nope: 1 }), /no `results` list/);
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
