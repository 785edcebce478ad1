/**
 * The dicom connector against DCMTK on real sockets: storescu and echoscu talk to our SCP, our SCU
 * talks to storescp. Datasets arrive byte for byte; associations to an unknown AE title, from a calling
 * AE not allowed, or for a SOP class not configured are refused; an instance over maxBytes is refused
 * (and recorded through `reject`) while the association goes on serving.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { dcmtkBin, type Storescp, startStorescp } from "@messagefoundry/test-services";
import { dicomKeyTags, readPart10 } from "../../src/transports/dicom-dataset.js";
import {
  createInbound,
  createOutbound,
  type InboundConnector,
  type InboundRejection,
  type OutboundConnector,
  type ReceiveMeta,
} from "../../src/transports/index.js";
import { tempDir } from "../support/fixtures.js";
import { CT_IMAGE, syntheticInstance } from "./dicom-fixtures.js";
import { captureLog, context } from "./helpers.js";

const run = promisify(execFile);

/** Runs a DCMTK tool; resolves with its exit code and output (a failure exit is not an exception here). */
async function tool(bin: string, name: string, args: string[]): Promise<{ code: number; out: string }> {
  try {
    const r = await run(join(bin, name), args, { timeout: 30_000 });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, out: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

const datasetOf = (file: Buffer) => file.subarray(readPart10(file).datasetOffset);

describe("transports/dicom (DIMSE) against DCMTK", function () {
  this.timeout(60_000);
  let bin: string;
  const t = tempDir("mf-dicom-");
  const inbounds: InboundConnector[] = [];
  const outbounds: OutboundConnector[] = [];
  const storescps: Storescp[] = [];

  before(async function () {
    this.timeout(300_000); // a first run may install dcmtk
    bin = await dcmtkBin();
  });
  afterEach(async () => {
    for (const i of inbounds.splice(0)) await i.stop();
    for (const o of outbounds.splice(0)) await o.close();
    for (const s of storescps.splice(0)) await s.stop();
  });
  after(() => t.cleanup());

  async function scp(settings: Record<string, unknown> = {}) {
    const received: { payload: Buffer; meta: ReceiveMeta }[] = [];
    const rejected: InboundRejection[] = [];
    const ctx = context(async (payload, meta) => {
      received.push({ payload, meta });
      return { accepted: true };
    }, "IB_DICOM");
    ctx.reject = async (reason) => {
      rejected.push(reason);
      return {};
    };
    const ib = createInbound("dicom", "IB_DICOM", {
      host: "127.0.0.1",
      port: 0,
      aeTitle: "MEFOR",
      ...settings,
    });
    inbounds.push(ib);
    await ib.start(ctx);
    return { port: ib.state.port!, received, rejected, log: ctx.log };
  }

  function fileOf(bytes: Buffer, name: string): string {
    const path = join(t.dir, name);
    writeFileSync(path, bytes);
    return path;
  }

  it("echoscu gets a C-ECHO answer", async () => {
    const { port } = await scp();
    const r = await tool(bin, "echoscu", ["-aec", "MEFOR", "127.0.0.1", String(port)]);
    assert.equal(r.code, 0, r.out);
  });

  it("storescu's instances arrive as Part-10 files: the dataset byte for byte, key tags and AE titles readable", async () => {
    const { port, received } = await scp();
    const a = syntheticInstance({ modality: "CT", patientName: "SYNTH^ONE" });
    const b = syntheticInstance({ modality: "MR", studyUid: a.studyUid, pixelBytes: 300_000 });
    const r = await tool(bin, "storescu", [
      "-aet",
      "MODALITY1",
      "-aec",
      "MEFOR",
      "127.0.0.1",
      String(port),
      fileOf(a.file, "a.dcm"),
      fileOf(b.file, "b.dcm"),
    ]);
    assert.equal(r.code, 0, r.out);
    assert.equal(received.length, 2, "one message per instance");
    assert.ok(datasetOf(received[0]!.payload).equals(a.dataset));
    assert.ok(datasetOf(received[1]!.payload).equals(b.dataset));
    assert.equal(received[0]!.meta.transport, "dicom");
    assert.deepEqual(dicomKeyTags(received[0]!.payload), {
      sopClassUid: "1.2.840.10008.5.1.4.1.1.7",
      sopInstanceUid: a.sopInstanceUid,
      transferSyntaxUid: "1.2.840.10008.1.2.1",
      studyInstanceUid: a.studyUid,
      seriesInstanceUid: a.seriesUid,
      modality: "CT",
      callingAeTitle: "MODALITY1",
      calledAeTitle: "MEFOR",
    });
    assert.equal(dicomKeyTags(received[1]!.payload).studyInstanceUid, a.studyUid);
    assert.equal(dicomKeyTags(received[1]!.payload).modality, "MR");
  });

  it("refuses an unknown called AE title and a calling AE title not allowed; nothing is received", async () => {
    const { port, received } = await scp({ callingAeTitles: ["MODALITY1"] });
    const file = fileOf(syntheticInstance().file, "c.dcm");
    const wrongCalled = await tool(bin, "storescu", [
      "-aet",
      "MODALITY1",
      "-aec",
      "OTHER",
      "127.0.0.1",
      String(port),
      file,
    ]);
    assert.notEqual(wrongCalled.code, 0);
    assert.match(wrongCalled.out, /Called AE Title Not Recognized/i);
    const wrongCalling = await tool(bin, "storescu", [
      "-aet",
      "INTRUDER",
      "-aec",
      "MEFOR",
      "127.0.0.1",
      String(port),
      file,
    ]);
    assert.notEqual(wrongCalling.code, 0);
    assert.match(wrongCalling.out, /Calling AE Title Not Recognized/i);
    assert.equal(received.length, 0);
  });

  it("accepts only the configured SOP classes", async () => {
    const { port, received } = await scp({ sopClasses: [CT_IMAGE] });
    const sc = fileOf(syntheticInstance().file, "sc.dcm");
    const refused = await tool(bin, "storescu", ["-aec", "MEFOR", "127.0.0.1", String(port), sc]);
    assert.notEqual(refused.code, 0, refused.out);
    assert.equal(received.length, 0);
    const ct = syntheticInstance({ sopClassUid: CT_IMAGE, modality: "CT" });
    const ok = await tool(bin, "storescu", [
      "-aec",
      "MEFOR",
      "127.0.0.1",
      String(port),
      fileOf(ct.file, "ct.dcm"),
    ]);
    assert.equal(ok.code, 0, ok.out);
    assert.equal(received.length, 1);
    assert.ok(datasetOf(received[0]!.payload).equals(ct.dataset));
  });

  it("refuses an instance over maxBytes (recorded through reject, never held whole) and goes on serving", async () => {
    const { port, received, rejected } = await scp({ maxBytes: 200_000 });
    const big = syntheticInstance({ pixelBytes: 1_000_000 });
    const small = syntheticInstance({ pixelBytes: 1_000 });
    const r = await tool(bin, "storescu", [
      "-v",
      "--no-halt", // go on to the next file on the same association
      "-aec",
      "MEFOR",
      "127.0.0.1",
      String(port),
      fileOf(big.file, "big.dcm"),
      fileOf(small.file, "small.dcm"),
    ]);
    assert.match(r.out, /Received Store Response \(Refused: OutOfResources\)/, r.out);
    assert.equal(received.length, 1, "the small one after it was stored");
    assert.ok(datasetOf(received[0]!.payload).equals(small.dataset));
    assert.equal(rejected.length, 1);
    assert.equal(rejected[0]!.code, "DICOM_INSTANCE_TOO_LARGE");
    assert.ok(rejected[0]!.bytesSeen > 1_000_000);
    assert.ok(rejected[0]!.head.length <= 64 * 1024, "only the head is kept");
  });

  it("the SCU stores into DCMTK's storescp: the file it writes has the same dataset bytes", async () => {
    const peer = await startStorescp(bin, { aeTitle: "ARCHIVE" });
    storescps.push(peer);
    const log = captureLog();
    const ob = createOutbound(
      "dicom",
      "OB_ARCHIVE",
      { host: "127.0.0.1", port: peer.port, calledAeTitle: "ARCHIVE", callingAeTitle: "MEFOR" },
      { log },
    );
    outbounds.push(ob);
    const sent = [
      syntheticInstance({ pixelBytes: 200_000 }),
      syntheticInstance(),
      syntheticInstance({ sopClassUid: CT_IMAGE }),
    ];
    for (const [i, inst] of sent.entries()) {
      const r = await ob.send(inst.file, { messageId: String(i + 1) });
      assert.equal(r.status, "ok", r.error);
    }
    await ob.close();
    const files = peer.files().map((f) => readFileSync(f));
    assert.equal(files.length, 3);
    for (const inst of sent) {
      const got = files.find((f) => readPart10(f).meta.sopInstanceUid === inst.sopInstanceUid);
      assert.ok(got, "instance received");
      assert.ok(datasetOf(got).equals(inst.dataset), "dataset bytes equal");
    }
  });

  it("the SCU: not a DICOM file is permanent, no SCP listening is retry", async () => {
    const ob = createOutbound("dicom", "OB_NOWHERE", {
      host: "127.0.0.1",
      port: 1,
      calledAeTitle: "NOBODY",
      connectTimeoutMs: 2_000,
    });
    outbounds.push(ob);
    const notDicom = await ob.send(Buffer.from("MSH|^~\\&|A"), { messageId: "1" });
    assert.equal(notDicom.status, "permanent");
    assert.match(notDicom.error ?? "", /not a DICOM/);
    const away = await ob.send(syntheticInstance().file, { messageId: "2" });
    assert.equal(away.status, "retry");
  });

  it("the SCU: a rejected AE title is permanent", async () => {
    const { port } = await scp();
    const ob = createOutbound("dicom", "OB_WRONG_AE", { host: "127.0.0.1", port, calledAeTitle: "NOTME" });
    outbounds.push(ob);
    const r = await ob.send(syntheticInstance().file, { messageId: "1" });
    assert.equal(r.status, "permanent");
    assert.match(r.error ?? "", /called AE title not recognized/);
  });

  it("an intake that fails answers A700 (nothing committed); our SCU reads that as retry", async () => {
    const ctx = context(async () => {
      throw new Error("store unavailable");
    }, "IB_DOWN");
    const ib = createInbound("dicom", "IB_DOWN", { host: "127.0.0.1", port: 0, aeTitle: "MEFOR" });
    inbounds.push(ib);
    await ib.start(ctx);
    const file = fileOf(syntheticInstance().file, "down.dcm");
    const r = await tool(bin, "storescu", ["-v", "-aec", "MEFOR", "127.0.0.1", String(ib.state.port), file]);
    assert.match(r.out, /Received Store Response \(Refused: OutOfResources\)/, r.out);
    const ob = createOutbound("dicom", "OB_TO_DOWN", {
      host: "127.0.0.1",
      port: ib.state.port!,
      calledAeTitle: "MEFOR",
    });
    outbounds.push(ob);
    const sent = await ob.send(syntheticInstance().file, { messageId: "1" });
    assert.equal(sent.status, "retry");
    assert.equal(sent.error, "C-STORE status 0xA700");
    assert.ok(!JSON.stringify(ctx.log.entries).includes("TEST^PATIENT"), "no dataset value logged");
  });

  it("our SCU to our SCP: the association is reused for a run of instances", async () => {
    const { port, received } = await scp();
    const ob = createOutbound("dicom", "OB_SELF", { host: "127.0.0.1", port, calledAeTitle: "MEFOR" });
    outbounds.push(ob);
    const sent = Array.from({ length: 5 }, () => syntheticInstance({ pixelBytes: 100_000 }));
    for (const [i, inst] of sent.entries())
      assert.equal((await ob.send(inst.file, { messageId: String(i) })).status, "ok");
    assert.equal(received.length, 5);
    for (const [i, r] of received.entries()) assert.ok(datasetOf(r.payload).equals(sent[i]!.dataset));
    const remotes = new Set(received.map((r) => r.meta.remote));
    assert.equal(remotes.size, 1, "one association (one client port)");
  });
});
