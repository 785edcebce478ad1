/**
 * The code set grid in headless Chromium, with the test playing the host exactly as the extension does:
 * each posted intent is applied with the codeset-table model to the text, and the re-read document is
 * sent back. Asserts the resulting file texts, so a grid action is checked down to the bytes it writes.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "mocha";
import { applyCodeSetIntent, readCodeSetDocument } from "../../src/model/codeset-table.js";
import type { CodeSetEditorToView, CodeSetIntent } from "../../src/protocol/codeSetEditor.js";
import { type OpenView, startHarness, type ViewHarness } from "./harness.js";

const CSV = 'code,value\r\nH,High\r\nL,Low\r\n"A,B",comma\r\n';

describe("webview: codeSetEditor (headless Chromium)", function () {
  this.timeout(60_000);
  let harness: ViewHarness;
  let view: OpenView;
  let text = CSV;
  let version = 1;
  let edits = 0;

  const doc = (): CodeSetEditorToView => ({
    type: "document",
    version,
    model: readCodeSetDocument("flags", "csv", text),
  });

  async function applyNextEdit(): Promise<CodeSetIntent> {
    const posted = (await view.waitForPosted("edit", edits)) as unknown as {
      version: number;
      intent: CodeSetIntent;
    };
    edits++;
    assert.equal(posted.version, version, "edits carry the version they were made against");
    const r = applyCodeSetIntent("csv", text, posted.intent);
    text = text.slice(0, r.start) + r.newText + text.slice(r.end);
    version++;
    await view.send(doc());
    return posted.intent;
  }

  const shown = () =>
    view.page.$$eval("#grid tbody tr", (trs) =>
      trs.map((tr) => [...tr.querySelectorAll("input")].map((i) => (i as HTMLInputElement).value).join("=")),
    );

  before(async () => {
    harness = await startHarness(["codeSetEditor"]);
    view = await harness.open("codeSetEditor");
    await view.send(doc());
  });
  after(async () => harness?.close());

  it("shows the rows in file order with a count; search filters codes and values", async () => {
    const { page } = view;
    assert.equal(await page.textContent("#title"), "Code set flags (CSV)");
    assert.deepEqual(await shown(), ["H=High", "L=Low", "A,B=comma"]);
    assert.equal(await page.textContent("#summary"), "3 codes");
    await page.fill("#search", "o");
    assert.deepEqual(await shown(), ["L=Low", "A,B=comma"]);
    assert.equal(await page.textContent("#summary"), "showing 2 of 3 codes");
    await page.fill("#search", "");
  });

  it("sorts by code, reversed, then back to file order", async () => {
    const { page } = view;
    await page.click('button[data-sort="code"]');
    assert.deepEqual(await shown(), ["A,B=comma", "H=High", "L=Low"]);
    await page.click('button[data-sort="code"]');
    assert.deepEqual(await shown(), ["L=Low", "H=High", "A,B=comma"]);
    await page.click('button[data-sort="code"]');
    assert.deepEqual(await shown(), ["H=High", "L=Low", "A,B=comma"]);
  });

  it("edits a value, adds a row with a quote, deletes a row, sets the default — each one exact edit", async () => {
    const { page } = view;
    await page.fill('#grid tr[data-code="H"] input.value', "Above range");
    await page.press('#grid tr[data-code="H"] input.value', "Tab");
    assert.deepEqual(await applyNextEdit(), {
      kind: "editRow",
      code: "H",
      newCode: "H",
      value: "Above range",
    });
    await page.fill("#new-code", "Q");
    await page.fill("#new-value", 'say "q"');
    await page.click("#add");
    assert.deepEqual(await applyNextEdit(), { kind: "addRow", code: "Q", value: 'say "q"' });
    await page.click('#grid tr[data-code="L"] button.delete');
    assert.deepEqual(await applyNextEdit(), { kind: "deleteRow", code: "L" });
    await page.fill("#default", "Other");
    await page.press("#default", "Enter");
    await page.press("#default", "Tab");
    assert.deepEqual(await applyNextEdit(), { kind: "setDefault", value: "Other" });
    assert.equal(text, 'code,value\r\nH,Above range\r\n"A,B",comma\r\nQ,"say ""q"""\r\n*,Other\r\n');
    assert.deepEqual(await shown(), ["H=Above range", "A,B=comma", 'Q=say "q"']);
    assert.equal(await page.inputValue("#default"), "Other");
    await view.screenshot("codeSetEditor");
  });

  it("refuses a duplicate code in the view, and shows the host's rejection", async () => {
    const { page } = view;
    await page.fill("#new-code", "H");
    await page.click("#add");
    assert.equal(
      await page.textContent("#banner"),
      'The code "H" is already in the table: each code maps to one value.',
    );
    await view.send({ type: "editRejected", message: "The file has a problem at line 2." });
    assert.equal(await page.textContent("#banner"), "The file has a problem at line 2.");
  });

  it("a broken file: problems listed with their lines, the grid read-only", async () => {
    const { page } = view;
    text = "code,value\nH,High\nH,Hi\n";
    version++;
    await view.send(doc());
    assert.match(
      (await page.textContent("#problems")) ?? "",
      /line 3: code "H" appears twice \(first at line 2\)/,
    );
    assert.equal(await page.getAttribute("#add", "disabled"), "");
    assert.equal(await page.getAttribute('#grid tr[data-code="H"] input.value', "disabled"), "");
    await page.click("#problems button.link");
    assert.deepEqual(await view.waitForPosted("showText"), { type: "showText", line: 3 });
  });
});
