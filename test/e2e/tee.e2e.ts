/**
 * The tee compare report in a real VS Code (code-server, the packaged .vsix): "MessageFoundry: Open Tee
 * Compare Report" → two destination captures picked in VS Code's file dialog → the extension runs the
 * workspace's `messagefoundry tee compare --json` → the report in the teeCompare webview. Synthetic data.
 */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { log, textOf, useWorkbench } from "./harness.js";

function msg(id: string, family = "TEST"): string {
  return [
    `MSH|^~\\&|ENGINE|FAC|DEST|FAC|20260101120000||ADT^A01^ADT_A01|${id}|P|2.5.1`,
    `PID|1||${id}^^^MRN||${family}^PATIENT||19700101|U`,
  ].join("\r");
}

const capture = (messages: string[]) =>
  messages.map((message, i) => `${JSON.stringify({ seq: i + 1, controlId: "", message })}\n`).join("");

describe("Tee compare report in a real VS Code (code-server)", function () {
  this.timeout(120_000);
  let captures = "";
  const suite = useWorkbench("tee", {
    // The file dialog as a quick input (what code-server shows): a path can be typed.
    settings: { "files.simpleDialog.enable": true },
    prepare: (workspace) => {
      captures = join(workspace, "captures");
      mkdirSync(captures, { recursive: true });
      writeFileSync(join(captures, "legacy.ndjson"), capture([msg("T001"), msg("T002"), msg("T003")]));
      writeFileSync(join(captures, "shadow.ndjson"), capture([msg("T001"), msg("T002", "TSET")]));
    },
  });

  it("runs tee compare on two captures and shows the report in its webview", async () => {
    // A fresh workbench lists the extension's commands only once it has read its contributions.
    const deadline = Date.now() + 90_000;
    for (;;) {
      await suite.wb.page.keyboard.press("F1");
      await suite.wb.page
        .locator(".quick-input-widget .quick-input-box input")
        .fill(">MessageFoundry: Open Tee");
      await suite.wb.page.waitForTimeout(1000);
      const shown = await suite.wb.quickInputText();
      await suite.wb.page.keyboard.press("Escape");
      if (/Open Tee Compare Report/.test(shown)) break;
      if (Date.now() > deadline) throw new Error(`the palette never listed the command: ${shown}`);
      log("the palette does not list the command yet");
      await suite.wb.page.waitForTimeout(3000);
    }
    await suite.wb.runCommand("MessageFoundry: Open Tee Compare Report");
    await suite.wb.waitForQuickInput(/what to compare/);
    await suite.wb.pick("captures", /Two destination captures/);
    await suite.wb.answer(/legacy destination's capture/, join(captures, "legacy.ndjson"));
    await suite.wb.answer(/shadow destination's capture/, join(captures, "shadow.ndjson"));
    const view = await suite.wb.webview("teeCompare");
    await view.locator(".pair").first().waitFor({ timeout: 60_000 });
    assert.deepEqual(await view.locator(".card").allTextContents(), [
      "3pairs",
      "1identical",
      "1differing",
      "1missing in shadow",
      "0missing in legacy",
    ]);
    assert.deepEqual(
      await view.locator(".pair").evaluateAll((els) => els.map((e) => e.getAttribute("data-key"))),
      ["T002", "T003"],
    );
    assert.match(
      await textOf(view.locator('.pair[data-key="T002"] tbody')),
      /PID-5.*TEST\^PATIENT.*TSET\^PATIENT/s,
    );
    await suite.wb.screenshot("tee-compare");
  });
});
