/**
 * The analyst's wizards and cookbook in a real VS Code (code-server, the packaged .vsix, headless
 * Chromium): add a handler to the samples' lab router with the Handler Wizard, insert a cookbook recipe
 * (a Z segment) into it at the cursor, and see its effect in a Test Bench dry run — no TypeScript typed.
 */
import assert from "node:assert/strict";
import { appendFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, log, textOf, useWorkbench } from "./harness.js";

describe("Wizards and the cookbook in a real VS Code (code-server 4.100.3)", function () {
  this.timeout(120_000);
  const suite = useWorkbench("wizards");

  const runInTestBench = (file: string, inbound: string) => suite.wb.runTestBench(file, inbound);

  it("adds a handler to lab_oru_router with the Handler Wizard", async function () {
    this.timeout(240_000);
    // The wizard reads the graph from the language server: opening a config module starts it.
    await suite.wb.quickOpen("oru.ts");
    await suite.wb.runCommand("MessageFoundry: Add Handler to Router…");
    await suite.wb.waitForQuickInput(/Add a handler to which router/, 90_000);
    await suite.wb.pick("lab_oru_router", /lab_oru_router/);
    await suite.wb.waitForQuickInput(/New handler name/);
    assert.equal(await suite.wb.inputBox.inputValue(), "lab_oru_handler", "a free name from the router's");
    await suite.wb.answer(/New handler name/);
    await suite.wb.answer(/Which messages does the handler keep/); // every message
    await suite.wb.answer(/Field mappings \(0\)/); // Done
    await suite.wb.waitForQuickInput(/Send to which outbound/);
    await suite.wb.inputBox.fill("OB_CLINIC_ORU");
    await suite.wb.page
      .locator(".quick-input-widget .monaco-list-row", { hasText: "OB_CLINIC_ORU" })
      .first()
      .waitFor();
    await suite.wb.inputBox.press("ArrowDown");
    await suite.wb.accept(/Send to which outbound/);

    assert.match(
      await suite.wb.notification(/Handler lab_oru_handler written to oru\.ts/),
      /Test Bench/,
      "the next steps are offered",
    );
    const text = readFileSync(join(suite.configDir, "oru.ts"), "utf8");
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
    await suite.wb.screenshot("w1-handler-wizard");
  });

  it("inserts a cookbook recipe at the cursor; the Test Bench dry run shows its effect", async function () {
    this.timeout(240_000);
    await suite.wb.runCommand("Notifications: Clear All Notifications");
    await suite.wb.quickOpen("oru.ts");
    const lines = readFileSync(join(suite.configDir, "oru.ts"), "utf8").split("\n");
    const at = lines.findIndex(
      (l, i) =>
        i > lines.findIndex((x) => x.includes('handler("lab_oru_handler"')) && l.includes("return send("),
    );
    assert.ok(at > 0, "the new handler's return line");
    await suite.wb.goTo(at + 1, 3);
    await suite.wb.runCommand("MessageFoundry: Insert Recipe…");
    await suite.wb.waitForQuickInput(/Insert which recipe/);
    // Searchable by what a recipe does (its detail), not only its label.
    await suite.wb.pick("site-defined segment", /Add a Z segment/);
    await suite.wb.answer(/Z segment name/); // ZPI
    await suite.wb.answer(/second field copies which field/); // PV1-3.1
    await suite.wb.page.keyboard.press("Control+S");
    const deadline = Date.now() + 30_000;
    let saved = "";
    while (Date.now() < deadline) {
      saved = readFileSync(join(suite.configDir, "oru.ts"), "utf8");
      if (saved.includes('msg.addSegment("ZPI"')) break;
      await suite.wb.page.waitForTimeout(250);
    }
    log(`oru.ts with the recipe:\n${saved}`);
    assert.match(
      saved,
      /handler\("lab_oru_handler", \(msg\) => \{\n {2}\/\/ Add a Z segment: ZPI\|1\|<PV1-3\.1>.*\n {2}msg\.addSegment\("ZPI", \["1"\]\)\.set\("ZPI-2", msg\.get\("PV1-3\.1"\) \?\? ""\);\n {2}return send\("OB_CLINIC_ORU", msg\);/,
    );
    await suite.wb.screenshot("w2-recipe-inserted");

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
    await suite.wb.hidePanel();
    await suite.wb.screenshot("w3-test-bench-recipe");
  });

  it("writes a router for an inbound that has none with the Router Wizard; the Test Bench routes through it", async function () {
    this.timeout(240_000);
    await suite.wb.runCommand("Notifications: Clear All Notifications");
    // An inbound naming a router nobody wrote yet (as after Clone Connection, or typed by hand).
    appendFileSync(
      join(suite.configDir, "connections.toml"),
      `\n[[inbound]]\nname = "IB_E2E_ORM"\ntransport = "mllp"\nrouter = "e2e_orm_router"\n[inbound.settings]\nport = ${await freePort()}\n`,
    );
    await suite.wb.quickOpen("file_drop.ts");
    await suite.wb.runCommand("MessageFoundry: New Router for Inbound…");
    await suite.wb.waitForQuickInput(/A router for which inbound/, 90_000);
    // The language server has seen the new inbound: it is listed first, without a router.
    const deadline = Date.now() + 60_000;
    while (!/IB_E2E_ORM/.test(await suite.wb.quickInputText()) && Date.now() < deadline) {
      await suite.wb.dismiss();
      await suite.wb.page.waitForTimeout(1_000);
      await suite.wb.runCommand("MessageFoundry: New Router for Inbound…");
      await suite.wb.waitForQuickInput(/A router for which inbound/, 30_000);
    }
    await suite.wb.pick("IB_E2E_ORM", /IB_E2E_ORM/);
    await suite.wb.answer(/Message family e2e_orm_router routes/); // ORM, from the inbound's name
    await suite.wb.waitForQuickInput(/Which ORM messages/);
    await suite.wb.inputBox.fill("ORM^O01");
    await suite.wb.page
      .locator(".quick-input-widget .monaco-list-row", { hasText: "ORM^O01" })
      .first()
      .waitFor();
    await suite.wb.inputBox.press("ArrowDown");
    await suite.wb.accept(/Which ORM messages/);
    await suite.wb.waitForQuickInput(/routes to which handlers/);
    await suite.wb.inputBox.fill("drop_orm_to_ris");
    await suite.wb.page
      .locator(".quick-input-widget .monaco-list-row", { hasText: "drop_orm_to_ris" })
      .first()
      .waitFor();
    await suite.wb.inputBox.press("ArrowDown");
    await suite.wb.accept(/routes to which handlers/);
    await suite.wb.answer(/New module file/); // e2e_orm_router.ts
    assert.match(
      await suite.wb.notification(/Router e2e_orm_router written to e2e_orm_router\.ts/),
      /Test Bench/,
    );
    const text = readFileSync(join(suite.configDir, "e2e_orm_router.ts"), "utf8");
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
    await suite.wb.hidePanel();
    await suite.wb.screenshot("w4-router-wizard");
  });
});
