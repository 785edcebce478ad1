/**
 * Duplicate detection per inbound, through a real engine and real MLLP: a sender that resends the
 * same MSH-10 (as after a lost ACK) gets an AA — or, with `action: "reject"`, an AR naming the
 * original — the copy is recorded as DUPLICATE and counted, and the destination gets the message once.
 * A different sender (MSH-3/MSH-4) with the same control id, and inbounds without the option, are
 * routed as before.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "mocha";
import { parse } from "../../src/hl7/index.js";
import type { Engine } from "../../src/runtime/index.js";
import {
  adt,
  freePort,
  inboundPort,
  MllpSender,
  mllpSink,
  openEngine,
  tempDir,
  until,
  writeFiles,
} from "./helpers.js";

describe("runtime: duplicate detection (inbound option duplicates)", function () {
  this.timeout(30_000);
  const t = tempDir("mf-dup-");
  let engine: Engine;
  let sink: Awaited<ReturnType<typeof mllpSink>>;

  before(async () => {
    sink = await mllpSink();
    const [ack, reject, plain] = [await freePort(), await freePort(), await freePort()];
    writeFiles(join(t.dir, "config"), {
      "dup.ts": `import { handler, inbound, mllp, outbound, router, send } from "messagefoundry";
inbound("IB_DUP_ACK", mllp({ host: "127.0.0.1", port: ${ack} }), { router: "r", duplicates: { windowMinutes: 60 } });
inbound("IB_DUP_REJECT", mllp({ host: "127.0.0.1", port: ${reject} }), {
  router: "r",
  duplicates: { windowMinutes: 60, action: "reject" },
});
inbound("IB_DUP_OFF", mllp({ host: "127.0.0.1", port: ${plain} }), { router: "r" });
outbound("OB_DUP_SINK", mllp({ host: "127.0.0.1", port: ${sink.port} }));
router("r", () => ["h"]);
handler("h", (msg) => send("OB_DUP_SINK", msg));
`,
    });
    engine = await openEngine(join(t.dir, "config"), join(t.dir, "engine.db"));
  });
  after(async () => {
    await engine.stop();
    await sink.close();
    t.cleanup();
  });

  const sendAll = async (inbound: string, texts: string[]) => {
    const s = await MllpSender.connect(inboundPort(engine, inbound));
    const replies: string[] = [];
    for (const text of texts) replies.push((await s.exchange(text)).toString("latin1"));
    s.close();
    return replies.map((r) => parse(r));
  };
  const delivered = (controlId: string) =>
    sink.received.filter((m) => parse(m).controlId === controlId).length;
  const counters = async (inbound: string) =>
    (await engine.store.stats()).connections.find((c) => c.conn === inbound);

  it("ACKs a resend, records it as DUPLICATE and delivers the message once", async () => {
    const replies = await sendAll("IB_DUP_ACK", [adt("DUPA1"), adt("DUPA1"), adt("DUPA2")]);
    assert.deepEqual(
      replies.map((r) => r.get("MSA-1")),
      ["AA", "AA", "AA"],
    );
    await until(() => delivered("DUPA2") === 1);
    await until(async () => (await engine.store.listMessages({ disposition: "PROCESSED" })).length >= 2);
    assert.equal(delivered("DUPA1"), 1);
    const dups = await engine.store.listMessages({ inbound: "IB_DUP_ACK", disposition: "DUPLICATE" });
    assert.deepEqual(
      dups.map((m) => m.controlId),
      ["DUPA1"],
    );
    const c = await counters("IB_DUP_ACK");
    assert.equal(c?.received, 3);
    assert.equal(c?.duplicates, 1);
  });

  it("with action reject, answers AR naming the original; another sender's same control id is not a duplicate", async () => {
    const other = adt("DUPR1").replace("MSH|^~\\&|SENDER|FAC|", "MSH|^~\\&|OTHERAPP|FAC|");
    const replies = await sendAll("IB_DUP_REJECT", [adt("DUPR1"), adt("DUPR1"), other]);
    assert.deepEqual(
      replies.map((r) => r.get("MSA-1")),
      ["AA", "AR", "AA"],
    );
    const dup = (await engine.store.listMessages({ inbound: "IB_DUP_REJECT", disposition: "DUPLICATE" }))[0];
    assert.ok(dup);
    assert.match(replies[1]?.encode() ?? "", new RegExp(`duplicate of message ${dup.id - 1}\\b`));
    await until(() => delivered("DUPR1") === 2); // the original and the other sender's
    assert.equal((await counters("IB_DUP_REJECT"))?.duplicates, 1);
  });

  it("an inbound without the option routes every copy", async () => {
    await sendAll("IB_DUP_OFF", [adt("DUPO1"), adt("DUPO1")]);
    await until(() => delivered("DUPO1") === 2);
    assert.equal((await counters("IB_DUP_OFF"))?.duplicates ?? 0, 0);
  });
});
