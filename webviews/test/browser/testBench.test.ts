import assert from "node:assert/strict";
import type { DryRunOutput } from "messagefoundry/api";
import { after, before, describe, it } from "mocha";
import type { TestBenchToView } from "../../src/protocol/testBench.js";
import { type OpenView, startHarness, type ViewHarness } from "./harness.js";

const SAMPLE = [
  "MSH|^~\\&|SENDER|FAC|RECV|FAC|20260101120000||ADT^A01|MSG0001|P|2.5.1",
  "PID|1||12345^^^HOSP^MR||test^patient||19800101|F",
  "PV1|1|I|WARD^101^A",
].join("\r");
const DELIVERED = [
  "MSH|^~\\&|SENDER|FAC|RECV|FAC|20260101120000||ADT^A01|MSG0001|P|2.5.1",
  "PID|1||12345^^^HOSP^MR||TEST^patient||19800101|F",
  "PV1|1|I|WARD^101^A",
  "ZMF|routed",
].join("\r");

const cases: TestBenchToView = {
  type: "cases",
  inbounds: ["IB_ACME_ADT", "IB_LAB_ORU"],
  cases: [
    { id: "file:///cfg/samples/adt_a01.hl7", label: "samples/adt_a01.hl7", kind: "sample" },
    { id: "file:///cfg/tests/adt_a01.json", label: "tests/adt_a01.json", kind: "fixture" },
  ],
};

