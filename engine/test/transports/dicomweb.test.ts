/**
 * The dicomweb (STOW-RS) outbound against the test's own Orthanc with its DICOMweb plugin: instances
 * are stored and read back through Orthanc's REST API byte for byte; a payload that is not DICOM is
 * permanent; Orthanc away is retry.
 */
import assert from "node:assert/strict";
import { type Orthanc, orthancBinary, startOrthanc } from "@messagefoundry/test-services";
import { readPart10 } from "../../src/transports/dicom-dataset.js";
import { createOutbound, type OutboundConnector } from "../../src/transports/index.js";
import { syntheticInstance } from "./dicom-fixtures.js";
import { freePort } from "./helpers.js";

const datasetOf = (file: Buffer) => file.subarray(readPart10(file).datasetOffset);

describe("transports/dicomweb (STOW-RS) against Orthanc", function () {
  this.timeout(60_000);
  let orthanc: Orthanc;
  const open: OutboundConnector[] = [];

  before(async function () {
    this.timeout(300_000); // a first run may install orthanc
    orthanc = await startOrthanc(await orthancBinary());
  });
  afterEach(async () => {
    for (const o of open.splice(0)) await o.close();
  });
  after(async () => {
    await orthanc?.stop();
  });

  function stow(url: string): OutboundConnector {
    const ob = createOutbound("dicomweb", "OB_STOW", { url, timeoutMs: 10_000 });
    open.push(ob);
    return ob;
  }

  /** Orthanc's id of the instance with this SOP Instance UID, found through its REST API. */
  async function findInstance(sopInstanceUid: string): Promise<string | undefined> {
    const res = await fetch(`${orthanc.url}/tools/find`, {
      method: "POST",
      body: JSON.stringify({ Level: "Instance", Query: { SOPInstanceUID: sopInstanceUid } }),
    });
    const ids = (await res.json()) as string[];
    return ids[0];
  }

  it("stores each instance; Orthanc gives back the same dataset bytes and tags", async () => {
    const ob = stow(orthanc.dicomWeb);
    const a = syntheticInstance({ modality: "CT", patientName: "STOW^ONE", pixelBytes: 500_000 });
    const b = syntheticInstance({ modality: "CT", studyUid: a.studyUid });
    for (const [i, inst] of [a, b].entries()) {
      const r = await ob.send(inst.file, { messageId: String(i + 1) });
      assert.equal(r.status, "ok", r.error);
      assert.match(
        r.reply?.toString() ?? "",
        new RegExp(inst.sopInstanceUid),
        "the response lists the instance",
      );
    }
    for (const inst of [a, b]) {
      const id = await findInstance(inst.sopInstanceUid);
      assert.ok(id, "Orthanc has the instance");
      const file = Buffer.from(await (await fetch(`${orthanc.url}/instances/${id}/file`)).arrayBuffer());
      assert.ok(datasetOf(file).equals(inst.dataset), "dataset bytes equal");
      const tags = (await (await fetch(`${orthanc.url}/instances/${id}/simplified-tags`)).json()) as Record<
        string,
        string
      >;
      assert.equal(tags.StudyInstanceUID, a.studyUid);
      assert.equal(tags.Modality, "CT");
    }
    assert.equal(((await (await fetch(`${orthanc.url}/studies`)).json()) as string[]).length, 1, "one study");
  });

  it("a payload that is not a DICOM file is permanent and never sent", async () => {
    const r = await stow(orthanc.dicomWeb).send(Buffer.from('{"not":"dicom"}'), { messageId: "x" });
    assert.equal(r.status, "permanent");
    assert.match(r.error ?? "", /not a DICOM file/);
  });

  it("no server is retry; a wrong path (404) is permanent", async () => {
    const inst = syntheticInstance();
    const away = await stow(`http://127.0.0.1:${await freePort()}/dicom-web`).send(inst.file, {
      messageId: "1",
    });
    assert.equal(away.status, "retry");
    const wrong = await stow(`${orthanc.url}/no-such-root`).send(inst.file, { messageId: "2" });
    assert.equal(wrong.status, "permanent");
    assert.match(wrong.error ?? "", /HTTP 404/);
  });
});
