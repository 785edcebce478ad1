/**
 * Real-time eligibility through a running engine (SQLite store on a temp file): a 270 arrives over the
 * X12 inbound (answered with a 999 after the commit), goes out over the X12 outbound to a payer this
 * test plays on a real socket (TA1, then the 271 on the same connection), the 271 is captured,
 * re-ingressed through a Loopback inbound, routed by the X12 codec and written onward.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Engine } from "../../src/runtime/index.js";
import { parseX12 } from "../../src/x12/index.js";
import { payerAnswer, inquiries as synthetic270s, x12Client, x12Peer } from "../transports/x12-peer.js";
import { freePort, openEngine, tempDir, until, writeFiles } from "./helpers.js";

const ROUTES = `
import { env, file, handler, inbound, loopback, outbound, type RawMessage, router, send, x12 } from "messagefoundry";
import { parseX12 } from "messagefoundry/x12";

inbound("IB_RTE_REQUEST", x12({ host: "127.0.0.1", port: env("in_port", "int") }), { router: "rte_requests" });
outbound("OB_PAYER_RTE", x12({ host: "127.0.0.1", port: env("payer_port", "int"), expectReply: true,
  ta1Required: true, reingressTo: "IB_RTE_RESPONSE", ackTimeoutMs: 5000 }), {
  retry: { baseMs: 20, multiplier: 2, capMs: 100 },
});
inbound("IB_RTE_RESPONSE", loopback(), { router: "rte_responses", contentType: "x12", ack: "none" });
outbound("OB_RTE_OUT", file({ path: env("out_dir"), filename: "{messageType}-{controlId}.x12" }));

router("rte_requests", (msg: RawMessage) =>
  parseX12(msg.text).transactions.every((t) => t.type === "270") ? "to_payer" : []);
handler("to_payer", (msg: RawMessage) => send("OB_PAYER_RTE", msg));

router("rte_responses", (msg: RawMessage) => (parseX12(msg.text).get("ST-01") === "271" ? "onward" : []));
handler("onward", (msg: RawMessage) => {
  const ic = parseX12(msg.text);
  for (const sub of ic.transactions[0].loops("HL").filter((l) => l.get("HL-03") === "22"))
    sub.set("NM1-03", sub.get("NM1-03").toLowerCase());
  return send("OB_RTE_OUT", ic.encode());
});
`;

describe("runtime: X12 270 → 271 through the engine", function () {
  this.timeout(60_000);
  const t = tempDir();
  let engine: Engine;
  let payer: Awaited<ReturnType<typeof x12Peer>>;
  let inPort: number;
  const outDir = join(t.dir, "out");

  before(async () => {
    payer = await x12Peer(payerAnswer);
    inPort = await freePort();
    const config = join(t.dir, "config");
    writeFiles(config, {
      "routes.ts": ROUTES,
      "environments/test.toml": [
        `in_port = ${inPort}`,
        `payer_port = ${payer.port}`,
        `out_dir = ${JSON.stringify(outDir)}`,
        "",
      ].join("\n"),
    });
    engine = await openEngine(config, join(t.dir, "engine.db"));
  });

  after(async () => {
    await engine?.stop();
    await payer?.close();
    t.cleanup();
  });

  it("acknowledges the 270 with a 999, blocks for the 271, re-ingresses it and routes it onward", async () => {
    const inquiries = synthetic270s(3, "rte-e2e");
    const client = await x12Client(inPort);
    try {
      for (const q of inquiries) client.write(q);
      await until(() => client.replies.length === 3);
      for (const r of client.replies) assert.equal(parseX12(r.toString("utf8")).get("AK9-01"), "A");
      await until(() => {
        try {
          return readdirSync(outDir).length === 3;
        } catch {
          return false;
        }
      });
    } finally {
      client.socket.destroy();
    }
    assert.equal(payer.received.length, 3);
    const written = readdirSync(outDir).map((f) => parseX12(readFileSync(join(outDir, f), "utf8")));
    const traces = (texts: readonly { get(p: string): string | undefined }[]) =>
      texts.map((ic) => ic.get("TRN-02")).sort();
    assert.deepEqual(traces(written), traces(inquiries.map((q) => parseX12(q))));
    for (const ic of written) {
      assert.equal(ic.get("ST-01"), "271");
      assert.equal(ic.get("EB-01"), "1");
      assert.match(ic.get("NM1[3]-03") ?? "", /^[a-z]+$/);
    }
    const stored = await engine.store.listMessages({ limit: 100 });
    const by = (inbound: string) => stored.filter((m) => m.inbound === inbound);
    assert.equal(by("IB_RTE_REQUEST").length, 3);
    assert.equal(by("IB_RTE_RESPONSE").length, 3);
    await until(async () =>
      (await engine.store.listMessages({ limit: 100 })).every((m) => m.disposition === "PROCESSED"),
    );
    assert.ok(stored.every((m) => m.contentType === "x12"));
    // Labelled like HL7 messages are: the first set's ST-01 and the ISA-13.
    const controls = inquiries.map((q) => parseX12(q).controlNumber).sort();
    assert.deepEqual(
      by("IB_RTE_REQUEST").map((m) => m.messageType),
      ["270", "270", "270"],
    );
    assert.deepEqual(
      by("IB_RTE_RESPONSE")
        .map((m) => m.controlId)
        .sort(),
      controls,
    );
    assert.deepEqual(
      readdirSync(outDir).sort(),
      controls.map((c) => `271-${c}.x12`),
    );
  });
});
