import assert from "node:assert/strict";
import { after, before, describe, it } from "mocha";
import type { ParseTreeToView } from "../../src/protocol/parseTree.js";
import { type OpenView, startHarness, type ViewHarness } from "./harness.js";

const TEXT = [
  "MSH|^~\\&|SENDER|FAC|RECV|FAC|20260101120000||ADT^A01^ADT_A01|MSG0001|P|2.5.1",
  "EVN|A01|20260101120000",
  "PID|1||12345^^^HOSP^MR~67890^^^OTHER^MR||TEST^PATIENT^A||19800101|F|||1 MAIN ST^^TOWN^ST^00000",
  "PV1|1|I|WARD^101^A",
].join("\r");
const BASE = 100; // as if the message started at offset 100 of the document

describe("webview: parseTree (headless Chromium)", function () {
  this.timeout(60_000);
  let harness: ViewHarness;
  let view: OpenView;

  before(async () => {
    harness = await startHarness(["parseTree"]);
    view = await harness.open("parseTree");
    const load: ParseTreeToView = { type: "load", text: TEXT, baseOffset: BASE, title: "adt_a01.hl7" };
    await view.send(load);
  });
  after(async () => harness?.close());

  it("renders segments and fields with values, identifiers masked by default", async () => {
    const { page } = view;
    await page.waitForSelector('vscode-tree-item[data-id="m1/PID[1]"]');
    // Names arrive from the host (the harness answers the view's lookup with the real definitions).
    await page.waitForSelector('vscode-tree-item[data-id="m1/PID[1]/5"] > .name');
    const segments = await page.$$eval("#tree > vscode-tree-item > .path", (els) =>
      els.map((e) => e.textContent),
    );
    assert.deepEqual(segments, ["MSH", "EVN", "PID", "PV1"]);
    const pid5 = await page.textContent('vscode-tree-item[data-id="m1/PID[1]/5"] > [slot="description"]');
    assert.equal(pid5, "XPN = •••");
    assert.equal(await page.textContent('vscode-tree-item[data-id="m1/PID[1]/5"] > .name'), " Patient Name");
    const pid8 = await page.textContent('vscode-tree-item[data-id="m1/PID[1]/8"] > [slot="description"]');
    assert.equal(pid8, "IS = F");
    assert.equal(await page.textContent("#title"), "adt_a01.hl7");
  });

  it("asks the host once for the names of the segments on screen, and never bundles the dictionary", async () => {
    const lookups = (await view.posted()).filter((m) => m.type === "lookup");
    assert.deepEqual(lookups, [
      { type: "lookup", requestId: 1, version: "2.5.1", segments: ["MSH", "EVN", "PID", "PV1"] },
    ]);
    assert.equal(
      await view.page.textContent('vscode-tree-item[data-id="m1/PID[1]"] > .name'),
      " Patient Identification",
    );
    // The bundle has no dictionary text of its own: every name on screen came through the host.
    // (Read from Node: the page's CSP rightly forbids fetch.)
    const bundle = await (await view.page.request.get(new URL("/parseTree.js", view.page.url()).href)).text();
    assert.ok(!bundle.includes("Patient Identification"));
    assert.ok(bundle.length < 1_000_000, `parseTree.js is ${bundle.length} bytes`);
  });

  it("unmasks when the toggle is cleared, and keeps it in view state", async () => {
    const { page } = view;
    await page.focus("#mask");
    await page.keyboard.press("Space");
    const pid5 = await page.textContent('vscode-tree-item[data-id="m1/PID[1]/5"] > [slot="description"]');
    assert.equal(pid5, "XPN = TEST^PATIENT^A");
    assert.equal(((await view.state()) as { mask: boolean }).mask, false);
    await page.keyboard.press("Space");
    assert.equal(
      await page.textContent('vscode-tree-item[data-id="m1/PID[1]/5"] > [slot="description"]'),
      "XPN = •••",
    );
  });

  it("clicking a node posts reveal with document offsets", async () => {
    const { page } = view;
    const before = (await view.posted()).filter((m) => m.type === "reveal").length;
    await page.click('vscode-tree-item[data-id="m1/PID[1]/8"] > .path');
    const reveal = await view.waitForPosted("reveal", before);
    const start = TEXT.indexOf("|F|") + 1;
    assert.deepEqual(reveal, { type: "reveal", start: start + BASE, end: start + 1 + BASE });
  });

  it("selectOffset from the host selects and expands the deepest node, without echoing reveal", async () => {
    const { page } = view;
    const reveals = (await view.posted()).filter((m) => m.type === "reveal").length;
    const offset = TEXT.indexOf("OTHER") + BASE + 2;
    await view.send({ type: "selectOffset", offset });
    const id = 'vscode-tree-item[data-id="m1/PID[1]/3/r2/4"]';
    await page.waitForFunction(
      (sel) => (document.querySelector(sel) as { selected?: boolean } | null)?.selected === true,
      id,
    );
    assert.equal(
      await page.evaluate(
        () =>
          (document.querySelector('vscode-tree-item[data-id="m1/PID[1]/3"]') as unknown as { open: boolean })
            .open,
      ),
      true,
    );
    assert.match((await page.textContent("#selected")) ?? "", /^PID-3\[2\]\.4/);
    assert.equal((await view.posted()).filter((m) => m.type === "reveal").length, reveals);
  });

  it("copies the selected field path through the host", async () => {
    await view.page.click("#copy-path");
    const copy = await view.waitForPosted("copy");
    assert.deepEqual(copy, { type: "copy", text: "PID-3[2].4" });
  });

  it("keeps the clicked field selected when the host reports the selection it made (cursor at its end)", async () => {
    const { page } = view;
    const selected = async () => (await page.textContent("#selected")) ?? "";
    /** Messages are handled in order: once this marker shows, everything sent before it was handled. */
    let n = 0;
    const settled = async () => {
      const marker = `marker ${++n}`;
      await view.send({ type: "hostError", message: marker });
      await page.waitForFunction((m) => document.querySelector("#problems")?.textContent === m, marker);
    };
    const before = (await view.posted()).filter((m) => m.type === "reveal").length;
    await page.click('vscode-tree-item[data-id="m1/PID[1]/5"] > .path');
    const reveal = (await view.waitForPosted("reveal", before)) as unknown as { start: number; end: number };
    // What the host does: select [start, end] in the editor, then report that selection back.
    await view.send({ type: "selectOffset", offset: reveal.start, end: reveal.end });
    await settled();
    assert.match(await selected(), /^PID-5 — Patient Name/);
    // From elsewhere (the user selected the field's text in the editor): the field, not PID-5.3.
    await view.send({ type: "selectOffset", offset: TEXT.indexOf("19800101") + BASE + 1 });
    await page.waitForFunction(() => /^PID-7/.test(document.querySelector("#selected")?.textContent ?? ""));
    await view.send({ type: "selectOffset", offset: reveal.start, end: reveal.end });
    await settled();
    assert.match(await selected(), /^PID-5 — Patient Name/);
    await view.send({ type: "hostError", message: "" });
  });

  it("finds a field by path from the keyboard", async () => {
    const { page } = view;
    await page.click("#find");
    await page.keyboard.type("PV1-3");
    await page.waitForFunction(() => document.querySelector("#find-status")?.textContent === "1 of 4");
    assert.match((await page.textContent("#selected")) ?? "", /^PV1-3 — Assigned Patient Location/);
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => document.querySelector("#find-status")?.textContent === "2 of 4");
    assert.match((await page.textContent("#selected")) ?? "", /^PV1-3\.1 — Point of Care/);
  });

  it("finds a field by name, case-insensitively", async () => {
    const { page } = view;
    await page.click("#find");
    await page.keyboard.press("Control+A");
    await page.keyboard.type("patient name");
    await page.waitForFunction(() =>
      /^1 of \d+$/.test(document.querySelector("#find-status")?.textContent ?? ""),
    );
    assert.match((await page.textContent("#selected")) ?? "", /^PID-5 — Patient Name \(XPN\)/);
    const reveal = await view.waitForPosted(
      "reveal",
      (await view.posted()).filter((m) => m.type === "reveal").length - 1,
    );
    const start = TEXT.indexOf("TEST^PATIENT^A");
    assert.deepEqual(reveal, {
      type: "reveal",
      start: start + BASE,
      end: start + "TEST^PATIENT^A".length + BASE,
    });
  });

  it("ran under the strict CSP without errors; screenshot", async () => {
    await view.screenshot("parseTree");
    assert.deepEqual(view.errors, []);
  });

  it("asks only for segments it has no names for yet; a batch shows its envelope and messages", async () => {
    const { page } = view;
    const asked = (await view.posted()).filter((m) => m.type === "lookup").length;
    const batch = `BHS|^~\\&|SENDER\r${TEXT}\r${TEXT.replace("PV1|1|I", "OBX|1|ST")}\rBTS|2`;
    await view.send({ type: "load", text: batch, baseOffset: 0, title: "batch.hl7" });
    const lookup = await view.waitForPosted("lookup", asked);
    assert.deepEqual(lookup, {
      type: "lookup",
      requestId: 2,
      version: "2.5.1",
      segments: ["OBX", "BHS", "BTS"],
    });
    await page.waitForSelector('vscode-tree-item[data-id="env/BTS[1]"] > .name');
    const top = await page.$$eval("#tree > vscode-tree-item > .path", (els) => els.map((e) => e.textContent));
    assert.deepEqual(top, ["BHS", "Message 1", "Message 2", "BTS"]);
    assert.equal(await page.textContent('vscode-tree-item[data-id="env/BTS[1]"] > .name'), " Batch Trailer");
    await page.waitForSelector('vscode-tree-item[data-id="m2/OBX[1]/3"] > .name', { state: "attached" });
    assert.equal(
      await page.textContent('vscode-tree-item[data-id="m2/OBX[1]/3"] > .name'),
      " Observation Identifier",
    );
  });

  it("explains text that is not HL7", async () => {
    await view.send({ type: "load", text: "hello", baseOffset: 0, title: "x.hl7" });
    assert.match((await view.page.textContent("#problems")) ?? "", /no MSH segment/);
  });
});
