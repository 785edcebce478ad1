/**
 * The analyst's Steps view in a real VS Code (code-server, the packaged .vsix): open a handler as Steps
 * (its code lens, the editor's cursor, the Config explorer, the graph), see live values for a sample,
 * change a literal value from the view, and the Test Bench's diff shows the change — no TypeScript
 * typed. Run with `npm run test:e2e` (test/e2e/run.sh); screenshots go to test-artifacts/e2e/steps-*.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Frame } from "playwright-core";
import {
  buildAndPackage,
  type CodeServer,
  keepLogs,
  log,
  makeWorkspace,
  startCodeServer,
  textOf,
  Workbench,
} from "./harness.js";

describe("Steps view in a real VS Code (code-server 4.100.3)", function () {
  this.timeout(120_000);
  let root: string;
  let configDir: string;
  let server: CodeServer | undefined;
  let wb: Workbench;
  let steps: Frame;

  before(async function () {
    this.timeout(420_000);
    root = mkdtempSync(join(tmpdir(), "mf-e2e-steps-"));
    const vsix = await buildAndPackage(root);
    const ws = await makeWorkspace(root);
    configDir = ws.configDir;
    server = await startCodeServer({
      root,
      vsix,
      workspace: ws.workspace,
      settings: {
        "workbench.startupEditor": "none",
        "workbench.tips.enabled": false,
        "workbench.enableExperiments": false,
        "telemetry.telemetryLevel": "off",
        "extensions.ignoreRecommendations": true,
        "extensions.autoCheckUpdates": false,
        "update.mode": "none",
        "files.autoSave": "off",
      },
    });
    wb = await Workbench.open(server.url, ws.workspace);
    log("workbench ready");
  });

  afterEach(async function () {
    const test = this.currentTest;
    if (test?.state !== "failed" || !wb) return;
    const name = `steps-${test.title.replace(/[^a-z0-9]+/gi, "-").slice(0, 50)}`;
    await wb.screenshot(`FAILED-${name}`).catch(() => undefined);
    keepLogs(server, name);
  });

  after(async function () {
    this.timeout(60_000);
    await wb?.close().catch(() => undefined);
    await server?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const sentences = (frame: Frame) =>
    frame.locator(".row .sentence").evaluateAll((els) => els.map((e) => (e.textContent ?? "").trim()));

  it("puts Open as Steps above each router and handler, and opens the handler at the cursor as rows", async () => {
    await wb.quickOpen("adt.ts");
    // The language server's code lenses: one per router/handler declaration of adt.ts.
    const lenses = wb.page.locator(".contentWidgets .codelens-decoration", { hasText: "Open as Steps" });
    await lenses.first().waitFor({ timeout: 90_000 });
    const lines = readFileSync(join(configDir, "adt.ts"), "utf8").split("\n");
    const declared = lines.filter((l) => /^(router|handler)\(/.test(l)).length;
    assert.equal(await lenses.count(), declared);
    const line = lines.findIndex((l) => l.includes('handler("acme_adt_to_billing"'));
    assert.ok(line >= 0);
    await wb.goTo(line + 2, 5);
    await wb.runCommand("MessageFoundry: Open as Steps");
    steps = await wb.webview("steps");
    await steps.locator(".row").first().waitFor({ timeout: 60_000 });
    assert.match(await textOf(steps.locator("#title")), /Handler acme_adt_to_billing — adt\.ts/);
    const rows = await sentences(steps);
    assert.deepEqual(rows.slice(0, 2), ["Set  to", "Delete every  segment"]);
    assert.match(rows[2] ?? "", /^Send to/);
    const literal = steps.locator('vscode-textfield[data-row="0"][data-arg="1"]');
    assert.equal(await literal.evaluate((e) => (e as HTMLInputElement).value), "BILLING");
    await wb.screenshot("steps-1-rows");
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
    await wb.screenshot("steps-2-live-values");
  });

  it("changes a literal from the view: the file changes (undoably), values and the Test Bench diff follow", async () => {
    await steps.locator('vscode-textfield[data-row="0"][data-arg="1"]').click();
    await wb.page.keyboard.press("Control+A");
    await wb.page.keyboard.type("BILLING_E2E");
    await wb.page.keyboard.press("Enter");
    const deadline = Date.now() + 30_000;
    while (!readFileSync(join(configDir, "adt.ts"), "utf8").includes('msg.set("MSH-5", "BILLING_E2E")')) {
      if (Date.now() > deadline) assert.fail("the edit did not reach adt.ts");
      await wb.page.waitForTimeout(250);
    }
    // The rows and the live values are refreshed from the new text.
    await steps
      .locator('.row[data-id="0"] .values', { hasText: /"BILLING_E2E"/ })
      .waitFor({ timeout: 90_000 });
    await wb.screenshot("steps-3-edited");

    await wb.runCommand("MessageFoundry: Open Test Bench");
    const bench = await wb.webview("testBench");
    await bench.locator("#cases .case", { hasText: "adt_a01.hl7" }).first().click({ timeout: 30_000 });
    await bench
      .locator(".monaco-editor .view-lines", { hasText: "MSH" })
      .first()
      .waitFor({ timeout: 30_000 });
    const picker = bench.locator("#inbound:not(.hidden)");
    if (await picker.isVisible()) {
      await picker.evaluate((el) => {
        const select = el as HTMLElement & { value: string };
        select.value = "IB_ACME_ADT";
        select.dispatchEvent(new Event("change", { bubbles: true }));
      });
    }
    await bench.locator("#run:not([disabled])").click({ timeout: 30_000 });
    if (!(await picker.isVisible())) await wb.answer(/Which inbound/, "IB_ACME_ADT");
    const billing = bench.locator('.delivery[data-outbound="OB_BILLING_ADT"]');
    await billing.waitFor({ timeout: 90_000 });
    assert.match(await textOf(billing), /BILLING_E2E/);
    await wb.screenshot("steps-4-test-bench");
  });

  it("opens a handler as Steps from the Config explorer and from the graph", async () => {
    await wb.runCommand("Focus on Config View");
    // The list shows what fits: fold the inbounds and routers so the handlers come into view.
    for (const group of [/^\s*Inbounds \(\d+\)/, /^\s*Routers \(\d+\)/]) {
      const header = wb.page.locator(".part.sidebar .monaco-list-row", { hasText: group }).first();
      await header.waitFor({ timeout: 60_000 });
      await header.click();
    }
    const row = wb.treeRow("acme_adt_to_emr");
    await row.waitFor({ timeout: 60_000 });
    assert.ok((await wb.rowActions("acme_adt_to_emr")).includes("Open as Steps"));
    await row.hover();
    await row.locator(".actions .action-label[aria-label='Open as Steps']").click();
    await waitForStepsTitle(/Handler acme_adt_to_emr/);

    await wb.runCommand("MessageFoundry: Show Graph");
    const graph = await wb.webview("graph");
    await graph.locator('g.node[data-name="lab_oru_abnormal"] .steps-link').click({ timeout: 60_000 });
    await waitForStepsTitle(/Handler lab_oru_abnormal — oru\.ts/);
    await wb.screenshot("steps-5-from-graph");
  });

  /** Waits until some Steps panel shows this title (each function opens its own panel). */
  async function waitForStepsTitle(title: RegExp): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      for (const frame of wb.page.frames()) {
        const t = await frame
          .locator('body[data-view="steps"] #title')
          .textContent({ timeout: 500 })
          .catch(() => null);
        if (t && title.test(t)) return;
      }
      if (Date.now() > deadline) assert.fail(`no Steps panel titled ${title}`);
      await wb.page.waitForTimeout(250);
    }
  }
});
