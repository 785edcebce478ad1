/**
 * Logs at info and above carry no patient data from delivery errors or file names: a real engine
 * (delivery in its threads) delivers a message whose MSH-10 (some senders build it from an MRN) names
 * the output file onto a name that is
 * taken, and receives a rejected file whose name carries the same marker. The marker reaches only
 * debug lines; the info+ lines say what happened by class and file reference.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Engine } from "../../src/runtime/index.js";
import { captureLog, openEngine, tempDir, until, writeFiles } from "./helpers.js";

const MARKER = "ZZPHIMARKER";

describe("runtime: no patient data in info+ logs", () => {
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

  it("delivery errors and received file names reach info+ only as a class and a reference", async () => {
    const inbox = join(t.dir, "in");
    const errors = join(t.dir, "rejected");
    const outbox = join(t.dir, "out");
    for (const d of [inbox, outbox]) mkdirSync(d);
    // The output name the message renders is taken; onExists = wait makes that a delivery error.
    writeFileSync(join(outbox, `${MARKER}.hl7`), "a downstream has not picked this up yet");
    const config = join(t.dir, "config");
    writeFiles(config, {
      "files.ts": `import { file, handler, inbound, outbound, router, send } from "messagefoundry";
inbound("IB_PHI_FILE", file({ path: ${JSON.stringify(inbox)}, pattern: "*.hl7", pollMs: 50, stableMs: 0, deleteAfterRead: true, errorTo: ${JSON.stringify(errors)} }), { router: "r" });
outbound("OB_PHI_FILE", file({ path: ${JSON.stringify(outbox)}, filename: "{MSH-10}.hl7", onExists: "wait" }));
router("r", () => "h");
handler("h", (msg) => send("OB_PHI_FILE", msg));
`,
    });
    const { log, lines } = captureLog();
    engine = await openEngine(config, join(t.dir, "engine.db"), { log });
    const message = [
      `MSH|^~\\&|SENDAPP|SENDFAC|RECVAPP|RECVFAC|20260101120000||ADT^A01|${MARKER}|P|2.5`,
      "EVN|A01|20260101120000",
      "PID|1||MRN0001^^^HOSP^MR||TEST^PATIENT||19800101|F",
    ].join("\r");
    writeFileSync(join(inbox, "m1.hl7"), message);
    // Not HL7: refused at intake and moved aside, under a name that carries the marker.
    writeFileSync(join(inbox, `${MARKER}-note.hl7`), "this is not an HL7 message");

    await until(() => lines.some((l) => l.msg === "delivery will retry"));
    await until(() => existsSync(errors) && readdirSync(errors).length > 0);
    await until(() =>
      lines.some((l) => l.msg === "file not accepted; moved to errorTo" && l.level === "warn"),
    );

    const loud = lines.filter((l) => l.level !== "debug");
    const leaks = loud.filter((l) => JSON.stringify(l).includes(MARKER));
    assert.deepEqual(leaks, []);
    const retry = loud.find((l) => l.msg === "delivery will retry");
    assert.equal(retry?.obj.errorClass, "file exists");
    const moved = loud.find((l) => l.msg === "file not accepted; moved to errorTo");
    assert.match(String(moved?.obj.fileRef), /^[0-9a-f]{12}$/);
    // The detail is still there for whoever turns on debug.
    const debug = lines.filter((l) => l.level === "debug" && JSON.stringify(l).includes(MARKER));
    assert.ok(debug.some((l) => l.obj.fileRef === moved?.obj.fileRef));
    assert.ok(debug.some((l) => String(l.obj.error).includes(`${MARKER}.hl7 already exists`)));
  });
});
