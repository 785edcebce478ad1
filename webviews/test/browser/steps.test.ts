import assert from "node:assert/strict";
import { ConfigModel, engineDictionary, type FsHost, stepsOf } from "@messagefoundry/language-server/core";
import type { StepsFunction } from "@messagefoundry/language-server/protocol";
import type { DryRunResult } from "messagefoundry/api";
import { after, before, describe, it } from "mocha";
import type { StepsToView } from "../../src/protocol/steps.js";
import { type OpenView, startHarness, type ViewHarness } from "./harness.js";

const noFs: FsHost = {
  libDir: "/nonexistent",
  readFile: () => undefined,
  fileExists: () => false,
  directoryExists: () => false,
};

const CODE = `import { handler, send } from "messagefoundry";

handler("adt_emr", (msg) => {
  if (msg.get("MSH-9.2") === "A08") return [];
  // The EMR wants its own name.
  msg.set("MSH-5", "EMR");
  msg.set("PID-5.1", msg.get("PID-5.1")?.toUpperCase());
  msg.deleteSegments("NK1");
  return send("OB_EMR", msg);
});
`;

function steps(): StepsFunction {
  const model = new ConfigModel("/cfg", noFs, engineDictionary());
  model.setFile("adt.ts", CODE);
  const a = stepsOf(model, "adt.ts", { name: "adt_emr" });
  assert.ok(a);
  return a.steps;
}

const RESULT: DryRunResult = {
  source: "adt_a01.hl7",
  index: 0,
  inbound: "IB_ADT",
  disposition: "PROCESSED",
  handlers: [{ name: "adt_emr", disposition: "PROCESSED" }],
  deliveries: [],
  trace: [
    {
      step: "handler",
      name: "adt_emr",
      file: "adt.ts",
      line: 3,
      reads: [
        { path: "MSH-9.2", value: "A01", file: "adt.ts", line: 4 },
        { path: "PID-5.1", value: "Doe", file: "adt.ts", line: 7 },
      ],
      writes: [
        { path: "MSH-5", before: "RECEIVER", after: "EMR", file: "adt.ts", line: 6 },
        { path: "PID-5.1", before: "Doe", after: "DOE", file: "adt.ts", line: 7 },
        { path: "MSH-4", before: "LAB", after: "ACME", file: "_helpers/facility.ts", line: 2 },
      ],
      result: { kind: "sends", sends: [{ outbound: "OB_EMR", file: "adt.ts", line: 9 }] },
    },
  ],
};