describe("webview: testBench (headless Chromium)", function () {
  this.timeout(60_000);
  let harness: ViewHarness;
  let view: OpenView;

  before(async () => {
    harness = await startHarness(["testBench"]);
    view = await harness.open("testBench");
    await view.send(cases);
  });
  after(async () => harness?.close());

  it("lists cases; opening one asks the host and loads its text into monaco", async () => {
    const { page } = view;
    assert.deepEqual(await page.$$eval("#cases .case", (els) => els.map((e) => e.textContent)), [
      "sample samples/adt_a01.hl7",
      "fixture tests/adt_a01.json",
    ]);
    await page.click('#cases .case[data-id="file:///cfg/samples/adt_a01.hl7"]');
    assert.deepEqual(await view.waitForPosted("openCase"), {
      type: "openCase",
      id: "file:///cfg/samples/adt_a01.hl7",
    });
    await view.send({ type: "caseText", id: "file:///cfg/samples/adt_a01.hl7", text: SAMPLE });
    await page.waitForSelector(".monaco-editor .view-lines");
    await page.waitForFunction(() =>
      document.querySelector(".view-lines")?.textContent?.includes("PV1|1|I|WARD"),
    );
  });

  it("Run posts the editor's (edited) text and the chosen inbound", async () => {
    const { page } = view;
    // Edit in monaco: go to the end of the document and add a segment.
    await page.click(".monaco-editor .view-lines");
    await page.keyboard.press("Control+End");
    await page.keyboard.press("Enter");
    await page.keyboard.type("NTE|1||edited in the bench");
    await page.click("#run");
    const posted = (await view.waitForPosted("run")) as unknown as {
      id: string;
      text: string;
      inbound: string;
    };
    assert.equal(posted.id, "file:///cfg/samples/adt_a01.hl7");
    assert.equal(posted.inbound, "IB_ACME_ADT");
    assert.match(posted.text, /^MSH\|\^~\\&\|SENDER/);
    assert.match(posted.text, /PV1\|1\|I\|WARD\^101\^A(\r\n|\n|\r)NTE\|1\|\|edited in the bench$/);
  });

  it("shows disposition, handlers and an HL7-aware diff per delivery", async () => {
    const { page } = view;
    const output: DryRunOutput = {
      env: "dev",
      inbound: "IB_ACME_ADT",
      results: [
        {
          source: "adt_a01.hl7",
          index: 0,
          inbound: "IB_ACME_ADT",
          messageType: "ADT^A01",
          controlId: "MSG0001",
          disposition: "PROCESSED",
          router: "acme_adt_router",
          handlers: [
            { name: "acme_adt_handler", disposition: "PROCESSED" },
            { name: "acme_adt_filter", disposition: "FILTERED" },
          ],
          deliveries: [
            {
              handler: "acme_adt_handler",
              outbound: "OB_ACME_ADT",
              bytes: DELIVERED.length,
              sha256: "ab".repeat(32),
              payload: DELIVERED,
            },
            {
              handler: "acme_adt_handler",
              outbound: "OB_ACME_COPY",
              bytes: SAMPLE.length,
              sha256: "cd".repeat(32),
              payload: SAMPLE,
            },
          ],
        },
      ],
    };
    await view.send({ type: "runStarted", id: "file:///cfg/samples/adt_a01.hl7" });
    assert.equal(await page.getAttribute("#run", "disabled"), "");
    await view.send({ type: "runResult", id: "file:///cfg/samples/adt_a01.hl7", text: SAMPLE, output });
    assert.equal(await page.textContent("#run-summary"), "1 message(s): 1 PROCESSED");
    assert.match(
      (await page.textContent(".message h3")) ?? "",
      /PROCESSED Message 1 · ADT\^A01 · MSG0001 · via IB_ACME_ADT → acme_adt_router/,
    );
    assert.match((await page.textContent(".handlers")) ?? "", /acme_adt_filter FILTERED/);
    const rows = await page.$$eval('.delivery[data-outbound="OB_ACME_ADT"] tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent)),
    );
    assert.deepEqual(rows, [
      ["PID-5", "changed", "test^patient", "TEST^patient"],
      ["ZMF", "segment added", "", "ZMF|routed"],
    ]);
    assert.equal(
      await page.textContent('.delivery[data-outbound="OB_ACME_COPY"] .diff-none'),
      "Delivered unchanged.",
    );
    await view.screenshot("testBench");
  });

  it("saves the case as a fixture with the result it shows", async () => {
    const { page } = view;
    await page.click("#save-fixture");
    const posted = (await view.waitForPosted("saveFixture")) as unknown as {
      name: string;
      text: string;
      output: DryRunOutput;
    };
    assert.equal(posted.name, "adt_a01");
    assert.equal(posted.text, SAMPLE);
    assert.equal(posted.output.results[0]?.disposition, "PROCESSED");
    await view.send({
      type: "fixtureSaved",
      id: "file:///cfg/samples/adt_a01.hl7",
      fixture: { id: "file:///cfg/tests/adt_a01_2.json", label: "tests/adt_a01_2.json", kind: "fixture" },
    });
    assert.equal(await page.locator("#cases .case").count(), 3);
  });

  it("says why: the router that returned no handler (UNROUTED) and the handler that returned nothing (FILTERED)", async () => {
    const { page } = view;
    const base = { source: "m.hl7", inbound: "IB_LAB_ORU", router: "lab_oru_router", deliveries: [] };
    const routerStep = (handlers: string[], value: string) => ({
      step: "router" as const,
      name: "lab_oru_router",
      file: "oru.ts",
      line: 7,
      reads: [{ path: "MSH-9", value }],
      writes: [],
      result: { kind: "handlers" as const, handlers },
    });
    const output: DryRunOutput = {
      env: "dev",
      inbound: "IB_LAB_ORU",
      results: [
        { ...base, index: 0, disposition: "UNROUTED", handlers: [], trace: [routerStep([], "ADT^A01")] },
        {
          ...base,
          index: 1,
          disposition: "FILTERED",
          handlers: [{ name: "lab_oru_abnormal", disposition: "FILTERED" }],
          trace: [
            routerStep(["lab_oru_abnormal"], "ORU^R01"),
            {
              step: "handler",
              name: "lab_oru_abnormal",
              file: "oru.ts",
              line: 9,
              reads: [{ path: "OBX-8", value: "N~N" }],
              writes: [],
              result: { kind: "nothing" },
            },
          ],
        },
      ],
    };
    await view.send({ type: "runResult", id: "file:///cfg/samples/adt_a01.hl7", text: SAMPLE, output });
    const why = await page.$$eval(".message .why-step", (els) => els.map((e) => e.textContent));
    assert.deepEqual(why, [
      "Router lab_oru_router (oru.ts:7) returned no handler. Open It read MSH-9 = ADT^A01.",
      "Handler lab_oru_abnormal (oru.ts:9) returned nothing. Open It read OBX-8 = N~N.",
    ]);
    await page.click('.why-step[data-name="lab_oru_abnormal"] .link');
    assert.deepEqual(await view.waitForPosted("openSource"), { type: "openSource", file: "oru.ts", line: 9 });
  });

  it("re-runs all fixtures and shows pass/fail", async () => {
    const { page } = view;
    await page.click("#run-all");
    assert.deepEqual(await view.waitForPosted("runAllFixtures"), { type: "runAllFixtures" });
    await view.send({
      type: "fixtureResults",
      outcomes: [
        { id: "file:///cfg/tests/adt_a01.json", label: "tests/adt_a01.json", passed: true, failures: [] },
        {
          id: "file:///cfg/tests/oru_r01.json",
          label: "tests/oru_r01.json",
          passed: false,
          failures: ["OB_LAB_ORU: payload differs at OBX-5"],
        },
      ],
    });
    assert.equal(await page.textContent("#outcome-summary"), "1 of 2 passed");
    assert.match((await page.textContent(".outcomes li.fail")) ?? "", /OB_LAB_ORU: payload differs at OBX-5/);
    assert.deepEqual(((await view.state()) as { outcomes: unknown[] }).outcomes.length, 2);
  });

  it("asks for files and for a generated message", async () => {
    await view.page.click("#pick-files");
    assert.deepEqual(await view.waitForPosted("pickFiles"), { type: "pickFiles" });
    await view.page.click("#generate");
    assert.deepEqual(await view.waitForPosted("generate"), { type: "generate", messageType: "ADT^A01" });
  });

  it("opened on a file: selects that case and the inbound the host found, still changeable", async () => {
    const { page } = view;
    const id = "file:///cfg/tests/adt_a01.json";
    const count = (type: string) =>
      page.evaluate(
        (t) =>
          (window as unknown as { __posted: { type: string }[] }).__posted.filter((m) => m.type === t).length,
        type,
      );
    const [opened, ran] = [await count("openCase"), await count("run")];
    await view.send({ type: "select", id, inbound: "IB_LAB_ORU" });
    assert.deepEqual(await view.waitForPosted("openCase", opened), { type: "openCase", id });
    assert.equal(await page.getAttribute(`#cases .case[data-id="${id}"]`, "aria-current"), "true");
    assert.equal(await page.$eval("#inbound", (el) => (el as HTMLSelectElement).value), "IB_LAB_ORU");
    await view.send({ type: "caseText", id, text: SAMPLE });
    await page.$eval("#inbound", (el) => {
      (el as HTMLSelectElement).value = "IB_ACME_ADT";
      el.dispatchEvent(new Event("change"));
    });
    await page.click("#run");
    const posted = (await view.waitForPosted("run", ran)) as unknown as { id: string; inbound: string };
    assert.deepEqual([posted.id, posted.inbound], [id, "IB_ACME_ADT"]);
  });

  it("keeps the picked inbound when the host sends the cases again (a config file was saved)", async () => {
    const { page } = view;
    const ran = await page.evaluate(
      () =>
        (window as unknown as { __posted: { type: string }[] }).__posted.filter((m) => m.type === "run")
          .length,
    );
    await page.$eval("#inbound", (el) => {
      (el as HTMLSelectElement).value = "IB_LAB_ORU";
      el.dispatchEvent(new Event("change"));
    });
    await view.send(cases);
    await page.waitForTimeout(200); // the select settles its options on a later task
    assert.equal(await page.$eval("#inbound", (el) => (el as HTMLSelectElement).value), "IB_LAB_ORU");
    await page.click("#run");
    const posted = (await view.waitForPosted("run", ran)) as unknown as { inbound: string };
    assert.equal(posted.inbound, "IB_LAB_ORU");
  });

  it("shows a failed run, and ran without CSP violations or page errors", async () => {
    await view.send({
      type: "runFailed",
      id: "x",
      message: "the config does not load: routes/acme.ts:3 MF-LOAD-EXEC",
    });
    assert.match((await view.page.textContent("#results")) ?? "", /the config does not load/);
    assert.deepEqual(view.errors, []);
  });

  it("diffs with messagefoundry/hl7's parser but does not bundle the HL7 dictionary", async () => {
    const bundle = await (await view.page.request.get(new URL("/testBench.js", view.page.url()).href)).text();
    assert.ok(bundle.includes("HL7_TEXT_OUTSIDE_MESSAGE"), "the engine's parser is in the bundle");
    assert.ok(!bundle.includes("Patient Identification"), "the definitions are not");
  });
});
