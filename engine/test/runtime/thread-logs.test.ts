/**
 * Delivery threads relay their log lines to the engine's log, except debug lines when that log drops
 * them: a connector writes one per delivery, and each relayed line is a message the main thread must
 * receive and decode. A real engine, a file outbound in a delivery thread.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Engine } from "../../src/runtime/index.js";
import { adt, captureLog, type LogLine, openEngine, tempDir, until, writeFiles } from "./helpers.js";

describe("runtime: delivery threads' log lines", () => {
  let t: ReturnType<typeof tempDir>;
  let engine: Engine | undefined;
  beforeEach(() => {
    t = tempDir();
  });
  afterEach(async () => {
    await engine?.stop();
    engine = undefined;
    t.cleanup();
  });

  async function deliverOne(debug: boolean): Promise<(string | undefined)[]> {
    const inbox = join(t.dir, `in-${debug}`);
    const outbox = join(t.dir, `out-${debug}`);
    for (const d of [inbox, outbox]) mkdirSync(d);
    const config = join(t.dir, `config-${debug}`);
    writeFiles(config, {
      "files.ts": `import { file, handler, inbound, outbound, router, send } from "messagefoundry";
inbound("IB_LOG", file({ path: ${JSON.stringify(inbox)}, pattern: "*.hl7", pollMs: 50, stableMs: 0, deleteAfterRead: true }), { router: "r" });
outbound("OB_LOG", file({ path: ${JSON.stringify(outbox)}, filename: "{MSH-10}.hl7" }));
router("r", () => "h");
handler("h", (msg) => send("OB_LOG", msg));
`,
    });
    const { log, lines } = captureLog({ debug });
    engine = await openEngine(config, join(t.dir, `engine-${debug}.db`), { log });
    writeFileSync(join(inbox, "m1.hl7"), adt("LOG1"));
    await until(() => existsSync(outbox) && readdirSync(outbox).length === 1);
    // The thread posts the outbound's state after the send (and so after the send's log lines):
    // once the main thread has it, every line the thread posted for this delivery has arrived.
    const sent = () => {
      const state = engine?.runner.connections().find((c) => c.name === "OB_LOG")?.connector;
      return state && "sent" in state ? state.sent : 0;
    };
    await until(() => sent() === 1);
    await engine.stop();
    engine = undefined;
    return lines.map((l: LogLine) => l.msg);
  }

  it("relays a connector's debug line while the engine's log writes debug", async () => {
    const messages = await deliverOne(true);
    assert.ok(messages.includes("file written"), `lines: ${JSON.stringify(messages)}`);
  });

  it("posts no debug line when the engine's log drops them", async () => {
    const messages = await deliverOne(false);
    assert.ok(!messages.includes("file written"), `lines: ${JSON.stringify(messages)}`);
  });
});
