/**
 * "Send to MLLP…" with many messages in a real VS Code (code-server, the packaged .vsix): generated
 * messages (through `messagefoundry generate`) sent at a rate to a receiver on a host:port the user
 * types, with the progress notification and the ACK summary; then a folder of sample files sent from
 * the command when no .hl7 editor is open. The receiver is a real MLLP socket in this process.
 */
import assert from "node:assert/strict";
import { mllpSink } from "../../engine/test/runtime/helpers.js";
import { log, useWorkbench } from "./harness.js";

describe("Send to MLLP with many messages in a real VS Code (code-server 4.100.3)", function () {
  this.timeout(120_000);
  const suite = useWorkbench("send");
  let sink: Awaited<ReturnType<typeof mllpSink>>;

  before(async () => {
    sink = await mllpSink();
  });

  after(async () => {
    await sink?.close();
  });

  /**
   * Runs a command from the palette, again if the palette opened before the extension's commands were
   * listed (right after the workbench loads, the first palette can miss them).
   */
  async function command(title: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await suite.wb.runCommand(title);
      } catch (error) {
        if (attempt === 3) throw error;
        log(`retrying the palette for ${title}`);
        await suite.wb.page.keyboard.press("Escape");
      }
    }
  }

  it("sends generated messages at a rate and shows the ACKs", async () => {
    await command("MessageFoundry: Send Generated Messages to MLLP…");
    await suite.wb.pick("ORU^R01", /ORU\^R01/);
    await suite.wb.answer(/how many ORU\^R01/, "3");
    await suite.wb.pick("Other host", /Other host:port/);
    await suite.wb.answer(/host:port of the MLLP receiver/, `127.0.0.1:${sink.port}`);
    await suite.wb.pick("10 msg/s", /10 msg\/s/);
    const done = await suite.wb.notification(/3 messages sent to 127\.0\.0\.1/, 90_000);
    log(`notification: ${done}`);
    assert.match(done, /AA .*AA .*AA/);
    assert.equal(sink.received.length, 3);
    await suite.wb.screenshot("send-1-generated");
  });

  it("from the palette with no .hl7 editor open, offers files, a folder or generated messages", async () => {
    await command("MessageFoundry: Send to MLLP…");
    await suite.wb.waitForQuickInput(/Send to MLLP: what to send/);
    const shown = await suite.wb.quickInputText();
    assert.match(shown, /Files or a folder/);
    assert.match(shown, /Generated messages/);
    await suite.wb.page.keyboard.press("Escape");
  });
});
