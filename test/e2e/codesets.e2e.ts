/**
 * Code sets in a real VS Code (code-server with the packaged .vsix), as an analyst works — no TypeScript
 * typed: the lab route's flags code set opens in its grid; the Test Bench shows which code set mapped which
 * flag; a value changed in the grid and saved changes the mapping and the delivered NTE on the next run;
 * New Code Set creates a CSV set that opens in the grid, and a row added there lands in the file as RFC 4180.
 * Run with `npm run test:e2e` (test/e2e/run.sh); screenshots land in test-artifacts/e2e/.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Frame } from "playwright-core";
import { log, textOf, useWorkbench } from "./harness.js";

describe("Code sets in a real VS Code (code-server 4.100.3)", function () {
  this.timeout(120_000);
  const suite = useWorkbench("codesets");

  /** Runs the abnormal ORU sample on IB_LAB_ORU in the Test Bench; returns the code set lines and the delivery. */
  async function runAbnormalOru(): Promise<{ mappings: string[]; delivery: string }> {
    const bench = await suite.wb.runTestBench("oru_r01_abnormal.hl7", "IB_LAB_ORU");
    const mappings = await bench.locator(".codeset-mapping").allTextContents();
    const delivery = await textOf(bench.locator('.delivery[data-outbound="OB_CLINIC_ORU"]'));
    log(`code sets: ${JSON.stringify(mappings)}`);
    return { mappings: mappings.map((m) => m.replace(/\s+/g, " ").trim()), delivery };
  }

  async function grid(title: RegExp): Promise<Frame> {
    const view = await suite.wb.webview("codeSetEditor");
    await view.locator("#title", { hasText: title }).waitFor({ timeout: 30_000 });
    return view;
  }

  it("the flags code set opens in its grid; the Test Bench says which code set mapped which flag", async () => {
    // Opening the code set activates the extension (its custom editor) and shows the grid.
    await suite.wb.quickOpen("abnormal_flags.toml");
    const view = await grid(/Code set abnormal_flags \(TOML\)/);
    assert.deepEqual(
      await view
        .locator("#grid tbody tr")
        .evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-code"))),
      ["N", "L", "H", "LL", "HH", "A", "AA"],
    );
    assert.equal(await view.locator("#default").inputValue(), "Abnormal (unlisted flag)");
    await suite.wb.screenshot("codesets-1-grid");
    const run = await runAbnormalOru();
    assert.deepEqual(run.mappings, ["abnormal_flags: H → High in lab_oru_abnormal oru.ts:15"]);
    assert.match(run.delivery, /H = High/);
    await suite.wb.hidePanel();
    await suite.wb.screenshot("codesets-2-test-bench");
  });

  it("a value changed in the grid and saved changes the mapping on the next run", async () => {
    await suite.wb.tab("abnormal_flags.toml").click();
    const view = await grid(/Code set abnormal_flags \(TOML\)/);
    const value = view.locator('#grid tr[data-code="H"] input.value');
    await value.click();
    // Select in the page, then type key by key: VS Code runs a webview's Ctrl+A from the workbench, late
    // on a loaded host, so keys typed right after it could be selected and replaced.
    await value.evaluate((el) => (el as HTMLInputElement).select());
    await value.pressSequentially("Above range");
    await value.press("Tab");
    // The grid's change is a WorkspaceEdit on the document: the tab turns dirty until saved.
    await suite.wb.page
      .locator(".tabs-container .tab.active.dirty", { hasText: "abnormal_flags.toml" })
      .waitFor();
    await suite.wb.page.keyboard.press("Control+S");
    await suite.wb.page
      .locator(".tabs-container .tab.active:not(.dirty)", { hasText: "abnormal_flags.toml" })
      .waitFor();
    const toml = readFileSync(join(suite.configDir, "codesets/abnormal_flags.toml"), "utf8");
    assert.match(toml, /^H = "Above range"$/m);
    assert.match(toml, /^# HL7 table 0078/m, "the file's comments are kept");
    await suite.wb.screenshot("codesets-3-grid-edited");

    const run = await runAbnormalOru();
    assert.deepEqual(run.mappings, ["abnormal_flags: H → Above range in lab_oru_abnormal oru.ts:15"]);
    assert.match(run.delivery, /H = Above range/);
    await suite.wb.hidePanel();
    await suite.wb.screenshot("codesets-4-test-bench-changed");
  });

  it("New Code Set creates a CSV set that opens in the grid; a row added there is written as RFC 4180", async () => {
    await suite.wb.runCommand("MessageFoundry: New Code Set…");
    await suite.wb.answer(/New Code Set: format/, "CSV");
    await suite.wb.answer(/New Code Set: name|Used in code as codeSet/, "e2e_units");
    const view = await grid(/Code set e2e_units \(CSV\)/);
    await view.locator("#new-code").fill("mg/dL");
    await view.locator("#new-value").fill("milligrams, per decilitre");
    await view.locator("#add").click();
    await view.locator('#grid tr[data-code="mg/dL"]').waitFor({ timeout: 30_000 });
    await suite.wb.page.keyboard.press("Control+S");
    await suite.wb.page
      .locator(".tabs-container .tab.active:not(.dirty)", { hasText: "e2e_units.csv" })
      .waitFor();
    assert.equal(
      readFileSync(join(suite.configDir, "codesets/e2e_units.csv"), "utf8"),
      'code,value\nmg/dL,"milligrams, per decilitre"\n',
    );
    await suite.wb.screenshot("codesets-5-new-code-set");
  });
  it("Rename Code Set renames the file and the codeSet() call; Delete warns while code uses a set", async () => {
    await suite.wb.tab("abnormal_flags.toml").click();
    await grid(/Code set abnormal_flags/);
    await suite.wb.runCommand("MessageFoundry: Rename Code Set…");
    await suite.wb.answer(/Rename Code Set abnormal_flags/, "lab_flags");
    // The language server's rename: the file moves and oru.ts's codeSet("abnormal_flags") changes with it.
    const moved = Date.now() + 30_000;
    while (!existsSync(join(suite.configDir, "codesets/lab_flags.toml")) && Date.now() < moved)
      await suite.wb.page.waitForTimeout(250);
    // The edit left oru.ts open and unsaved (as F2 does): save it.
    await suite.wb.tab("oru.ts").click();
    await suite.wb.page
      .locator(".tabs-container .tab.active.dirty", { hasText: "oru.ts" })
      .waitFor({ timeout: 30_000 });
    await suite.wb.page.keyboard.press("Control+S");
    await suite.wb.page.locator(".tabs-container .tab.active:not(.dirty)", { hasText: "oru.ts" }).waitFor();
    const deadline = Date.now() + 30_000;
    while (
      !/codeSet\("lab_flags"\)/.test(readFileSync(join(suite.configDir, "oru.ts"), "utf8")) &&
      Date.now() < deadline
    )
      await suite.wb.page.waitForTimeout(250);
    assert.match(
      readFileSync(join(suite.configDir, "oru.ts"), "utf8"),
      /const flags = codeSet\("lab_flags"\);/,
    );
    assert.ok(existsSync(join(suite.configDir, "codesets/lab_flags.toml")));
    assert.ok(!existsSync(join(suite.configDir, "codesets/abnormal_flags.toml")));

    // Deleting it while oru.ts uses it: a warning naming the use; cancelled, nothing is deleted.
    await suite.wb.tab("lab_flags.toml").click();
    await grid(/Code set lab_flags/);
    await suite.wb.runCommand("MessageFoundry: Delete Code Set…");
    const warning = suite.wb.page
      .locator(".monaco-dialog-box")
      .filter({ hasText: /Code set "lab_flags" is used in 1 place \(config\/oru\.ts:\d+\)/ });
    await warning.waitFor({ timeout: 30_000 });
    await suite.wb.screenshot("codesets-6-delete-warning");
    await warning.getByRole("button", { name: "Cancel" }).click();
    assert.ok(existsSync(join(suite.configDir, "codesets/lab_flags.toml")));

    // An unused one goes after a plain confirmation.
    await suite.wb.tab("e2e_units.csv").click();
    await grid(/Code set e2e_units/);
    await suite.wb.runCommand("MessageFoundry: Delete Code Set…");
    const confirm = suite.wb.page.locator(".monaco-dialog-box").filter({ hasText: /No code uses it/ });
    await confirm.waitFor({ timeout: 30_000 });
    await confirm.getByRole("button", { name: "Delete" }).click();
    const gone = Date.now() + 30_000;
    while (existsSync(join(suite.configDir, "codesets/e2e_units.csv")) && Date.now() < gone)
      await suite.wb.page.waitForTimeout(250);
    assert.ok(!existsSync(join(suite.configDir, "codesets/e2e_units.csv")));
  });
});
