/** The Test Bench shows which code set mapped which value, from the traced dry run, in headless Chromium. */
import assert from "node:assert/strict";
import type { DryRunOutput } from "messagefoundry/api";
import { after, before, describe, it } from "mocha";
import { type OpenView, startHarness, type ViewHarness } from "./harness.js";

const ID = "file:///cfg/samples/oru.hl7";
const SAMPLE = "MSH|^~\\&|LAB|FAC|RECV|FAC|20260101||ORU^R01|M1|P|2.5.1\rOBX|1|NM|X||1||||H";

describe("webview: testBench code sets (headless Chromium)", function () {
  this.timeout(60_000);
  let harness: ViewHarness;
  let view: OpenView;

  before(async () => {
    harness = await startHarness(["testBench"]);
    view = await harness.open("testBench");
    await view.send({
      type: "cases",
      inbounds: ["IB_LAB_ORU"],
      cases: [{ id: ID, label: "samples/oru.hl7", kind: "sample" }],
    });
  });
  after(async () => harness?.close());

  it("lists each lookup: set, code → value, default row marked, and a link to the lookup's line", async () => {
    const { page } = view;
    const output: DryRunOutput = {
      env: "dev",
      inbound: "IB_LAB_ORU",
      results: [
        {
          source: "oru.hl7",
          index: 0,
          inbound: "IB_LAB_ORU",
          disposition: "FILTERED",
          handlers: [{ name: "lab_oru_abnormal", disposition: "FILTERED" }],
          deliveries: [],
          trace: [
            {
              step: "handler",
              name: "lab_oru_abnormal",
              file: "oru.ts",
              line: 9,
              reads: [],
              writes: [],
              codeSets: [
                {
                  codeSet: "abnormal_flags",
                  source: "table",
                  defaultUsed: false,
                  code: "H",
                  value: "High",
                  file: "oru.ts",
                  line: 15,
                },
                {
                  codeSet: "abnormal_flags",
                  source: "default",
                  defaultUsed: true,
                  code: "?",
                  value: "Unlisted",
                  file: "oru.ts",
                  line: 15,
                },
              ],
              result: { kind: "nothing" },
            },
          ],
        },
      ],
    };
    await view.send({ type: "runResult", id: ID, text: SAMPLE, output });
    assert.deepEqual(
      await page.$$eval(".codeset-mapping", (ps) =>
        ps.map((p) => [p.textContent, p.classList.contains("default-used")]),
      ),
      [
        ["abnormal_flags: H → High in lab_oru_abnormal oru.ts:15", false],
        ["abnormal_flags: ? → Unlisted (default row) in lab_oru_abnormal oru.ts:15", true],
      ],
    );
    await page.click(".codeset-mapping button.link");
    assert.deepEqual(await view.waitForPosted("openSource"), {
      type: "openSource",
      file: "oru.ts",
      line: 15,
    });
  });
});
