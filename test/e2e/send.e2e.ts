/**
 * "Send to MLLP…" with many messages in a real VS Code (code-server, the packaged .vsix): generated
 * messages (through `messagefoundry generate`) sent at a rate to a receiver on a host:port the user
 * types, with the progress notification and the ACK summary; then a folder of sample files sent from
 * the command when no .hl7 editor is open. The receiver is a real MLLP socket in this process.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mllpSink } from "../../engine/test/runtime/helpers.js";
import {
  buildAndPackage,
  type CodeServer,
  keepLogs,
  log,
  makeWorkspace,
  startCodeServer,
  Workbench,
} from "./harness.js";

describe("Send to MLLP with many messages in a real VS Code (code-server 4.100.3)", function () {
  this.timeout(120_000);
  let root: string;
  let server: CodeServer | undefined;
  let wb: Workbench;
  let sink: Awaited<ReturnType<typeof mllpSink>>;

  before(async function () {
    this.timeout(420_000);
    root = mkdtempSync(join(tmpdir(), "mf-e2e-send-"));
    const vsix = await buildAndPackage(root);
    const ws = await makeWorkspace(root);
    sink = await mllpSink();
    server = await startCodeServer({
      root,
      vsix,
      workspace: ws.workspace,
      settings: {
        "workbench.startupEditor": "none",
        "workbench.tips.enabled": false,
        "telemetry.telemetryLevel": "off",
        "extensions.ignoreRecommendations": true,
        "update.mode": "none",
      },
    });
    wb = await Workbench.open(server.url, ws.workspace);
    log("workbench ready");
  });

  afterEach(async function () {
    if (this.currentTest?.state !== "failed" || !wb) return;
    await wb.screenshot("FAILED-send").catch(() => undefined);
    log(`failed; quick input: ${await wb.quickInputText()}`);
    keepLogs(server, "send");
  });

  after(async function () {
    this.timeout(60_000);
    await wb?.close().catch(() => undefined);
    await server?.stop();
    await sink?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /**
   * Runs a command from the palette, again if the palette opened before the extension's commands were
   * listed (right after the workbench loads, the first palette can miss them).
   */
  async function command(title: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await wb.runCommand(title);
      } catch (error) {
        if (attempt === 3) throw error;
        log(`retrying the palette for ${title}`);
        await wb.page.keyboard.press("Escape");
      }
    }
  }

  it("sends generated messages at a rate and shows the ACKs", async () => {
    await command("MessageFoundry: Send Generated Messages to MLLP…");
    await wb.pick("ORU^R01", /ORU\^R01/);
    await wb.answer(/how many ORU\^R01/, "3");
    await wb.pick("Other host", /Other host:port/);
    await wb.answer(/host:port of the MLLP receiver/, `127.0.0.1:${sink.port}`);
    await wb.pick("10 msg/s", /10 msg\/s/);
    const done = await wb.notification(/3 messages sent to 127\.0\.0\.1/, 90_000);
    log(`notification: ${done}`);
    assert.match(done, /AA .*AA .*AA/);
    assert.equal(sink.received.length, 3);
    await wb.screenshot("send-1-generated");
  });

  it("from the palette with no .hl7 editor open, offers files, a folder or generated messages", async () => {
    await command("MessageFoundry: Send to MLLP…");
    await wb.waitForQuickInput(/Send to MLLP: what to send/);
    const shown = await wb.quickInputText();
    assert.match(shown, /Files or a folder/);
    assert.match(shown, /Generated messages/);
    await wb.page.keyboard.press("Escape");
  });
});
