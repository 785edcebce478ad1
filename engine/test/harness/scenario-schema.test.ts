/** Scenario files (JSON and TOML), their field-named errors, the checks' wording and the JUnit XML. */
import assert from "node:assert/strict";
import { evaluate, junitXml, parseScenario } from "../../src/scenario/index.js";

// biome-ignore lint/suspicious/noTemplateCurlyInString: a scenario file's own placeholder syntax
const TMP = "${tmp}";
const minimal = { engine: { config: "cfg" }, send: [{ port: 2600, files: ["a.hl7"] }] };
const bad = (patch: object, message: RegExp) =>
  assert.throws(() => parseScenario(JSON.stringify({ ...minimal, ...patch }), "s.json"), message);

describe("scenario: files, checks and JUnit XML", () => {
  it("reads JSON and TOML alike, with defaults", () => {
    const json = parseScenario(JSON.stringify(minimal), "s.json");
    const toml = parseScenario(
      `[engine]\nconfig = "cfg"\n[[send]]\nport = 2600\nfiles = ["a.hl7"]\n`,
      "s.toml",
    );
    assert.deepEqual(json, { ...toml, name: "s.json" });
    assert.equal(json.expect.timeoutMs, 30_000);
    const full = parseScenario(
      JSON.stringify({
        ...minimal,
        engine: { config: "cfg", env: "dev", values: { port: 1, dir: `${TMP}/x` } },
        sinks: {
          b: {
            value: "b_port",
            faults: { aeRate: 0.1, delay: "uniform:1-5", rules: { X: { action: "drop", times: 2 } } },
          },
        },
        expect: { deliveries: { b: { accepted: ["X"], arrivals: { X: 3 }, actions: { drop: 2 } } } },
      }),
      "full.json",
    );
    assert.deepEqual(full.engine?.values, { port: "1", dir: `${TMP}/x` });
    assert.deepEqual(full.sinks.b?.faults.delay, { kind: "uniform", min: 1, max: 5 });
    assert.deepEqual(full.sinks.b?.faults.rules, { X: { action: "drop", times: 2 } });
  });

  it("names the field that is wrong", () => {
    bad({ engine: undefined }, /give either engine .* or target/);
    bad({ target: { api: "http://x" } }, /give either engine/);
    bad({ extra: 1 }, /\(top\)\.extra: unknown field/);
    bad({ send: [] }, /send: must be a non-empty list/);
    bad({ send: [{ port: 1 }] }, /send\[0\]: give files or generate/);
    bad(
      { send: [{ port: 1, generate: { type: "ADT^Z99" } }] },
      /send\[0\]\.generate\.type: unknown message type/,
    );
    bad({ sinks: { b: { faults: { aeRate: 2 } } } }, /sinks\.b\.faults\.aeRate: must be a number 0\.\.1/);
    bad(
      { sinks: { b: { faults: { delay: "gamma" } } } },
      /sinks\.b\.faults\.delay: not a delay distribution/,
    );
    bad(
      { sinks: { b: { faults: { rules: { X: { action: "maybe" } } } } } },
      /rules\.X\.action: must be one of/,
    );
    bad({ expect: { dispositions: { X: "DONE" } } }, /expect\.dispositions\.X: must be one of RECEIVED/);
    bad(
      { expect: { deliveries: { nope: { accepted: 1 } } } },
      /expect\.deliveries\.nope: no sink of that name/,
    );
    assert.throws(() => parseScenario("{", "s.json"), /^ScenarioError: s\.json: /);
    assert.throws(() => parseScenario("a = ", "s.toml"), /s\.toml: /);
  });

  it("checks say what differed", () => {
    const record = (controlId: string, action: "AA" | "AE") => ({
      seq: 1,
      connection: 1,
      controlId,
      messageType: "",
      bytes: 1,
      receivedAt: 0,
      action,
    });
    const checks = evaluate(
      {
        timeoutMs: 1,
        acks: { AA: 2 },
        dispositions: { A: "PROCESSED", B: "ERROR" },
        deliveries: { s: { accepted: ["A", "B"], arrivals: { A: 2 } } },
        deadLetters: { OB: 1 },
      },
      {
        acks: { AA: 1, AE: 1 },
        dispositions: { A: "PROCESSED", B: undefined },
        sinks: { s: [record("A", "AE"), record("A", "AA")] },
        deadLetters: { OB: 0 },
      },
    );
    assert.deepEqual(
      checks.map((c) => [c.name, c.ok, c.message]),
      [
        ["ACK codes", false, "expected AA=2, got AA=1, AE=1"],
        ["disposition of A is PROCESSED", true, ""],
        ["disposition of B is ERROR", false, "got no such message"],
        ["sink s accepted A, B", false, "got A"],
        ["sink s arrivals per control id", true, ""],
        ["1 dead letter(s) on OB", false, "got 0"],
      ],
    );
  });

  it("JUnit XML escapes names and messages and counts failures and errors", () => {
    const xml = junitXml([
      {
        name: 'A & "B" <c>',
        file: "a.json",
        durationMs: 1500,
        checks: [
          { name: "ok one", ok: true, message: "" },
          { name: "bad\u0001one", ok: false, message: "got <none> & 'x'" },
        ],
      },
      { name: "b.json", file: "b.json", durationMs: 0, checks: [], error: "cannot read" },
    ]);
    assert.match(
      xml,
      /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="messagefoundry scenarios" tests="3" failures="1" errors="1" time="1\.500">/,
    );
    assert.match(
      xml,
      /<testsuite name="A &amp; &quot;B&quot; &lt;c&gt;" file="a\.json" tests="2" failures="1" errors="0" time="1\.500">/,
    );
    assert.match(
      xml,
      /<testcase classname="[^"]+" name="bad\?one"><failure message="got &lt;none&gt; &amp; &apos;x&apos;"\/><\/testcase>/,
    );
    assert.match(xml, /<testcase classname="b\.json" name="run"><error message="cannot read"\/><\/testcase>/);
  });
});
