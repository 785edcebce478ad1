/**
 * The pure DICOM parts: the key-tag scan (explicit and implicit VR, sequences of undefined length skipped,
 * never a throw on broken input), the PDU reader's size cap and chunk handling, command sets, settings errors.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createConnection } from "node:net";
import fc from "fast-check";
import { RawMessage } from "../../src/config/raw-message.js";
import { dicomKeyTags, isPart10, part10Header, readPart10 } from "../../src/transports/dicom-dataset.js";
import { COMMAND, decodeCommand, encodeCommand, storeStatusClass } from "../../src/transports/dicom-dimse.js";
import {
  decodePdu,
  encodeAssociateRq,
  encodeData,
  encodeReleaseRq,
  PDU,
  PduError,
  PduReader,
} from "../../src/transports/dicom-pdu.js";
import { readDicomInbound, readDicomOutbound } from "../../src/transports/dicom-settings.js";
import { createInbound } from "../../src/transports/index.js";
import { syntheticInstance } from "./dicom-fixtures.js";
import { context } from "./helpers.js";

describe("transports/dicom pure parts", () => {
  it("reads the key tags past a nested sequence of undefined length, explicit and implicit VR", () => {
    for (const implicit of [false, true]) {
      const inst = syntheticInstance({ modality: "US", implicit, undefinedLengths: true });
      const tags = new RawMessage(inst.file, "dicom").dicom;
      assert.equal(tags.modality, "US");
      assert.equal(tags.studyInstanceUid, inst.studyUid);
      assert.equal(tags.seriesInstanceUid, inst.seriesUid);
      assert.equal(tags.sopInstanceUid, inst.sopInstanceUid);
      assert.equal(tags.transferSyntaxUid, implicit ? "1.2.840.10008.1.2" : "1.2.840.10008.1.2.1");
    }
  });

  it("never throws on what is not DICOM or is cut anywhere; says why readPart10 refuses", () => {
    assert.deepEqual(dicomKeyTags(Buffer.from("MSH|^~\\&|")), {});
    assert.equal(isPart10(Buffer.alloc(10)), false);
    assert.throws(() => readPart10(Buffer.from("hello")), /no 'DICM' at byte 128/);
    const file = syntheticInstance({ undefinedLengths: true }).file;
    for (let cut = 0; cut < file.length; cut += 7) dicomKeyTags(file.subarray(0, cut));
    for (let i = 0; i < 200; i++) {
      const noisy = Buffer.from(file);
      randomBytes(8).copy(noisy, 132 + Math.floor(Math.random() * (noisy.length - 140)));
      dicomKeyTags(noisy);
    }
  });

  it("writes file meta that reads back, AE titles included", () => {
    const head = part10Header({
      sopClassUid: "1.2.3",
      sopInstanceUid: "1.2.3.4",
      transferSyntaxUid: "1.2.840.10008.1.2",
      callingAeTitle: "CT01",
      calledAeTitle: "MEFOR",
    });
    const { meta, datasetOffset } = readPart10(head);
    assert.equal(datasetOffset, head.length);
    assert.deepEqual(meta, {
      sopClassUid: "1.2.3",
      sopInstanceUid: "1.2.3.4",
      transferSyntaxUid: "1.2.840.10008.1.2",
      callingAeTitle: "CT01",
      calledAeTitle: "MEFOR",
    });
  });

  it("cuts PDUs across chunks and refuses one announcing more than the cap", () => {
    const data = encodeData(1, false, true, Buffer.alloc(1000, 1));
    const reader = new PduReader(4096);
    for (const byte of data) {
      assert.equal(reader.next(), undefined);
      reader.push(Buffer.from([byte]));
    }
    const pdu = reader.next();
    assert.equal(pdu?.type, PDU.DATA);
    const huge = Buffer.alloc(6);
    huge[0] = PDU.DATA;
    huge.writeUInt32BE(1 << 30, 2);
    const capped = new PduReader(4096);
    capped.push(huge);
    assert.throws(() => capped.next(), PduError);
  });

  it("decodes any bytes as a PDU, a command set or key tags without an unexpected throw (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9 }), fc.uint8Array({ maxLength: 600 }), (type, bytes) => {
        const body = Buffer.from(bytes);
        try {
          decodePdu(type, body);
        } catch (err) {
          assert.ok(err instanceof PduError, String(err));
        }
        try {
          decodeCommand(body);
        } catch (err) {
          assert.match(String(err), /runs past the end/);
        }
        dicomKeyTags(
          Buffer.concat([
            part10Header({
              sopClassUid: "1.2",
              sopInstanceUid: "1.2.3",
              transferSyntaxUid: "1.2.840.10008.1.2.1",
            }),
            body,
          ]),
        );
      }),
      { numRuns: 2000 },
    );
  });

  it("encodes and decodes command sets; classifies C-STORE statuses", () => {
    const cmd = {
      field: COMMAND.C_STORE_RQ,
      messageId: 7,
      affectedSopClassUid: "1.2.840.10008.5.1.4.1.1.7",
      affectedSopInstanceUid: "1.2.3",
      hasDataset: true,
    };
    assert.deepEqual(decodeCommand(encodeCommand(cmd)), cmd);
    assert.equal(storeStatusClass(0x0000), "success");
    assert.equal(storeStatusClass(0xb000), "warning");
    assert.equal(storeStatusClass(0xa702), "retry");
    assert.equal(storeStatusClass(0xc000), "failure");
    assert.equal(storeStatusClass(0x0122), "failure");
  });

  it("settings errors name the connection and the setting", () => {
    assert.throws(() => readDicomInbound("IB_X", { port: 104 }), /IB_X.*aeTitle.*required/);
    assert.throws(
      () => readDicomInbound("IB_X", { port: 104, aeTitle: "WAY_TOO_LONG_AE_TITLE" }),
      /aeTitle.*AE title/,
    );
    assert.throws(
      () => readDicomInbound("IB_X", { port: 104, aeTitle: "A", sopClasses: ["CT"] }),
      /sopClasses\.0.*DICOM UID/,
    );
    assert.throws(() => readDicomInbound("IB_X", { port: 104, aeTitle: "A", maxBytes: 2 ** 31 }), /maxBytes/);
    assert.throws(() => readDicomOutbound("OB_X", { host: "h", port: 104 }), /calledAeTitle.*required/);
  });

  it("the SCP aborts on garbage and stray data PDUs, refuses a SOP class not configured, and keeps listening", async () => {
    const ctx = context(async () => ({ accepted: true }));
    const ib = createInbound("dicom", "IB_GARBAGE", { host: "127.0.0.1", port: 0, aeTitle: "MEFOR" });
    await ib.start(ctx);
    try {
      const port = ib.state.port!;
      const send = (bytes: Buffer) =>
        new Promise<Buffer>((resolve) => {
          const chunks: Buffer[] = [];
          const s = createConnection({ host: "127.0.0.1", port }, () => s.write(bytes));
          s.on("data", (c: Buffer) => chunks.push(c));
          s.on("close", () => resolve(Buffer.concat(chunks)));
          s.on("error", () => undefined);
        });
      const abortOf = (b: Buffer) => b[0];
      assert.equal(abortOf(await send(Buffer.from([0x09, 0, 0, 0, 0, 4, 1, 2, 3, 4]))), PDU.ABORT);
      assert.equal(abortOf(await send(encodeData(1, true, true, Buffer.alloc(8)))), PDU.ABORT);
      const rq = encodeAssociateRq({
        calledAeTitle: "MEFOR",
        callingAeTitle: "X",
        applicationContext: "1.2.840.10008.3.1.1.1",
        contexts: [{ id: 1, abstractSyntax: "1.2.840.10008.1.1", transferSyntaxes: ["1.2.840.10008.1.2"] }],
        maxPduLength: 16384,
        implementationClassUid: "1.2",
        implementationVersion: "T",
      });
      // A dataset fragment with no C-STORE before it, on an accepted association.
      const answer = await send(Buffer.concat([rq, encodeData(1, false, true, Buffer.alloc(8))]));
      assert.equal(answer[0], PDU.ASSOCIATE_AC);
      assert.equal(answer[answer.length - 10], PDU.ABORT);
      // A C-STORE of a SOP class not configured, smuggled onto the Verification context: refused 0122.
      const store = encodeCommand({
        field: COMMAND.C_STORE_RQ,
        messageId: 3,
        affectedSopClassUid: "1.2.840.10008.5.1.4.1.1.66", // Raw Data: not in the default list
        affectedSopInstanceUid: "1.2.3.4",
        hasDataset: true,
      });
      const refused = await send(
        Buffer.concat([
          rq,
          encodeData(1, true, true, store),
          encodeData(1, false, true, Buffer.alloc(64)),
          encodeReleaseRq(),
        ]),
      );
      const reader = new PduReader(1 << 20);
      reader.push(refused);
      assert.equal(reader.next()?.type, PDU.ASSOCIATE_AC);
      const rsp = reader.next();
      assert.equal(rsp?.type, PDU.DATA);
      const cmd = decodeCommand(rsp.type === PDU.DATA ? rsp.pdvs[0]!.data : Buffer.alloc(0));
      assert.equal(cmd.field, COMMAND.C_STORE_RSP);
      assert.equal(cmd.status, 0x0122);
      assert.equal(reader.next()?.type, PDU.RELEASE_RP);
      assert.equal(ctx.log.entries.filter((e) => e.msg?.includes("stored")).length, 0);
      assert.equal(ib.state.status, "listening");
    } finally {
      await ib.stop();
    }
  });
});
