import assert from "node:assert/strict";
import { parse } from "../../src/hl7/index.js";
import { createIntake } from "../../src/pipeline/index.js";
import type { StoreHarness } from "../store/contract.js";
import { DIALECTS } from "../store/harnesses.js";
import { adt, buf } from "../store/helpers.js";

for (const [kind, open] of DIALECTS) {
  describe(`intake on ${kind}`, () => {
    let t: StoreHarness;
    beforeEach(async () => {
      t = await open();
    });
    afterEach(async () => {
      await t.cleanup();
    });

    it("ACKs AA only once the ingress row is committed", async () => {
      const intake = createIntake(t.store);
      const committed = async () => Number((await t.query("SELECT count(*) AS n FROM stage_rows"))[0]?.n);
      const pending = intake.receive("IB_ADT", buf(adt("ACK1")));
      // Nothing is committed before the group commit runs (observable without a network round trip).
      if (kind === "sqlite") assert.equal(await committed(), 0);
      const r = await pending;
      // Another connection sees the row by the time the ACK exists.
      assert.equal(await committed(), 1);
      assert.equal(r.accepted, true);
      assert.equal(r.disposition, "RECEIVED");
      const ack = parse(r.reply?.toString("latin1") ?? "");
      assert.equal(ack.get("MSA-1"), "AA");
      assert.equal(ack.get("MSA-2"), "ACK1");
      const m = await t.store.getMessage(r.messageId);
      assert.equal(m?.controlId, "ACK1");
      assert.equal(m?.messageType, "ADT^A01");
    });

    it("answers CA in enhanced mode and nothing in mode none", async () => {
      const intake = createIntake(t.store);
      const enhanced = await intake.receive("IB_ADT", buf(adt("E1")), { ack: "enhanced" });
      assert.equal(parse(enhanced.reply?.toString("latin1") ?? "").get("MSA-1"), "CA");
      const none = await intake.receive("IB_ADT", buf(adt("N1")), { ack: "none" });
      assert.equal(none.reply, undefined);
      assert.equal(none.accepted, true);
    });

    it("NAKs AR with an ERR segment when there is no MSH, and still records the message as ERROR", async () => {
      const intake = createIntake(t.store);
      const r = await intake.receive("IB_ADT", buf("PID|1||NOHEADER"));
      assert.equal(r.accepted, false);
      assert.equal(r.disposition, "ERROR");
      assert.match(r.error ?? "", /cannot parse HL7 at offset \d+/);
      const nak = parse(r.reply?.toString("latin1") ?? "");
      assert.equal(nak.get("MSA-1"), "AR");
      assert.equal(nak.segments("ERR").length, 1);
      const m = await t.store.getMessage(r.messageId);
      assert.equal(m?.disposition, "ERROR");
      assert.equal((await t.store.getMessageRaw(r.messageId))?.toString(), "PID|1||NOHEADER");
      const c = (await t.store.stats()).connections.find((x) => x.conn === "IB_ADT");
      assert.deepEqual([c?.received, c?.errored], [1, 1]);
    });

    it("NAKs AE when strict validation finds an error, pointing at the field", async () => {
      const intake = createIntake(t.store);
      const validate = () => [{ message: "PID-8 must be one of F, M, O, U", location: "PID-8", code: "103" }];
      const r = await intake.receive("IB_ADT", buf(adt("S1")), { validate });
      assert.equal(r.accepted, false);
      const nak = parse(r.reply?.toString("latin1") ?? "");
      assert.equal(nak.get("MSA-1"), "AE");
      assert.equal(nak.get("MSA-2"), "S1");
      assert.equal(nak.get("ERR-3.1"), "103");
      assert.equal(nak.get("ERR-2.1"), "PID");
      assert.match(r.error ?? "", /^strict validation: PID-8: /);
      const m = await t.store.getMessage(r.messageId);
      assert.deepEqual([m?.disposition, m?.controlId], ["ERROR", "S1"]);
      // Warnings alone do not reject.
      const ok = await intake.receive("IB_ADT", buf(adt("S2")), {
        validate: () => [{ message: "just a note", severity: "warning" }],
      });
      assert.equal(ok.accepted, true);
    });

    it("keeps Latin-1 bytes exactly as received (MSH-18 8859/1)", async () => {
      const intake = createIntake(t.store);
      const raw = Buffer.from(adt("L1", { family: "TESTÉ", charset: "8859/1" }), "latin1");
      const r = await intake.receive("IB_ADT", raw);
      assert.equal(r.accepted, true);
      assert.deepEqual(await t.store.getMessageRaw(r.messageId), raw);
    });

    it("persists other content types raw, with no HL7 reply", async () => {
      const intake = createIntake(t.store);
      const body = Buffer.from('{"resourceType":"Patient","name":"TEST"}');
      const r = await intake.receive("IB_JSON", body, { contentType: "json" });
      assert.deepEqual([r.accepted, r.disposition, r.reply], [true, "RECEIVED", undefined]);
      const m = await t.store.getMessage(r.messageId);
      assert.equal(m?.contentType, "json");
      assert.deepEqual(await t.store.getMessageRaw(r.messageId), body);
    });

    it("rejects (no ACK) when the store cannot commit", async () => {
      const intake = createIntake(t.store);
      await t.store.close();
      await assert.rejects(intake.receive("IB_ADT", buf(adt("X1"))), /closed/);
    });
  });
}
