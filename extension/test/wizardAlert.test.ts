/** The Alert Wizard's pure model: answers → the alert(...) call in a module, checked by the graph's rules. */
import assert from "node:assert/strict";
import type { GraphNode, RegistryGraph } from "messagefoundry/graph";
import {
  type AlertAnswers,
  addAlertToModule,
  alertCall,
  checkAlertName,
  checkConditionValue,
  checkRenotify,
  suggestAlertName,
  validateAlert,
} from "../src/wizard/model.js";

const at = { file: "a.ts", line: 1, column: 1, endLine: 1, endColumn: 5 };
const node = (kind: GraphNode["kind"], name: string): GraphNode => ({
  kind,
  name,
  origin: "ts",
  location: at,
});
const graph: RegistryGraph = {
  version: 1,
  nodes: [node("inbound", "IB_LAB_ORU"), node("outbound", "OB_EHR_ADT"), node("outbound", "OB_OPS_HOOK")],
  edges: [],
  envUses: [],
  alerts: [{ name: "AL_EHR_ADT_DOWN", origin: "ts", location: at, when: {}, notify: [] }],
};

const answers = (over: Partial<AlertAnswers> = {}): AlertAnswers => ({
  name: "AL_EHR_ADT_STUCK",
  connection: "OB_EHR_ADT",
  condition: "backlogOlderThan",
  value: "10m",
  notify: ["OB_OPS_HOOK"],
  ...over,
});

describe("Alert Wizard model", () => {
  it("writes the call for each condition", () => {
    assert.equal(
      alertCall(answers({ renotify: "2h" })),
      'alert("AL_EHR_ADT_STUCK", { when: { connection: "OB_EHR_ADT", backlogOlderThan: "10m" }, notify: ["OB_OPS_HOOK"], renotify: "2h" });',
    );
    assert.equal(
      alertCall(answers({ condition: "deadLetters", value: "any", notify: [] })),
      'alert("AL_EHR_ADT_STUCK", { when: { connection: "OB_EHR_ADT", deadLetters: true } });',
    );
    assert.equal(
      alertCall(answers({ condition: "errorRateAbove", value: "0.05", window: "15m", notify: [] })),
      'alert("AL_EHR_ADT_STUCK", { when: { connection: "OB_EHR_ADT", errorRateAbove: 0.05, window: "15m" } });',
    );
    assert.equal(
      alertCall(answers({ condition: "backlogAbove", value: "100", notify: [] })),
      'alert("AL_EHR_ADT_STUCK", { when: { connection: "OB_EHR_ADT", backlogAbove: 100 } });',
    );
  });

  it("adds alert to the module's messagefoundry import, or the import to a module without one", () => {
    const a = answers({ notify: [] });
    const call = alertCall(a);
    assert.equal(addAlertToModule(undefined, a), `import { alert } from "messagefoundry";\n\n${call}\n`);
    assert.equal(
      addAlertToModule(
        'import { outbound, rest } from "messagefoundry";\n\noutbound("OB_OPS_HOOK", rest({ url: "x" }));\n',
        a,
      ),
      `import { alert, outbound, rest } from "messagefoundry";\n\noutbound("OB_OPS_HOOK", rest({ url: "x" }));\n${call}\n`,
    );
    assert.equal(
      addAlertToModule(
        'import { alert } from "messagefoundry";\nalert("AL_X", { when: { connection: "OB_EHR_ADT", down: "1m" } });',
        a,
      ),
      `import { alert } from "messagefoundry";\nalert("AL_X", { when: { connection: "OB_EHR_ADT", down: "1m" } });\n${call}\n`,
    );
    assert.equal(
      addAlertToModule("const x = 1;\n", a),
      `import { alert } from "messagefoundry";\nconst x = 1;\n${call}\n`,
    );
  });

  it("checks each step with the engine's own parse and rules", () => {
    assert.equal(suggestAlertName("OB_EHR_ADT", "down"), "AL_EHR_ADT_DOWN");
    assert.equal(suggestAlertName("IB_LAB_ORU", "certExpiresWithin"), "AL_LAB_ORU_CERT");
    assert.equal(checkAlertName("AL_EHR_ADT_DOWN", graph), "An alert named AL_EHR_ADT_DOWN already exists.");
    assert.match(checkAlertName("ehr down", graph) ?? "", /^Alert names are AL_/);
    assert.equal(checkAlertName("AL_NEW", graph), undefined);
    assert.equal(checkConditionValue(answers({ value: "10m" })), undefined);
    assert.equal(
      checkConditionValue(answers({ value: "ten minutes" })),
      'when.backlogOlderThan "ten minutes" is not a duration: write a number with a unit, e.g. "30s", "5m", "2h" or "14d"',
    );
    assert.equal(
      checkConditionValue(answers({ condition: "backlogAbove", value: "lots" })),
      "when.backlogAbove must be a whole number of 0 or more",
    );
    assert.equal(
      checkConditionValue(answers({ condition: "errorRateAbove", value: "5" })),
      "when.errorRateAbove must be a fraction from 0 to below 1",
    );
    assert.equal(checkRenotify(""), undefined);
    assert.equal(checkRenotify("1h"), undefined);
    assert.match(checkRenotify("hourly") ?? "", /^Write a duration/);
    assert.deepEqual(validateAlert(answers(), graph), []);
    assert.deepEqual(validateAlert(answers({ connection: "IB_LAB_ORU", notify: ["IB_LAB_ORU"] }), graph), [
      'alert "AL_EHR_ADT_STUCK": backlogOlderThan watches an outbound lane; "IB_LAB_ORU" is an inbound',
      'alert "AL_EHR_ADT_STUCK" notifies "IB_LAB_ORU", an inbound: notices go out through outbounds',
    ]);
    assert.deepEqual(validateAlert(answers({ name: "AL_EHR_ADT_DOWN" }), graph), [
      "An alert named AL_EHR_ADT_DOWN already exists.",
    ]);
  });
});
