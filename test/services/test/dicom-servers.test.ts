/** The DICOM test servers: the suites' own storescp and Orthanc start on free ports and leave nothing behind. */
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dcmtkBin, orthancBinary, startOrthanc, startStorescp } from "../src/index.js";

const leftovers = (prefix: string) => readdirSync(tmpdir()).filter((n) => n.startsWith(prefix));

describe("test services: DICOM servers", function () {
  this.timeout(300_000); // a fresh machine installs dcmtk / orthanc first

  it("starts DCMTK's storescp on a free port and removes its folder when stopped", async () => {
    const before = leftovers("mefor-test-storescp-");
    const scp = await startStorescp(await dcmtkBin(), { aeTitle: "SVC" });
    assert.ok(scp.port > 0);
    assert.deepEqual(scp.files(), []);
    await scp.stop();
    assert.deepEqual(leftovers("mefor-test-storescp-"), before);
  });

  it("starts the test's own Orthanc with DICOMweb, answers, and is gone after stop", async () => {
    const before = leftovers("mefor-test-orthanc-");
    const orthanc = await startOrthanc(await orthancBinary());
    const system = (await (await fetch(`${orthanc.url}/system`)).json()) as { DicomAet: string };
    assert.equal(system.DicomAet, "ORTHANC");
    assert.equal((await fetch(`${orthanc.dicomWeb}/studies`)).status, 200);
    await orthanc.stop();
    await assert.rejects(fetch(`${orthanc.url}/system`));
    assert.deepEqual(leftovers("mefor-test-orthanc-"), before);
  });
});
