import assert from "node:assert/strict";
import { Worker } from "node:worker_threads";
import { openSqliteStore, plainCodec, WriteLock, WriteLockTimeout } from "../../src/store/index.js";
import { threadSource } from "../../src/thread-source.js";
import { type TempStore, tempStore } from "./helpers.js";

const WRITER = new URL("./fixtures/lock-writer.ts", import.meta.url);

function startWriter(data: Record<string, unknown>): Worker {
  return new Worker(threadSource(WRITER), { eval: true, workerData: data });
}

describe("the in-process write lock (two connections, two threads)", () => {
  let t: TempStore;
  afterEach(async () => {
    await t.cleanup();
  });

  it("lets a delivery-thread connection and the main connection write concurrently without SQLITE_BUSY", async () => {
    t = tempStore(plainCodec());
    await t.store.close();
    const lock = new WriteLock();
    // busyTimeoutMs 0: without the lock, the first overlap between the two writers fails at once.
    const main = openSqliteStore({ path: t.path, codec: plainCodec(), busyTimeoutMs: 0, writeLock: lock });
    const worker = startWriter({ path: t.path, lock: lock.buffer, count: 2000 });
    const threadResult = new Promise<{ failed: number }>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
    let mainFailed = 0;
    let threadDone = false;
    void threadResult.then(() => {
      threadDone = true;
    });
    let written = 0;
    while (!threadDone || written < 2000) {
      try {
        await main.enqueueIngress({
          inbound: "IB_MAIN",
          raw: Buffer.from(`MSH|^~\\&|M|F|||||ADT^A01|M${written}|P|2.5.1`),
        });
      } catch {
        mainFailed++;
      }
      written++;
    }
    const { failed } = await threadResult;
    assert.equal(failed, 0, "the thread's writes never met SQLITE_BUSY");
    assert.equal(mainFailed, 0, "the main thread's writes never met SQLITE_BUSY");
    const counts = main.db
      .prepare("SELECT inbound, count(*) AS n FROM messages GROUP BY inbound ORDER BY inbound")
      .all();
    assert.deepEqual(counts, [
      { inbound: "IB_MAIN", n: written },
      { inbound: "IB_THREAD", n: 2000 },
    ]);
    t.store = main;
  });

  it("times out against a held lock, and the main thread can break the lock of a thread that exited", async () => {
    t = tempStore(plainCodec());
    const lock = new WriteLock();
    const worker = startWriter({ path: t.path, lock: lock.buffer, count: 0, holdAndExit: true });
    const threadId = worker.threadId;
    await new Promise((resolve) => worker.once("exit", resolve));
    assert.throws(() => lock.acquire(50), WriteLockTimeout);
    assert.equal(lock.breakIfHeldBy(threadId + 1), false, "another thread's id does not break it");
    assert.equal(lock.breakIfHeldBy(threadId), true);
    lock.acquire(50);
    lock.release();
  });

  it("is re-entrant within a thread", () => {
    t = tempStore(plainCodec());
    const lock = new WriteLock();
    lock.acquire(10);
    lock.acquire(10);
    lock.release();
    const other = new WriteLock(lock.buffer);
    // Same thread, same word: still held after one of two releases.
    assert.equal(Atomics.load(new Int32Array(lock.buffer), 0) !== 0, true);
    lock.release();
    other.acquire(10);
    other.release();
  });
});
