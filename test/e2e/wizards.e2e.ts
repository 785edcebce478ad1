/**
 * The analyst's wizards and cookbook in a real VS Code (code-server, the packaged .vsix, headless
 * Chromium): add a handler to the samples' lab router with the Handler Wizard, insert a cookbook recipe
 * (a Z segment) into it at the cursor, and see its effect in a Test Bench dry run — no TypeScript typed.
 */
import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  buildAndPackage,
  type CodeServer,
  freePort,
  keepLogs,
  log,
  makeWorkspace,
  startCodeServer,
  textOf,
  Workbench,
} from "./harness.js";

describe("Wizards and the cookbook in a real VS Code (code-server 4.100.3)", function () {
  this.timeout(120_000);
  let root: string;
  let configDir: string;
  let server: CodeServer | undefined;
  let wb: Workbench;

  before(async function () {
    this.timeout(420_000);
    // No resetArtifacts(): this file runs after workbench.e2e.ts, whose screenshots stay.
    root = mkdtempSync(join(tmpdir(), "mf-e2e-wizards-"));
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
    const name = `wizards-${test.title.replace(/[^a-z0-9]+/gi, "-").slice(0, 50)}`;
    await wb.screenshot(`FAILED-${name}`).catch(() => undefined);
    log(`failed in "${test.title}"; quick input: ${await wb.quickInputText()}`);
    keepLogs(server, name);
  });

  after(async function () {
    this.timeout(60_000);
    await wb?.close().catch(() => undefined);
    await server?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** Opens the Test Bench, dry-runs a sample on an inbound, and returns the bench's frame once it answered. */
  const runInTestBench = async (file: string, inbound: string) => {
    await wb.runCommand("MessageFoundry: Open Test Bench");
    const bench = await wb.webview("testBench");
    await bench.locator("#cases .case", { hasText: file }).first().click({ timeout: 30_000 });
    await bench
      .locator(".monaco-editor .view-lines", { hasText: "MSH" })
      .first()
      .waitFor({ timeout: 30_000 });
    const picker = bench.locator("#inbound:not(.hidden)");
    if (await picker.isVisible()) {
      await picker.evaluate((el, name) => {
        const select = el as HTMLElement & { value: string };
        select.value = name;
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }, inbound);
    }
    await bench.locator("#run:not([disabled])").click({ timeout: 30_000 });
    if (!(await picker.isVisible())) await wb.answer(/Which inbound/, inbound);
    await bench.locator("#run-summary, .notice").first().waitFor({ timeout: 90_000 });
    const notice = bench.locator(".notice");
    if ((await notice.count()) > 0) assert.fail(`the Test Bench reported: ${await textOf(notice.first())}`);
    return bench;
  };

  it("adds a handler to lab_oru_router with the Handler Wizard", async function () {
    this.timeout(240_000);
    // The wizard reads the graph from the language server: opening a config module starts it.
    await wb.quickOpen("oru.ts");
    await wb.runCommand("MessageFoundry: Add Handler to Router…");
    await wb.waitForQuickInput(/Add a handler to which router/, 90_000);
    await wb.pick("lab_oru_router", /lab_oru_router/);
    await wb.waitForQuickInput(/New handler name/);
    assert.equal(await wb.inputBox.inputValue(), "lab_oru_handler", "a free name from the router's");
    await wb.answer(/New handler name/);
    await wb.answer(/Which messages does the handler keep/); // every message
    await wb.answer(/Field mappings \(0\)/); // Done
    await wb.waitForQuickInput(/Send to which outbound/);
    await wb.inputBox.fill("OB_CLINIC_ORU");
    await wb.page
      .locator(".quick-input-widget .monaco-list-row", { hasText: "OB_CLINIC_ORU" })
      .first()
      .waitFor();
    await wb.inputBox.press("ArrowDown");
    await wb.accept(/Send to which outbound/);

    assert.match(
      await wb.notification(/Handler lab_oru_handler written to oru\.ts/),
      /Test Bench/,
      "the next steps are offered",
    );
    const text = readFileSync(join(configDir, "oru.ts"), "utf8");
    log(`oru.ts after the Handler Wizard:\n${text}`);
    assert.match(
      text,
      /\["lab_oru_abnormal", "lab_oru_handler"\]/,
      "the router's list names the new handler",
    );
    assert.match(
      text,
      /handler\("lab_oru_handler", \(msg\) => \{\n {2}return send\("OB_CLINIC_ORU", msg\);\n\}\);/,
    );
    await wb.screenshot("w1-handler-wizard");
  });

  it("inserts a cookbook recipe at the cursor; the Test Bench dry run shows its effect", async function () {
    this.timeout(240_000);
    await wb.runCommand("Notifications: Clear All Notifications");
    await wb.quickOpen("oru.ts");
    const lines = readFileSync(join(configDir, "oru.ts"), "utf8").split("\n");
    const at = lines.findIndex(
      (l, i) =>
        i > lines.findIndex((x) => x.includes('handler("lab_oru_handler"')) && l.includes("return send("),
    );
    assert.ok(at > 0, "the new handler's return line");
    await wb.goTo(at + 1, 3);
    await wb.runCommand("MessageFoundry: Insert Recipe…");
    await wb.waitForQuickInput(/Insert which recipe/);
    // Searchable by what a recipe does (its detail), not only its label.
    await wb.pick("site-defined segment", /Add a Z segment/);
    await wb.answer(/Z segment name/); // ZPI
    await wb.answer(/second field copies which field/); // PV1-3.1
    await wb.page.keyboard.press("Control+S");
    const deadline = Date.now() + 30_000;
    let saved = "";
    while (Date.now() < deadline) {
      saved = readFileSync(join(configDir, "oru.ts"), "utf8");
      if (saved.includes('msg.addSegment("ZPI"')) break;
      await wb.page.waitForTimeout(250);
    }
    log(`oru.ts with the recipe:\n${saved}`);
    assert.match(
      saved,
      /handler\("lab_oru_handler", \(msg\) => \{\n {2}\/\/ Add a Z segment: ZPI\|1\|<PV1-3\.1>.*\n {2}msg\.addSegment\("ZPI", \["1"\]\)\.set\("ZPI-2", msg\.get\("PV1-3\.1"\) \?\? ""\);\n {2}return send\("OB_CLINIC_ORU", msg\);/,
    );
    await wb.screenshot("w2-recipe-inserted");

    const bench = await runInTestBench("oru_r01_abnormal.hl7", "IB_LAB_ORU");
    assert.match(await textOf(bench.locator("#run-summary")), /PROCESSED/);
    // The new handler's delivery carries the Z segment; the old handler's does not.
    const added = bench.locator(".delivery", { hasText: "lab_oru_handler → OB_CLINIC_ORU" });
    await added.waitFor({ timeout: 30_000 });
    const addedText = await textOf(added);
    log(`lab_oru_handler's delivery: ${addedText}`);
    assert.match(addedText, /ZPI/);
    assert.match(addedText, /WARD9/);
    const old = bench.locator(".delivery", { hasText: "lab_oru_abnormal → OB_CLINIC_ORU" });
    assert.doesNotMatch(await textOf(old), /ZPI/);
    await wb.hidePanel();
    await wb.screenshot("w3-test-bench-recipe");
  });

  it("writes a router for an inbound that has none with the Router Wizard; the Test Bench routes through it", async function () {
    this.timeout(240_000);
    await wb.runCommand("Notifications: Clear All Notifications");
    // An inbound naming a router nobody wrote yet (as after Clone Connection, or typed by hand).
    appendFileSync(
      join(configDir, "connections.toml"),
      `\n[[inbound]]\nname = "IB_E2E_ORM"\ntransport = "mllp"\nrouter = "e2e_orm_router"\n[inbound.settings]\nport = ${await freePort()}\n`,
    );
    await wb.quickOpen("file_drop.ts");
    await wb.runCommand("MessageFoundry: New Router for Inbound…");
    await wb.waitForQuickInput(/A router for which inbound/, 90_000);
    // The language server has seen the new inbound: it is listed first, without a router.
    const deadline = Date.now() + 60_000;
    while (!/IB_E2E_ORM/.test(await wb.quickInputText()) && Date.now() < deadline) {
      await wb.dismiss();
      await wb.page.waitForTimeout(1_000);
      await wb.runCommand("MessageFoundry: New Router for Inbound…");
      await wb.waitForQuickInput(/A router for which inbound/, 30_000);
    }
    await wb.pick("IB_E2E_ORM", /IB_E2E_ORM/);
    await wb.answer(/Message family e2e_orm_router routes/); // ORM, from the inbound's name
    await wb.waitForQuickInput(/Which ORM messages/);
    await wb.inputBox.fill("ORM^O01");
    await wb.page.locator(".quick-input-widget .monaco-list-row", { hasText: "ORM^O01" }).first().waitFor();
    await wb.inputBox.press("ArrowDown");
    await wb.accept(/Which ORM messages/);
    await wb.waitForQuickInput(/routes to which handlers/);
    await wb.inputBox.fill("drop_orm_to_ris");
    await wb.page
      .locator(".quick-input-widget .monaco-list-row", { hasText: "drop_orm_to_ris" })
      .first()
      .waitFor();
    await wb.inputBox.press("ArrowDown");
    await wb.accept(/routes to which handlers/);
    await wb.answer(/New module file/); // e2e_orm_router.ts
    assert.match(await wb.notification(/Router e2e_orm_router written to e2e_orm_router\.ts/), /Test Bench/);
    const text = readFileSync(join(configDir, "e2e_orm_router.ts"), "utf8");
    log(`e2e_orm_router.ts:\n${text}`);
    assert.match(text, /new Set\(\["ORM\^O01"\]\)/);
    assert.match(
      text,
      /router\("e2e_orm_router", \(msg\) => \(ACCEPTED\.has\(msg\.messageType\) \? \["drop_orm_to_ris"\] : \[\]\)\);/,
    );

    const bench = await runInTestBench("orm_o01.hl7", "IB_E2E_ORM");
    assert.match(await textOf(bench.locator("#run-summary")), /PROCESSED/);
    await bench
      .locator(".delivery", { hasText: "drop_orm_to_ris → OB_RIS_ORM" })
      .waitFor({ timeout: 30_000 });
    await wb.hidePanel();
    await wb.screenshot("w4-router-wizard");
  });
});
