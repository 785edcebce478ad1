/**
 * MessageFoundry in a real VS Code: code-server 4.100.3 (VS Code 1.100.3) with the packaged .vsix,
 * driven in headless Chromium. A user's day in order: a config repo (a copy of samples/ with
 * `messagefoundry` installed) → break a name and see the language server's diagnostic → build a route
 * with the Route Wizard (and see it in the graph) → the analyst's lab route with a filter over every OBX,
 * tried in the Test Bench → the Config explorer → edit its connection in the connections.toml form →
 * read a message in the parse tree → dry-run it in the Test Bench → Stage → Promote to an engine the
 * test started → roll back → a local engine: send a sample, see an alert fire in the Alerts view, find the
 * message by its patient's MRN (blind index). Run with `npm run test:e2e` (test/e2e/run.sh).
 *
 * Each step screenshots into test-artifacts/e2e/; a failing step also keeps `FAILED-<step>.png` and the
 * VS Code logs there, and the progress log on stderr shows the last gesture before it stopped.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEngine, type TestEngineProcess } from "./engine.js";
import {
  buildAndPackage,
  type CodeServer,
  freePort,
  keepLogs,
  log,
  makeWorkspace,
  QUIET_SETTINGS,
  resetArtifacts,
  startCodeServer,
  textOf,
  Workbench,
} from "./harness.js";

describe("MessageFoundry in a real VS Code (code-server 4.100.3)", function () {
  // One-time costs (build, package, VS Code start) are in `before`; each step has its own budget below.
  this.timeout(120_000);
  let root: string;
  let configDir: string;
  let messagesDir: string;
  let engine: TestEngineProcess | undefined;
  let server: CodeServer | undefined;
  let wb: Workbench;
  /** The engine's version before a successful promote, which the rollback returns to. */
  let bootVersion: { versionId: string; contentHash: string } | undefined;

  before(async function () {
    this.timeout(420_000);
    resetArtifacts();
    root = mkdtempSync(join(tmpdir(), "mf-e2e-"));
    const vsix = await buildAndPackage();
    const ws = await makeWorkspace(root);
    configDir = ws.configDir;
    messagesDir = ws.messagesDir;
    engine = await startEngine({ root, configDir });
    // The blind index key for identifier search: code-server's environment reaches the local engine the
    // extension starts (a fresh random key per run, never written anywhere).
    process.env.MEFOR_INDEX_KEY = randomBytes(32).toString("base64");
    server = await startCodeServer({
      root,
      vsix,
      workspace: ws.workspace,
      settings: {
        ...QUIET_SETTINGS,
        "messagefoundry.engines": [{ name: "e2e", url: engine.url, environment: "dev" }],
      },
    });
    wb = await Workbench.open(server.url, ws.workspace);
    log("workbench ready");
  });

  afterEach(async function () {
    const test = this.currentTest;
    if (test?.state !== "failed" || !wb) return;
    const name = test.title.replace(/[^a-z0-9]+/gi, "-").slice(0, 60);
    await wb.screenshot(`FAILED-${name}`).catch(() => undefined);
    log(`failed in "${test.title}"; quick input: ${await wb.quickInputText()}`);
    keepLogs(server, name, engine?.logFile);
  });

  after(async function () {
    this.timeout(60_000);
    await wb?.close().catch(() => undefined);
    await server?.stop();
    await engine?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it("shows the language server's diagnostic for a broken router name, and clears it when fixed", async () => {
    await wb.quickOpen("adt.ts");
    // Type in the editor (not on disk), so the diagnostic comes from the open document's text: go to
    // the end of the inbound's router name and turn "acme_adt_router" into "acme_adt_routr".
    const lines = readFileSync(join(configDir, "adt.ts"), "utf8").split("\n");
    const line = lines.findIndex((l) => l.includes('router: "acme_adt_router"'));
    assert.ok(line >= 0, "samples/config/adt.ts wires IB_ACME_ADT to acme_adt_router");
    const column = (lines[line] ?? "").indexOf('acme_adt_router"') + "acme_adt_router".length + 1;
    await wb.goTo(line + 1, column);
    await wb.page.keyboard.press("Backspace");
    await wb.page.keyboard.press("Backspace");
    await wb.page.keyboard.type("r");
    const rows = await wb.waitForProblem(/acme_adt_routr/);
    const row = rows.find((r) => /acme_adt_routr/.test(r)) ?? "";
    log(`problem: ${row.replace(/\s+/g, " ")}`);
    assert.match(row, /messagefoundry\(?MF-UNKNOWN-ROUTER/, "the MessageFoundry language server reports it");
    assert.match(row, /Did you mean "acme_adt_router"/);
    await wb.screenshot("1-diagnostic");

    // Fixing the name (and saving) clears the diagnostic.
    await wb.goTo(line + 1, column - 1);
    await wb.page.keyboard.press("Backspace");
    await wb.page.keyboard.type("er");
    await wb.page.keyboard.press("Control+S");
    await wb.waitForNoProblem(/acme_adt_routr/);
    assert.match(readFileSync(join(configDir, "adt.ts"), "utf8"), /router: "acme_adt_router"/);
  });

  it("builds a route with the Route Wizard, checking names and ports against the live graph", async () => {
    // Free now, so the engine can listen there once the route is promoted.
    const newPort = await freePort();
    await wb.runCommand("MessageFoundry: New Route…");
    // While the empty value is invalid VS Code shows the validation message instead of the prompt.
    await wb.answer(/Partner|title: New Route \(1\//, "E2E");
    await wb.answer(/Message family/, "ADT");
    await wb.answer(/How does this inbound connection receive/); // mllp
    await wb.answer(/Inbound connection name/); // the suggested IB_E2E_ADT

    // A port the samples already listen on is refused, naming who has it.
    const acmePort = /port: (\d+)/.exec(readFileSync(join(configDir, "adt.ts"), "utf8"))?.[1] ?? "";
    await wb.waitForQuickInput(/Port to listen on/);
    await wb.inputBox.fill(acmePort);
    await wb.waitForQuickInput(new RegExp(`Port ${acmePort} is already used by IB_ACME_ADT`));
    await wb.screenshot("2a-route-wizard-port-taken");
    await wb.inputBox.fill(String(newPort));
    await wb.answer(/Port to listen on/);

    await wb.answer(/What does this inbound receive/); // hl7v2
    await wb.answer(/Router name/); // e2e_adt_router
    // Back returns to the previous step with its answer kept.
    await wb.waitForQuickInput(/Which ADT messages/);
    await wb.page.locator(".quick-input-widget .codicon-quick-input-back").click();
    await wb.waitForQuickInput(/Router name/);
    assert.equal(await wb.inputBox.inputValue(), "e2e_adt_router");
    await wb.answer(/Router name/);
    // The message types are the HL7 definitions' ADT trigger events; nothing of another family.
    await wb.waitForQuickInput(/Which ADT messages/);
    assert.doesNotMatch(await wb.quickInputText(), /ORU\^/);
    // Enter on a highlighted row takes it (no Space needed).
    await wb.inputBox.fill("ADT^A01");
    await wb.page.locator(".quick-input-widget .monaco-list-row", { hasText: "ADT^A01" }).first().waitFor();
    await wb.inputBox.press("ArrowDown");
    await wb.accept(/Which ADT messages/);
    await wb.answer(/Handler name/); // e2e_adt_handler
    await wb.answer(/Which messages does the handler keep/); // keep every message

    // One field mapping picked from the HL7 definitions: MSH-5 (receiving application) = a constant.
    await wb.waitForQuickInput(/Field mappings \(0\)/);
    await wb.pick("Add a field mapping", /Add a field mapping/);
    await wb.waitForQuickInput(/Set which field\?/);
    await wb.pick("MSH-5", /Receiving Application/i);
    await wb.answer(/MSH-5 gets/); // a constant value (first)
    await wb.answer(/Value for MSH-5/, "E2E_EMR");
    await wb.answer(/Field mappings \(1\)/); // Done

    await wb.waitForQuickInput(/Send to which outbound/);
    await wb.inputBox.fill("OB_EMR_ADT");
    await wb.check("OB_EMR_ADT");
    await wb.accept(/Send to which outbound/);
    await wb.answer(/New module file/); // e2e_adt.ts
    // The next steps come as a notification with buttons that run them.
    assert.match(await wb.notification(/Route e2e_adt_router written to e2e_adt\.ts/), /Test Bench/);

    // The wizard writes both files as one edit, saves them and opens them; connections.toml comes last.
    await wb.tab("e2e_adt.ts").waitFor({ timeout: 30_000 });
    await wb.tab("connections.toml").waitFor({ timeout: 30_000 });
    await wb.page
      .locator(".tabs-container .tab.active:not(.dirty)", { hasText: "connections.toml" })
      .waitFor();
    const moduleText = readFileSync(join(configDir, "e2e_adt.ts"), "utf8");
    log(`generated e2e_adt.ts:\n${moduleText}`);
    assert.match(moduleText, /router\(\s*"e2e_adt_router"/);
    assert.match(moduleText, /handler\(\s*"e2e_adt_handler"/);
    assert.match(moduleText, /new Set\(\["ADT\^A01"\]\)/, "the highlighted type was taken");
    assert.match(moduleText, /"MSH-5",\s*"E2E_EMR"/);
    assert.match(moduleText, /send\(\s*"OB_EMR_ADT"/);
    const toml = readFileSync(join(configDir, "connections.toml"), "utf8");
    assert.match(toml, new RegExp(`"IB_E2E_ADT"[\\s\\S]*?port = ${newPort}`));
    assert.match(toml, /# /, "the comments already in connections.toml are kept");

    await wb.tab("e2e_adt.ts").click();
    await wb.hidePanel();
    await wb.screenshot("2-route-wizard");

    // The generated module is opened clean. The graph view is drawn from the language server's
    // analysis, so once it shows the new router the Problems panel is current for the new files too.
    await wb.runCommand("MessageFoundry: Show Graph");
    const graph = await wb.webview("graph");
    await graph.locator("text.label", { hasText: "e2e_adt_router" }).first().waitFor({ timeout: 60_000 });
    await wb.hidePanel();
    await wb.screenshot("2b-graph");
    const rows = await wb.problems();
    log(`problems after the wizard: ${JSON.stringify(rows)}`);
    assert.deepEqual(
      rows.filter((r) => /e2e_adt|IB_E2E_ADT|OB_EMR_ADT/.test(r)),
      [],
      "the generated route has no diagnostics",
    );
  });

  it("builds the analyst's lab route: free names, ORU types, a field found by name, any OBX filter", async () => {
    await wb.runCommand("Notifications: Clear All Notifications");
    const inPort = await freePort();
    const outPort = await freePort();
    await wb.runCommand("MessageFoundry: New Route…");
    await wb.answer(/Partner|title: New Route \(1\//, "Lab");
    await wb.answer(/Message family/, "ORU");
    await wb.answer(/How does this inbound connection receive/); // mllp
    // IB_LAB_ORU and lab_oru_router exist in the samples: the suggestions are free ones.
    await wb.waitForQuickInput(/Inbound connection name/);
    assert.equal(await wb.inputBox.inputValue(), "IB_LAB_ORU_2");
    await wb.answer(/Inbound connection name/);
    await wb.answer(/Port to listen on/, String(inPort));
    await wb.answer(/What does this inbound receive/); // hl7v2
    await wb.waitForQuickInput(/Router name/);
    assert.equal(await wb.inputBox.inputValue(), "lab_oru_2_router");
    await wb.answer(/Router name/);

    // ORU's trigger events from the definitions, not ORU^A01.
    await wb.waitForQuickInput(/Which ORU messages/);
    const types = await wb.quickInputText();
    assert.match(types, /ORU\^R01/);
    assert.doesNotMatch(types, /\^A0/);
    await wb.inputBox.fill("ORU^R01");
    await wb.page.locator(".quick-input-widget .monaco-list-row", { hasText: "ORU^R01" }).first().waitFor();
    await wb.inputBox.press("ArrowDown");
    await wb.accept(/Which ORU messages/);
    await wb.answer(/Handler name/); // lab_oru_2_handler

    // Filter: any OBX-8 is one of the abnormal flags; the field is found by its name.
    await wb.waitForQuickInput(/Which messages does the handler keep/);
    await wb.pick("Keep only", /Keep only messages where a field/);
    await wb.waitForQuickInput(/Keep only messages where which field/);
    await wb.pick("abnormal", /OBX-8/);
    await wb.waitForQuickInput(/OBX-8 can occur more than once/);
    assert.match(await wb.quickInputText(), /filter: question 3/, "the filter step says which question");
    await wb.answer(/OBX-8 can occur more than once/); // any OBX-8
    await wb.answer(/Keep only messages where any OBX-8/); // is one of…
    await wb.answer(/Values of OBX-8/, "H, L, HH, LL, A, AA");
    await wb.answer(/Field mappings \(0\)/); // Done

    // A new outbound: its step says how many questions it asks, and no sample value is a placeholder.
    await wb.waitForQuickInput(/Send to which outbound/);
    await wb.inputBox.fill("New outbound");
    await wb.page
      .locator(".quick-input-widget .monaco-list-row", { hasText: "New outbound" })
      .first()
      .waitFor();
    await wb.inputBox.press("ArrowDown");
    await wb.accept(/Send to which outbound/);
    await wb.answer(/How does this outbound connection send/); // mllp
    await wb.waitForQuickInput(/New outbound connection name/);
    assert.match(await wb.quickInputText(), /new outbound connection: question 2 of 4/);
    assert.equal(await wb.inputBox.inputValue(), "OB_LAB_ORU_2");
    await wb.answer(/New outbound connection name/);
    await wb.waitForQuickInput(/Peer host/);
    assert.equal(
      (await wb.inputBox.getAttribute("placeholder")) ?? "",
      "",
      "no sample host as a placeholder",
    );
    await wb.answer(/Peer host/, "127.0.0.1");
    await wb.answer(/Peer port/, String(outPort));
    await wb.answer(/New module file/); // lab_oru_2.ts

    // Written, saved and opened (connections.toml last), then the next steps are offered.
    await wb.tab("lab_oru_2.ts").waitFor({ timeout: 30_000 });
    await wb.page
      .locator(".tabs-container .tab.active:not(.dirty)", { hasText: "connections.toml" })
      .waitFor({ timeout: 30_000 });
    const moduleText = readFileSync(join(configDir, "lab_oru_2.ts"), "utf8");
    log(`generated lab_oru_2.ts:\n${moduleText}`);
    assert.match(moduleText, /new Set\(\["ORU\^R01"\]\)/);
    assert.match(moduleText, /msg\.getAll\("OBX-8"\)/);
    assert.match(moduleText, /values\.some\(\(v\) => \["H", "L", "HH", "LL", "A", "AA"\]\.includes\(v\)\)/);

    // Next steps: the notification's button opens the Test Bench, where the route does what was asked.
    await wb.notification(/Route lab_oru_2_router written/);
    await wb.page
      .locator(".notifications-toasts .monaco-button", { hasText: "Open in Test Bench" })
      .first()
      .click();
    const bench = await wb.webview("testBench");
    const run = async (file: string): Promise<string> => {
      await bench.locator("#cases .case", { hasText: file }).first().click({ timeout: 30_000 });
      await bench
        .locator(".monaco-editor .view-lines", { hasText: "MSH" })
        .first()
        .waitFor({ timeout: 30_000 });
      const picker = bench.locator("#inbound:not(.hidden)");
      if (await picker.isVisible()) {
        await picker.evaluate((el) => {
          const select = el as HTMLElement & { value: string };
          select.value = "IB_LAB_ORU_2";
          select.dispatchEvent(new Event("change", { bubbles: true }));
        });
      }
      await bench.locator("#run:not([disabled])").click({ timeout: 30_000 });
      if (!(await picker.isVisible())) await wb.answer(/Which inbound/, "IB_LAB_ORU_2");
      const summary = bench.locator("#run-summary");
      await summary.waitFor({ timeout: 90_000 });
      return textOf(summary);
    };
    // The abnormal sample's first OBX is N; its later ones are H: routed. The normal one: filtered.
    assert.match(await run("oru_r01_abnormal.hl7"), /PROCESSED/);
    await bench.locator('.delivery[data-outbound="OB_LAB_ORU_2"]').waitFor({ timeout: 30_000 });
    await wb.screenshot("2d-lab-route-abnormal");
    assert.match(await run("oru_r01_normal.hl7"), /FILTERED/);
    await wb.screenshot("2e-lab-route-normal");
  });

  it("lists the workspace's routes in the Config explorer; a click opens the declaration", async () => {
    await wb.runCommand("Focus on Config View");
    const sidebarRow = (text: RegExp) =>
      wb.page.locator(".part.sidebar .monaco-list-row", { hasText: text }).first();
    const inbound = sidebarRow(/^\s*IB_LAB_ORU_2/);
    await inbound.waitFor({ timeout: 60_000 });
    assert.match(await textOf(inbound), /mllp → lab_oru_2_router/);
    await wb.screenshot("2f-config-explorer");
    // The list shows what fits: fold the inbounds so the routers come into view.
    await sidebarRow(/^\s*Inbounds \(\d+\)/).click();
    const row = sidebarRow(/^\s*lab_oru_2_router/);
    await row.waitFor({ timeout: 30_000 });
    assert.match(await textOf(row), /→ lab_oru_2_handler/);
    await row.click();
    await wb.page
      .locator(".tabs-container .tab.active", { hasText: "lab_oru_2.ts" })
      .waitFor({ timeout: 30_000 });
    // The router's name is selected: the status bar counts its 16 characters (18 where a graph's span
    // takes the quotes in, as the CLI's does).
    await wb.page
      .locator(".statusbar-item", { hasText: /\((16|18) selected\)/ })
      .first()
      .waitFor({ timeout: 15_000 });
  });

  it("edits the new connection in the connections.toml form editor, keeping the file's comments", async () => {
    // The wizard opened connections.toml in its visual editor: one tab, not a text and a visual one.
    await wb.tab("connections.toml").click();
    assert.equal(
      await wb.page.locator(".tabs-container .tab", { hasText: "connections.toml" }).count(),
      1,
      "one tab for connections.toml",
    );
    const form = await wb.webview("connectionsEditor");
    await form.locator('#list .conn[data-name="IB_E2E_ADT"]').click({ timeout: 30_000 });
    // The field is a <vscode-textfield>; its <input> sits in an open shadow root.
    const port = form.locator("#f-settings-port input");
    await port.waitFor();
    const movedPort = await freePort();
    // Typed key by key, as a user does: the first keystroke must not be lost to a late re-render.
    await port.click();
    // Selected in the page: VS Code runs a webview's Ctrl+A from the workbench, late on a loaded host,
    // so keys typed right after it could be selected and replaced.
    await port.evaluate((el) => (el as HTMLInputElement).select());
    await port.pressSequentially(String(movedPort));
    assert.equal(await port.inputValue(), String(movedPort));
    await port.press("Enter");
    // The form's change is a WorkspaceEdit on the document: the tab turns dirty until saved.
    await wb.page.locator(".tabs-container .tab.active.dirty", { hasText: "connections.toml" }).waitFor();
    await wb.page.keyboard.press("Control+S");
    await wb.page
      .locator(".tabs-container .tab.active:not(.dirty)", { hasText: "connections.toml" })
      .waitFor();
    const toml = readFileSync(join(configDir, "connections.toml"), "utf8");
    assert.match(toml, new RegExp(`"IB_E2E_ADT"[\\s\\S]*?port = ${movedPort}`));
    assert.match(toml, /^# Connections as data/m, "the file's leading comment is kept");
    await wb.hidePanel();
    await wb.screenshot("2c-connections-editor");
  });

  it("shows an .hl7 file in the parse tree, with names from the definitions and selection sync", async () => {
    await wb.quickOpen("adt_a01.hl7");
    await wb.runCommand("MessageFoundry: Show HL7 Parse Tree");
    const tree = await wb.webview("parseTree");
    const pid5 = tree.locator('vscode-tree-item[data-id$="PID[1]/5"]').first();
    await pid5.waitFor({ timeout: 30_000 });
    assert.match(await textOf(pid5.locator(":scope > .name")), /Patient Name/);
    // Identifiers are masked on screen by default.
    assert.match(await textOf(pid5.locator(':scope > [slot="description"]')), /XPN = •••/);
    // Clicking a node selects its text in the editor: the status bar counts the field's characters.
    const pid = readFileSync(join(messagesDir, "adt_a01.hl7"), "utf8")
      .split(/\r\n|\r|\n/)
      .find((l) => l.startsWith("PID|"));
    const patientName = pid?.split("|")[5] ?? "";
    assert.ok(patientName.length > 0, "samples/messages/adt_a01.hl7 has a PID-5");
    // Focus stays in the view (see Find below), and the status bar counts a selection only for the focused
    // text editor. A click in the view makes the view's group (the second) the active one, so focus the
    // first group, where the .hl7 document is (this moves no selection), before reading it. On a loaded host
    // the first click can land before the view is wired to the editor: click again, up to three times.
    const selected = wb.page
      .locator(".statusbar-item", { hasText: `(${patientName.length} selected)` })
      .first();
    for (let attempt = 1; ; attempt++) {
      await pid5.locator(":scope > .path").click();
      await wb.runCommand("View: Focus First Editor Group");
      const shown = await selected.waitFor({ timeout: 10_000 }).then(
        () => true,
        () => false,
      );
      if (shown) break;
      assert.ok(attempt < 3, `the status bar never counted ${patientName.length} selected characters`);
    }
    // Typing in Find selects each match in the editor, and every keystroke stays in the view: the .hl7
    // document is neither changed nor dirty (focus moving to the editor once replaced the MSH segment).
    const find = tree.locator("#find");
    await find.click();
    await wb.page.keyboard.type("patient name", { delay: 40 });
    await tree.locator("#find-status", { hasText: /of/ }).waitFor({ timeout: 15_000 });
    assert.equal(await find.evaluate((el) => (el as HTMLElement & { value: string }).value), "patient name");
    await wb.page.waitForTimeout(500);
    assert.equal(
      await wb.page.locator(".tabs-container .tab.dirty", { hasText: "adt_a01.hl7" }).count(),
      0,
      "typing in Find left the .hl7 document unchanged",
    );
    await wb.hidePanel();
    await wb.screenshot("3-parse-tree");
  });

  it("dry-runs a sample through the graph in the Test Bench and saves it as a fixture", async () => {
    // Several inbounds: the bench asks which one the message arrives on (its picker, or a quick pick).
    const bench = await wb.runTestBench("adt_a01.hl7", "IB_ACME_ADT");
    assert.match(await textOf(bench.locator("#run-summary")), /PROCESSED/);
    log(`run summary: ${await textOf(bench.locator("#run-summary"))}`);
    // The EMR copy carries the handler's change, shown as an HL7-aware diff.
    const emr = bench.locator('.delivery[data-outbound="OB_EMR_ADT"]');
    await emr.waitFor();
    assert.match(await textOf(emr), /MSH-5/);
    await wb.hidePanel();
    await wb.screenshot("4-test-bench");

    const before = readdirSync(join(configDir, "tests"));
    await bench.locator("#save-fixture").click();
    await wb.answer(/Fixture name/); // the suggested name
    const deadline = Date.now() + 30_000;
    let added: string[] = [];
    while (added.length === 0 && Date.now() < deadline) {
      added = readdirSync(join(configDir, "tests")).filter((f) => !before.includes(f) && f.endsWith(".json"));
      if (added.length === 0) await wb.page.waitForTimeout(250);
    }
    assert.equal(added.length, 1, "saving the case wrote one fixture under tests/");

    await bench.locator("#run-all").click();
    const summary = bench.locator("#outcome-summary");
    await summary.waitFor({ timeout: 90_000 });
    const text = await textOf(summary);
    log(`fixtures: ${text}`);
    const m = /(\d+) of (\d+) passed/.exec(text);
    assert.ok(m, `a pass/fail summary, got ${JSON.stringify(text)}`);
    assert.equal(
      m[1],
      m[2],
      `every fixture, the new one included, passes: ${await textOf(bench.locator("#outcomes"))}`,
    );
    await wb.screenshot("4b-test-bench-fixtures");
  });

  it("stages and promotes the config to the engine the test started", async () => {
    if (!engine) throw new Error("no engine");
    const e = engine;
    log(`promoting to the engine at ${e.url}`);
    const before = await e.active();
    assert.ok(before, "the engine started with an active version");
    await wb.runCommand("MessageFoundry: Stage → Promote…");
    await wb.answer(/User name/, e.username);
    await wb.answer(/Password/, e.password);
    // The engine asks for the second factor; the code is computed when the prompt shows.
    await wb.waitForQuickInput(/Authenticator code/);
    await wb.answer(/Authenticator code/, await e.totp());
    const view = await wb.webview("promote", 90_000);
    // The review shows what changes: the route the wizard added is in the summary. A failed step shows
    // a notice instead; stop there with its text.
    await view
      .locator(".notice")
      .or(view.getByText(/IB_E2E_ADT|e2e_adt/))
      .first()
      .waitFor({ timeout: 90_000 });
    const notice = view.locator(".notice");
    if ((await notice.count()) > 0) assert.fail(`the Promote view reported: ${await textOf(notice.first())}`);
    await wb.screenshot("5a-promote-review");
    // Each changed file opens in VS Code's diff editor: the active version's text against the staged one.
    const files = await textOf(view.locator("#files"));
    log(`review files: ${files}`);
    assert.match(files, /connections\.toml/);
    assert.match(files, /e2e_adt\.ts/);
    await view.locator("#files a.diff-link", { hasText: "connections.toml" }).click();
    const diffTab = wb.page.locator(".tabs-container .tab", {
      hasText: /connections\.toml \(v\d+ ↔ staged\)/,
    });
    await diffTab.first().waitFor({ timeout: 30_000 });
    await wb.page.locator(".monaco-diff-editor").first().waitFor({ timeout: 30_000 });
    await wb.screenshot("5b-promote-file-diff");
    await wb.tab("Stage → Promote").click();
    await view.locator("#confirm:not([disabled])").click({ timeout: 30_000 });
    // VS Code's own modal asks once more before anything changes on the engine.
    await wb.page
      .locator(".monaco-dialog-box")
      .getByRole("button", { name: "Promote" })
      .click({ timeout: 30_000 });
    const toast = await wb.notification(/is active/);
    log(`notification: ${toast}`);
    await wb.screenshot("5-promoted");
    const after = await e.active();
    assert.ok(after, "the engine reports an active version");
    assert.notEqual(after.versionId, before.versionId, "promote made a new version active");
    assert.notEqual(after.contentHash, before.contentHash, "the promoted config is the edited one");
    assert.match(toast, new RegExp(after.versionId));
    bootVersion = before;
  });

  it("rolls the engine back to the version it booted with", async () => {
    if (!engine || !bootVersion) throw new Error("not run: the promote above did not complete");
    const boot = bootVersion;
    await wb.runCommand("Notifications: Clear All Notifications");
    await wb.runCommand("MessageFoundry: Roll Back Engine Config…");
    await wb.waitForQuickInput(/Roll back from/);
    // Focus moving into a webview (the Promote panel, still open beside) must not cancel the pick unseen.
    const promote = await wb.webview("promote");
    await promote.locator("html").click({ position: { x: 40, y: 600 } });
    await wb.page.waitForTimeout(500);
    await wb.waitForQuickInput(/Roll back from/, 1_000);
    await wb.pick(boot.versionId, new RegExp(`^\\s*${boot.versionId}(?!\\d)`)); // "v1", not "v10"
    await wb.page
      .locator(".monaco-dialog-box")
      .getByRole("button", { name: "Roll back" })
      .click({ timeout: 30_000 });
    const toast = await wb.notification(/is now active/);
    log(`notification: ${toast}`);
    const active = await engine.active();
    assert.equal(active?.contentHash, boot.contentHash, "the engine runs the boot config again");
    // Every view shows the same active version, read from the engine once: the notice, the status bar
    // and the Promote view still open beside.
    const label = /Config (.+) is now active/.exec(toast)?.[1] ?? "";
    assert.match(label, new RegExp(`^${active?.versionId} \\(rollback to ${boot.versionId}\\)$`));
    await wb.statusItem(label).waitFor({ timeout: 30_000 });
    await wb.tab("Stage → Promote").click();
    const promote2 = await wb.webview("promote");
    await promote2.locator("#active-now", { hasText: label }).waitFor({ timeout: 30_000 });
    await wb.screenshot("6-rolled-back");
  });

  it("shows a deployer no message views and no Start/Stop buttons it cannot use", async () => {
    await wb.showSidebar();
    // Signed in as the deployer of the promote above: connections yes, messages and control no.
    await wb.treeRow("IB_ACME_ADT").waitFor({ timeout: 60_000 });
    await wb.screenshot("7a-deployer-views");
    assert.equal(await wb.viewHeader("Dead Letters").count(), 0, "no Dead Letters view for a deployer");
    const actions = await wb.rowActions("IB_ACME_ADT");
    log(`deployer's actions on IB_ACME_ADT: ${JSON.stringify(actions)}`);
    assert.ok(!actions.some((a) => /Stop Connection|Start Connection/.test(a)), "no Start/Stop button");
  });

  it("gives an administrator the Users & Sessions view: add a user with a one-time password shown once", async () => {
    if (!engine) throw new Error("no engine");
    const e = engine;
    // The deployer signed in above has no users:manage: no such view.
    assert.equal(await wb.viewHeader("Users & Sessions").count(), 0, "no Users view for a deployer");
    await wb.runCommand("MessageFoundry: Sign Out of Engine");
    await wb.runCommand("MessageFoundry: Sign In to Engine…");
    await wb.answer(/User name/, e.admin.username);
    await wb.answer(/Password/, e.admin.password);
    await wb.waitForQuickInput(/Authenticator code/);
    await wb.answer(/Authenticator code/, await e.admin.totp());
    await wb.viewHeader("Users & Sessions").first().waitFor({ timeout: 60_000 });
    await wb.treeRow(e.username).waitFor({ timeout: 30_000 });
    await wb.screenshot("7b-users-view");

    await wb.runCommand("MessageFoundry: Add User…");
    await wb.answer(/Sign-in name/, "e2e_viewer");
    await wb.answer(/role/i, "viewer");
    const dialog = wb.page.locator(".monaco-dialog-box").filter({ hasText: /One-time password/ });
    await dialog.waitFor({ timeout: 30_000 });
    const text = await textOf(dialog);
    await wb.screenshot("7c-one-time-password");
    const copyButtons = await dialog.getByRole("button", { name: "Copy password" }).count();
    // Closed before asserting, so a failure here leaves no modal in the way of the next step.
    await wb.page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden", timeout: 10_000 });
    // The dialog's text runs together (no line breaks): the password is its 4 groups of 5.
    const otp = /One-time password: ([A-Za-z0-9]{5}(?:-[A-Za-z0-9]{5}){3})/.exec(text)?.[1] ?? "";
    assert.ok(otp, text);
    assert.equal(copyButtons, 1);
    await wb.treeRow("e2e_viewer").waitFor({ timeout: 30_000 });
    assert.match(await textOf(wb.treeRow("e2e_viewer")), /viewer · no MFA · must change password/);

    // The password works once, and only to change it.
    const login = await fetch(`${e.url}/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "e2e_viewer", password: otp }),
    });
    assert.equal(login.status, 200);
    assert.equal(((await login.json()) as { mustChangePassword: boolean }).mustChangePassword, true);

    await wb.runCommand("MessageFoundry: My Sessions…");
    // One row: the session this window signed in with (its description says "this session").
    await wb.waitForQuickInput(/title: My sessions on e2e;.*rows: Session [0-9a-f]{8}/);
    await wb.screenshot("7d-my-sessions");
    await wb.page.keyboard.press("Escape");
  });

  it("starts a local engine on the workspace, sends a sample to its inbound and shows the ACK", async function () {
    this.timeout(240_000);
    // The local engine runs the same config: the test's engine gives its ports back first.
    await engine?.stop();
    engine = undefined;
    await wb.runCommand("Notifications: Clear All Notifications");
    await wb.runCommand("MessageFoundry: Start Local Engine");
    await wb.statusItem(/Local engine running at http:\/\/127\.0\.0\.1:\d+/).waitFor({ timeout: 120_000 });
    await wb.statusItem("Local engine: running").waitFor();
    // The views switch to it, signed in as its local-dev operator: messages and Start/Stop are offered.
    await wb.showSidebar();
    await wb.treeRow("IB_ACME_ADT").waitFor({ timeout: 60_000 });
    await wb.viewHeader("Dead Letters").waitFor({ timeout: 30_000 });
    const actions = await wb.rowActions("IB_ACME_ADT");
    log(`local operator's actions on IB_ACME_ADT: ${JSON.stringify(actions)}`);
    assert.ok(
      actions.some((a) => /Stop Connection/.test(a)),
      "an operator may stop a connection",
    );
    await wb.screenshot("8a-local-engine");

    await wb.quickOpen("adt_a01.hl7");
    // The parse-tree step left PID-5 selected in this file: Send would send the selection (no MSH).
    await wb.page.keyboard.press("Escape");
    await wb.runCommand("MessageFoundry: Send to MLLP…");
    await wb.pick("IB_ACME_ADT", /IB_ACME_ADT/);
    const ack = await wb.notification(/ACK from IB_ACME_ADT/, 60_000);
    log(`ACK: ${ack}`);
    assert.match(ack, /: AA/);
    await wb.screenshot("8b-send-mllp");

    await wb.runCommand("MessageFoundry: Stop Local Engine");
    await wb.statusItem(/^\s*Local engine\s*$/).waitFor({ timeout: 60_000 });
    assert.equal(
      existsSync(join(root, "workspace", ".messagefoundry", "local-engine.json")),
      false,
      "the one-run token is gone with the run",
    );
  });

  it("shows a firing alert with a badge in the Alerts view, and finds a message by its patient's MRN", async function () {
    this.timeout(240_000);
    // The workspace config as an operator would change it: IB_ACME_ADT indexes PID-3.1 (MRN), and an
    // alert fires while OB_CHART_DB_ADT (no database listens on its moved port) has anything queued.
    const adt = join(configDir, "adt.ts");
    const adtText = readFileSync(adt, "utf8");
    // Only IB_ACME_ADT's line (its port is a free one in this copy).
    const wired = /(inbound\("IB_ACME_ADT",.*\{ router: "acme_adt_router")( \}\);)/;
    assert.match(adtText, wired, "samples/config/adt.ts wires IB_ACME_ADT to acme_adt_router");
    writeFileSync(adt, adtText.replace(wired, '$1, identifiers: ["PID-3.1"]$2'));
    writeFileSync(
      join(configDir, "e2e_alerts.ts"),
      [
        'import { alert } from "messagefoundry";',
        "",
        'alert("AL_E2E_CHART_DB_BACKLOG", { when: { connection: "OB_CHART_DB_ADT", backlogAbove: 0 } });',
        "",
      ].join("\n"),
    );
    const pid = readFileSync(join(messagesDir, "adt_a01.hl7"), "utf8")
      .split(/\r\n|\r|\n/)
      .find((l) => l.startsWith("PID|"));
    const mrn = pid?.split("|")[3]?.split("^")[0] ?? "";
    assert.ok(mrn, "samples/messages/adt_a01.hl7 has a PID-3.1");

    await wb.runCommand("Notifications: Clear All Notifications");
    // The engine keeps a copy of each config version under .messagefoundry/, which the language server
    // also lists as a config dir: an editor on the workspace config says which one to start.
    // (The wizard's e2e_adt.ts, opened from the workspace config; Quick Open has not indexed e2e_alerts.ts.)
    if ((await wb.tab("e2e_adt.ts").count()) > 0) await wb.tab("e2e_adt.ts").click();
    else await wb.quickOpen("e2e_adt.ts");
    await wb.runCommand("MessageFoundry: Start Local Engine");
    await wb.statusItem(/Local engine running at http:\/\/127\.0\.0\.1:\d+/).waitFor({ timeout: 120_000 });
    await wb.statusItem(/local engine \(workspace\) · v2/).waitFor({ timeout: 30_000 });
    await wb.showSidebar();
    await wb.treeRow("IB_ACME_ADT").waitFor({ timeout: 60_000 });

    await wb.quickOpen("adt_a01.hl7");
    await wb.page.keyboard.press("Escape");
    await wb.runCommand("MessageFoundry: Send to MLLP…");
    await wb.pick("IB_ACME_ADT", /IB_ACME_ADT/);
    assert.match(await wb.notification(/ACK from IB_ACME_ADT/, 60_000), /: AA/);

    // The engine checks alerts on an interval (15 s) and the view polls (10 s): refresh until it fires.
    const header = wb.viewHeader("Alerts").first();
    await header.waitFor({ timeout: 30_000 });
    if ((await header.getAttribute("aria-expanded")) === "false") await header.click();
    const firing = wb.treeRow("AL_E2E_CHART_DB_BACKLOG");
    const deadline = Date.now() + 90_000;
    while (!(await firing.isVisible())) {
      if (Date.now() > deadline) assert.fail("AL_E2E_CHART_DB_BACKLOG never showed in the Alerts view");
      await wb.runCommand("MessageFoundry: Refresh Alerts");
      await wb.page.waitForTimeout(3_000);
    }
    await wb.treeRow("Firing").waitFor();
    // The view's badge counts the firing alerts on the MessageFoundry icon, seen from anywhere.
    const badge = wb.containerBadge("MessageFoundry");
    await badge.waitFor({ timeout: 30_000 });
    log(`alerts badge: ${await textOf(badge)}`);
    assert.match(await textOf(badge), /^[1-9]\d*$/);
    await wb.screenshot("9a-alerts-view");

    // Find Messages by the MRN: the engine matches its keyed token. Only this run indexed PID-3.1, so
    // exactly the message just sent is found (the earlier run's copy was stored without the index).
    await wb.runCommand("MessageFoundry: Find Messages…");
    await wb.answer(/Find messages|identifier=MRN123/, `identifier=${mrn}`);
    await wb.waitForQuickInput(/1 message\(s\)/, 30_000);
    assert.match(await wb.quickInputText(), /ADT\^A01/);
    // The row's description names the inbound it came in on.
    await wb.page
      .locator(".quick-input-widget .monaco-list-row", { hasText: "IB_ACME_ADT" })
      .first()
      .waitFor({ timeout: 10_000 });
    await wb.screenshot("9b-find-by-mrn");
    await wb.page.keyboard.press("Escape");

    await wb.runCommand("MessageFoundry: Stop Local Engine");
    await wb.statusItem(/^\s*Local engine\s*$/).waitFor({ timeout: 60_000 });
    // The MRN is never in the local engine's log (VS Code keeps its output channel as a file).
    const logs = server ? localEngineLogs(join(server.userData, "logs")) : [];
    assert.ok(logs.length > 0, "VS Code kept the local engine's output channel");
    for (const file of logs)
      assert.ok(!readFileSync(file, "utf8").includes(mrn), `the MRN is not in ${file}`);
  });
});

/** The files VS Code writes the "MessageFoundry Local Engine" output channel to. */
function localEngineLogs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => /MessageFoundry Local Engine/.test(f) && f.endsWith(".log"))
    .map((f) => join(dir, f));
}