describe("webview: steps (headless Chromium)", function () {
  this.timeout(60_000);
  let harness: ViewHarness;
  let view: OpenView;

  before(async () => {
    harness = await startHarness(["steps"]);
    view = await harness.open("steps");
    const messages: StepsToView[] = [
      {
        type: "steps",
        steps: steps(),
        revision: 7,
        names: { outbound: ["OB_BILLING", "OB_EMR"], handler: [] },
      },
      {
        type: "samples",
        samples: [{ id: "file:///cfg/messages/adt_a01.hl7", label: "messages/adt_a01.hl7", kind: "sample" }],
      },
    ];
    for (const m of messages) await view.send(m);
  });
  after(async () => harness?.close());

  const texts = (sel: string) => view.page.$$eval(sel, (els) => els.map((e) => (e.textContent ?? "").trim()));

  it("shows every statement as a row, in order, with its line; comments above their row", async () => {
    const { page } = view;
    await page.waitForSelector(".row");
    assert.equal(await page.textContent("#title"), "Handler adt_emr — adt.ts");
    assert.deepEqual(await texts(".row .line"), ["4", "4", "6", "7", "8", "9"]);
    assert.deepEqual(await page.$$eval(".row", (els) => els.map((e) => e.className)), [
      "row kind-if status-none",
      "row kind-stop status-none",
      "row kind-set status-none",
      "row kind-set status-none",
      "row kind-deleteSegment status-none",
      "row kind-send status-none",
    ]);
    assert.deepEqual(await texts(".row .sentence"), [
      'If msg.get("MSH-9.2") === "A08"',
      "Stop: send nothing (filtered)",
      "Set  to",
      'Set  to msg.get("PID-5.1")?.toUpperCase()',
      "Delete every  segment",
      "Send to OB_BILLINGOB_EMR", // the outbound is a pick list of the declared ones
    ]);
    assert.equal(
      await page.$eval('vscode-single-select[data-row="4"]', (e) => (e as HTMLSelectElement).value),
      "OB_EMR",
    );
    assert.deepEqual(await texts(".comment"), ["// The EMR wants its own name."]);
    const values = await page.$$eval(".row vscode-textfield.arg", (els) =>
      els.map((e) => (e as HTMLInputElement).value),
    );
    assert.deepEqual(values, ["MSH-5", "EMR", "PID-5.1", "NK1"]);
  });

  it("changing a literal posts a setArg edit with the rows' revision", async () => {
    const { page } = view;
    await page.click('vscode-textfield[data-row="1"][data-arg="1"]');
    await page.keyboard.press("Control+A");
    await page.keyboard.type("BILLING");
    await page.keyboard.press("Enter");
    assert.deepEqual(await view.waitForPosted("edit"), {
      type: "edit",
      revision: 7,
      edit: { type: "setArg", row: "1", arg: 1, value: "BILLING" },
    });
  });

  it("moves, deletes and adds rows from the palette", async () => {
    const { page } = view;
    await page.click('.row[data-id="3"] .tool.up');
    assert.deepEqual((await view.waitForPosted("edit", 1)) as unknown, {
      type: "edit",
      revision: 7,
      edit: { type: "move", row: "3", to: 2 },
    });
    await page.click('.row[data-id="2"] .tool.delete');
    assert.deepEqual(((await view.waitForPosted("edit", 2)) as unknown as { edit: unknown }).edit, {
      type: "delete",
      row: "2",
    });
    // "Add step…" at the end of the body goes before the final send.
    await page.click('vscode-button.add-step[data-block=""]');
    await page.waitForSelector("#palette:not(.hidden)");
    assert.equal(await page.textContent("#palette .muted"), "Add a step at position 5");
    await page.click('vscode-textfield[data-field="path"]');
    await page.keyboard.type("PV1-3.1");
    await page.click('vscode-textfield[data-field="value"]');
    await page.keyboard.type("ER");
    await page.click("#palette-add");
    assert.deepEqual(((await view.waitForPosted("edit", 3)) as unknown as { edit: unknown }).edit, {
      type: "insert",
      block: "",
      index: 4,
      step: { kind: "set", path: "PV1-3.1", value: "ER" },
    });
    assert.ok(await page.$("#palette.hidden"));
  });

  it("shows a refused edit's reason", async () => {
    await view.send({ type: "editRefused", message: "PID-99: PID has 39 fields" });
    assert.equal(await view.page.textContent("#notice"), "PID-99: PID has 39 fields");
  });

  it("asks for a traced run of the picked sample and shows values beside the rows, masked", async () => {
    const { page } = view;
    await page.click("#run");
    assert.deepEqual(await view.waitForPosted("runSample"), {
      type: "runSample",
      sample: "file:///cfg/messages/adt_a01.hl7",
    });
    await view.send({ type: "live", sample: "file:///cfg/messages/adt_a01.hl7", result: RESULT });
    assert.equal(
      await page.textContent("#summary"),
      "Handler adt_emr sent to OB_EMR; the message ended PROCESSED.",
    );
    assert.deepEqual(await texts(".row .values"), [
      'condition false · MSH-9.2 = "A01"',
      'MSH-5: "RECEIVER" → "EMR"',
      'PID-5.1 = "•••" · PID-5.1: "•••" → "•••"',
      "→ OB_EMR",
    ]);
    assert.deepEqual(await texts("#elsewhere div"), [
      "Also read and written by code these rows call:",
      '_helpers/facility.ts:2 MSH-4: "LAB" → "ACME"',
    ]);
    assert.deepEqual(await page.$$eval(".row", (els) => els.map((e) => e.className.split(" ")[2])), [
      "status-ran",
      "status-skipped",
      "status-ran",
      "status-ran",
      "status-ran",
      "status-ran",
    ]);
    await page.click("#mask");
    await page.waitForFunction(() => document.body.textContent?.includes('PID-5.1: "Doe" → "DOE"'));
    assert.deepEqual(await view.state(), { mask: false });
  });

  it("completes a field path as code does: the host's suggestions, one click picks and commits", async () => {
    const { page } = view;
    await page.click('vscode-textfield[data-row="2"][data-arg="0"]');
    await page.keyboard.press("Control+A");
    await page.keyboard.type("PID-5.");
    // (The palette's field asked once before.)
    const ask = (await view.waitForPosted("complete", 1)) as unknown as {
      requestId: number;
      role: string;
      typed: string;
    };
    assert.deepEqual([ask.role, ask.typed], ["path", "PID-5."]);
    await view.send({
      type: "completions",
      requestId: ask.requestId,
      items: [
        { value: "PID-5.1", description: "Family Name (FN)" },
        { value: "PID-5.2", description: "Given Name (ST)" },
      ],
    });
    assert.deepEqual(await texts(".suggestion"), ["PID-5.1 Family Name (FN)", "PID-5.2 Given Name (ST)"]);
    await view.screenshot("steps-suggestions");
    await page.click('.suggestion[data-value="PID-5.2"]');
    assert.deepEqual(((await view.waitForPosted("edit", 4)) as unknown as { edit: unknown }).edit, {
      type: "setArg",
      row: "2",
      arg: 0,
      value: "PID-5.2",
    });
    assert.equal(await page.locator(".suggestions:not(.hidden)").count(), 0);
  });

  it("keeps what is being typed in an argument when fresh values re-render the rows", async () => {
    const { page } = view;
    // The value of `msg.set("MSH-5", "EMR")`.
    const [row, arg] = await page.$$eval("vscode-textfield.arg", (els) => {
      const f = els.find((e) => (e as HTMLElement & { value: string }).value === "EMR") as HTMLElement;
      return [f.dataset.row, f.dataset.arg];
    });
    const field = page.locator(`vscode-textfield[data-row="${row}"][data-arg="${arg}"]`);
    await field.click();
    await page.keyboard.press("Control+A");
    await page.keyboard.type("BILL");
    // A traced run answering mid-typing redraws every row.
    await view.send({ type: "live", sample: "file:///cfg/messages/adt_a01.hl7", result: RESULT });
    await page.keyboard.type("ING");
    assert.equal(await field.evaluate((el) => (el as HTMLElement & { value: string }).value), "BILLING");
    assert.equal(await field.evaluate((el) => el.matches(":focus-within")), true);
    await page.keyboard.press("Escape");
  });

  it("ran under the strict CSP without errors; screenshot", async () => {
    await view.screenshot("steps");
    assert.deepEqual(view.errors, []);
  });
});
