/**
 * The analyst's Steps view in a real VS Code (code-server, the packaged .vsix): open a handler as Steps
 * (its code lens, the editor's cursor, the Config explorer, the graph), see live values for a sample,
 * change a literal value from the view, and the Test Bench's diff shows the change — no TypeScript
 * typed. Run with `npm run test:e2e` (test/e2e/run.sh); screenshots go to test-artifacts/e2e/steps-*.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Frame } from "playwright-core";
import { textOf, useWorkbench } from "./harness.js";

describe("Steps view in a real VS Code (code-server 4.100.3)", function () {
  this.timeout(120_000);
  const suite = useWorkbench("steps");
  let steps: Frame;

  const sentences = (frame: Frame) =>
    frame.locator(".row .sentence").evaluateAll((els) => els.map((e) => (e.textContent ?? "").trim()));

  it("puts Open as Steps above each router and handler, and opens the handler at the cursor as rows", async () => {
    await suite.wb.quickOpen("adt.ts");
    // The language server's code lenses: one per router/handler declaration of adt.ts.
    const lenses = suite.wb.page.locator(".contentWidgets .codelens-decoration", {
      hasText: "Open as Steps",
    });
    await lenses.first().waitFor({ timeout: 90_000 });
    const lines = readFileSync(join(suite.configDir, "adt.ts"), "utf8").split("\n");
    const declared = lines.filter((l) => /^(router|handler)\(/.test(l)).length;
    assert.equal(await lenses.count(), declared);
    const line = lines.findIndex((l) => l.includes('handler("acme_adt_to_billing"'));
    assert.ok(line >= 0);
    await suite.wb.goTo(line + 2, 5);
    await suite.wb.runCommand("MessageFoundry: Open as Steps");
    steps = await suite.wb.webview("steps");
    await steps.locator(".row").first().waitFor({ timeout: 60_000 });
    assert.match(await textOf(steps.locator("#title")), /Handler acme_adt_to_billing — adt\.ts/);
    const rows = await sentences(steps);
    assert.deepEqual(rows.slice(0, 2), ["Set  to", "Delete every  segment"]);
    assert.match(rows[2] ?? "", /^Send to/);
    const literal = steps.locator('vscode-textfield[data-row="0"][data-arg="1"]');
    assert.equal(await literal.evaluate((e) => (e as HTMLInputElement).value), "BILLING");
    await suite.wb.screenshot("steps-1-rows");
  });

  it("shows live values for a sample: what each row read and wrote", async () => {
    const sample = steps.locator("#sample");
    await sample.locator("vscode-option", { hasText: "adt_a01.hl7" }).first().waitFor({ state: "attached" });
    await sample.evaluate((el) => {
      const select = el as HTMLElement & { value: string };
      const option = Array.from(el.querySelectorAll("vscode-option")).find((o) =>
        o.textContent?.includes("adt_a01.hl7"),
      );
      select.value = option?.getAttribute("value") ?? "";
      select.dispatchEvent(new Event("change", { bubbles: true }));
    });
    await steps.locator("#run").click();
    await steps.locator("#summary", { hasText: /sent to OB_BILLING_ADT/ }).waitFor({ timeout: 90_000 });
    const values = steps.locator('.row[data-id="0"] .values');
    await values.waitFor();
    assert.match(await textOf(values), /MSH-5: ".*" → "BILLING"/);
    assert.match(await textOf(steps.locator('.row[data-id="2"] .values')), /→ OB_BILLING_ADT/);
    await suite.wb.screenshot("steps-2-live-values");
  });

  it("changes a literal from the view: the file changes (undoably), values and the Test Bench diff follow", async () => {
    const field = steps.locator('vscode-textfield[data-row="0"][data-arg="1"]');
    await field.click();
    // As a user waits for the caret before typing: on a loaded host the click's focus can land late.
    for (let tries = 0; !(await field.evaluate((el) => el.matches(":focus-within"))); tries++) {
      assert.ok(tries < 20, "the argument field never took focus");
      await suite.wb.page.waitForTimeout(250);
      if (tries % 4 === 3) await field.click();
    }
    // The new value goes in at once (as a paste does): typed key by key on a loaded host, the first keys
    // can land before the field is ready (a browser test covers typing through a re-render).
    await field.locator("input").fill("BILLING_E2E");
    assert.equal(await field.evaluate((el) => (el as HTMLElement & { value: string }).value), "BILLING_E2E");
    await suite.wb.page.keyboard.press("Enter");
    const deadline = Date.now() + 30_000;
    while (
      !readFileSync(join(suite.configDir, "adt.ts"), "utf8").includes('msg.set("MSH-5", "BILLING_E2E")')
    ) {
      if (Date.now() > deadline) assert.fail("the edit did not reach adt.ts");
      await suite.wb.page.waitForTimeout(250);
    }
    // The rows and the live values are refreshed from the new text.
    await steps
      .locator('.row[data-id="0"] .values', { hasText: /"BILLING_E2E"/ })
      .waitFor({ timeout: 90_000 });
    await suite.wb.screenshot("steps-3-edited");

    const bench = await suite.wb.runTestBench("adt_a01.hl7", "IB_ACME_ADT");
    const billing = bench.locator('.delivery[data-outbound="OB_BILLING_ADT"]');
    await billing.waitFor({ timeout: 90_000 });
    assert.match(await textOf(billing), /BILLING_E2E/);
    await suite.wb.screenshot("steps-4-test-bench");
  });

  it("opens a handler as Steps from the Config explorer and from the graph", async () => {
    await suite.wb.runCommand("Focus on Config View");
    // The list shows what fits: fold the inbounds and routers so the handlers come into view.
    for (const group of [/^\s*Inbounds \(\d+\)/, /^\s*Routers \(\d+\)/]) {
      const header = suite.wb.page.locator(".part.sidebar .monaco-list-row", { hasText: group }).first();
      await header.waitFor({ timeout: 60_000 });
      await header.click();
    }
    const row = suite.wb.treeRow("acme_adt_to_emr");
    await row.waitFor({ timeout: 60_000 });
    assert.ok((await suite.wb.rowActions("acme_adt_to_emr")).includes("Open as Steps"));
    await row.hover();
    await row.locator(".actions .action-label[aria-label='Open as Steps']").click();
    await waitForStepsTitle(/Handler acme_adt_to_emr/);

    await suite.wb.runCommand("MessageFoundry: Show Graph");
    const graph = await suite.wb.webview("graph");
    await graph.locator('g.node[data-name="lab_oru_abnormal"] .steps-link').click({ timeout: 60_000 });
    await waitForStepsTitle(/Handler lab_oru_abnormal — oru\.ts/);
    await suite.wb.screenshot("steps-5-from-graph");
  });

  /** Waits until some Steps panel shows this title (each function opens its own panel). */
  async function waitForStepsTitle(title: RegExp): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      for (const frame of suite.wb.page.frames()) {
        const t = await frame
          .locator('body[data-view="steps"] #title')
          .textContent({ timeout: 500 })
          .catch(() => null);
        if (t && title.test(t)) return;
      }
      if (Date.now() > deadline) assert.fail(`no Steps panel titled ${title}`);
      await suite.wb.page.waitForTimeout(250);
    }
  }
});
