/**
 * DICOM through a real engine (SQLite store on a temp file, bodies encrypted): DCMTK's storescu sends
 * to the dicom inbound, the router reads the key tags (`msg.dicom.modality`), the handler sends CT
 * instances on through the dicom outbound to DCMTK's storescp; the files it writes carry the same
 * dataset bytes. The patient name's marker never reaches a log line (any level) or the database file.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { dcmtkBin, type Storescp, startStorescp } from "@messagefoundry/test-services";
import type { PipelineLog } from "../../src/pipeline/index.js";
import type { Engine } from "../../src/runtime/index.js";
import { aesGcmCodec, makeStoreKey } from "../../src/store/index.js";
import { readPart10 } from "../../src/transports/dicom-dataset.js";
import { syntheticInstance } from "../transports/dicom-fixtures.js";
import { freePort, openEngine, tempDir, until, writeFiles } from "./helpers.js";

const run = promisify(execFile);
const MARKER = "ZZDICOMPHIMARKER";

const ROUTES = `
import { dicom, env, handler, inbound, outbound, router, send } from "messagefoundry";

inbound("IB_MODALITY", dicom({ host: "127.0.0.1", port: env("in_port", "int"), aeTitle: "MEFOR" }), {
  router: "by_modality",
});
outbound("OB_ARCHIVE", dicom({ host: "127.0.0.1", port: env("archive_port", "int"), calledAeTitle: "ARCHIVE" }), {
  retry: { baseMs: 20, multiplier: 2, capMs: 100 },
});

router("by_modality", (msg) => (msg.dicom.modality === "CT" ? ["to_archive"] : []));
handler("to_archive", (msg) => send("OB_ARCHIVE", msg));
`;

describe("runtime: DICOM storescu → dicom inbound → router → dicom outbound → storescp", function () {
  this.timeout(120_000);
  const t = tempDir("mf-dicom-rt-");
  let engine: Engine | undefined;
  let archive: Storescp;
  const lines: { level: string; obj: Record<string, unknown>; msg?: string }[] = [];

  before(async function () {
    this.timeout(300_000);
    const bin = await dcmtkBin();
    archive = await startStorescp(bin, { aeTitle: "ARCHIVE" });
  });
  after(async () => {
    await engine?.stop();
    await archive?.stop();
    t.cleanup();
  });

  it("routes on the key tags and delivers the dataset byte for byte; no patient name in logs or the database", async () => {
    const inPort = await freePort();
    const config = join(t.dir, "config");
    writeFiles(config, {
      "routes.ts": ROUTES,
      "environments/test.toml": `in_port = ${inPort}\narchive_port = ${archive.port}\n`,
    });
    const at =
      (level: string) =>
      (obj: Record<string, unknown>, msg?: string): void => {
        lines.push({ level, obj, msg });
      };
    const log: PipelineLog = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
    const db = join(t.dir, "engine.db");
    engine = await openEngine(config, db, { log, codec: aesGcmCodec(makeStoreKey(Buffer.alloc(32, 7))) });

    const ct = [1, 2, 3].map(() => syntheticInstance({ modality: "CT", patientName: `${MARKER}^CT` }));
    const mr = syntheticInstance({ modality: "MR", patientName: `${MARKER}^MR` });
    const files = [...ct, mr].map((inst, i) => {
      const path = join(t.dir, `${i}.dcm`);
      writeFileSync(path, inst.file);
      return path;
    });
    await run(join(await dcmtkBin(), "storescu"), ["-aec", "MEFOR", "127.0.0.1", String(inPort), ...files]);

    // storescu returned: each instance was committed before its C-STORE-RSP.
    const stored = await engine.store.listMessages({ limit: 100 });
    assert.equal(stored.length, 4);
    await until(() => archive.files().length === 3);
    const got = archive.files().map((f) => readFileSync(f));
    for (const inst of ct) {
      const file = got.find((f) => readPart10(f).meta.sopInstanceUid === inst.sopInstanceUid);
      assert.ok(file, "CT instance archived");
      assert.ok(file.subarray(readPart10(file).datasetOffset).equals(inst.dataset), "dataset bytes equal");
    }
    await until(async () =>
      (await engine!.store.listMessages({ limit: 100 })).every(
        (m) => m.disposition === "PROCESSED" || m.disposition === "UNROUTED",
      ),
    );
    const dispositions = (await engine.store.listMessages({ limit: 100 })).map((m) => m.disposition).sort();
    assert.deepEqual(dispositions, ["PROCESSED", "PROCESSED", "PROCESSED", "UNROUTED"]);

    await engine.stop();
    engine = undefined;
    const leaks = lines.filter((l) => JSON.stringify(l).includes(MARKER));
    assert.deepEqual(leaks, [], "no log line at any level carries the patient name");
    for (const f of [db, `${db}-wal`])
      if (existsSync(f)) assert.equal(readFileSync(f).indexOf(MARKER), -1, `${f} holds no patient name`);
  });
});
