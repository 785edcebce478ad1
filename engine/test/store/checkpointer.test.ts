import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { Checkpointer, openSqliteStore, plainCodec, WriteLock } from "../../src/store/index.js";
import { eventually, type TempStore, tempStore } from "./helpers.js";

const quiet = { debug() {}, warn() {} };

describe("the WAL checkpoint thread", () => {
  let t: TempStore;
  let checkpointer: Checkpointer | undefined;
  afterEach(async () => {
    await checkpointer?.stop();
    await t.cleanup();
  });

  it("copies the WAL of connections with auto-checkpoint off back into the database, and starts it over", async () => {
    t = tempStore(plainCodec());
    await t.store.close();
    t.store = openSqliteStore({ path: t.path, codec: plainCodec(), autoCheckpoint: false });
    const body = Buffer.from(
      `MSH|^~\\&|CK|F|||||ADT^A01|C|P|2.5.1\r${"OBX|1|TX|||SYNTHETIC TEXT\r".repeat(40)}`,
    );
    await Promise.all(
      Array.from({ length: 3000 }, () => t.store.enqueueIngress({ inbound: "IB_CK", raw: body })),
    );
    const walBefore = statSync(`${t.path}-wal`).size;
    const dbBefore = statSync(t.path).size;
    // Auto-checkpoint off: more than SQLite's 1000-page default sits in the WAL, not in the file.
    assert.ok(walBefore > 1000 * 4096, `WAL holds the writes (${walBefore} bytes)`);

    const lock = new WriteLock();
    checkpointer = await Checkpointer.start({
      dbPath: t.path,
      intervalMs: 20,
      restartFrames: 1,
      writeLock: lock,
      log: quiet,
    });
    await eventually(
      () => statSync(t.path).size > dbBefore + 3000 * body.length,
      "rows copied into the file",
    );
    await eventually(() => (checkpointer?.checkpoints ?? 0) > 0, "the thread reported its checkpoints");
    // After a RESTART, the next commit writes from the start of the WAL: the file stops growing.
    await t.store.enqueueIngress({ inbound: "IB_CK", raw: body });
    const frames = (t.store.db.pragma("wal_checkpoint(PASSIVE)") as { log: number }[])[0]?.log ?? -1;
    assert.ok(frames >= 0 && frames < 20, `the WAL started over (${frames} frames)`);
    assert.equal(statSync(`${t.path}-wal`).size, walBefore, "the WAL file was reused, not grown");
    const n = t.store.db.prepare("SELECT count(*) FROM messages").pluck().get();
    assert.equal(n, 3001);
  });
});
