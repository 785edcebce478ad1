/**
 * The group commit's batching rule: arrivals that come while no batch is being written share one
 * transaction — within the turn, or within the commit window when one is set (an idle engine's first
 * arrival waits that long for company).
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { openRuntimeStore, parseEngineSettings } from "../../src/runtime/index.js";
import { GroupCommitter } from "../../src/store/group-commit.js";
import { aesGcmCodec, makeStoreKey } from "../../src/store/index.js";
import { adt, buf } from "./helpers.js";

/** A writer that records its batches and answers each item with its batch's number. */
function recorder() {
  const batches: string[][] = [];
  const write = (items: readonly string[]) => {
    batches.push([...items]);
    return items.map(() => batches.length);
  };
  return { batches, write };
}

describe("group commit", () => {
  it("without a window, arrivals of one turn share a transaction and a later arrival gets its own", async () => {
    const r = recorder();
    const gc = new GroupCommitter(r.write, 1000, 1, 0);
    const first = [gc.submit("A"), gc.submit("B")];
    await sleep(20);
    const later = gc.submit("C");
    assert.deepEqual(await Promise.all([...first, later]), [1, 1, 2]);
    assert.deepEqual(r.batches, [["A", "B"], ["C"]]);
  });

  it("with a window, an arrival into an idle committer waits for the ones that follow within it", async () => {
    const r = recorder();
    const gc = new GroupCommitter(r.write, 1000, 1, 60);
    // Two senders at once: the batch has company, so the next arrival waits the window.
    await Promise.all([gc.submit("X"), gc.submit("Y")]);
    const a = gc.submit("A");
    await sleep(15);
    const b = gc.submit("B");
    assert.deepEqual(r.batches, [["X", "Y"]], "nothing written inside the window");
    assert.deepEqual(await Promise.all([a, b]), [2, 2]);
    // The next arrival opens a window of its own.
    const c = gc.submit("C");
    await sleep(15);
    const d = gc.submit("D");
    assert.deepEqual(await Promise.all([c, d]), [3, 3]);
    assert.deepEqual(r.batches, [
      ["X", "Y"],
      ["A", "B"],
      ["C", "D"],
    ]);
  });

  it("a lone sender (each arrival after the last one's commit) never waits: its batches have no company", async () => {
    const r = recorder();
    const gc = new GroupCommitter(r.write, 1000, 1, 10_000);
    const started = performance.now();
    for (const x of ["A", "B", "C"]) await gc.submit(x);
    assert.ok(performance.now() - started < 5_000, "no arrival waited out the window");
    assert.deepEqual(r.batches, [["A"], ["B"], ["C"]]);
  });

  it("a window ends early once sixteen arrivals wait in it", async () => {
    const r = recorder();
    const gc = new GroupCommitter(r.write, 1000, 1, 10_000);
    await Promise.all([gc.submit("X"), gc.submit("Y")]);
    const started = performance.now();
    const burst = Array.from({ length: 16 }, (_, i) => gc.submit(`B${i}`));
    assert.deepEqual(await Promise.all(burst), Array(16).fill(2));
    assert.ok(performance.now() - started < 5_000, "written without waiting out the window");
    assert.equal(r.batches[1]?.length, 16);
  });

  it("closing writes the arrivals waiting in a window before it returns", async () => {
    const r = recorder();
    const gc = new GroupCommitter(r.write, 1000, 1, 10_000);
    await Promise.all([gc.submit("X"), gc.submit("Y")]);
    const a = gc.submit("A");
    await gc.close();
    assert.deepEqual(r.batches, [["X", "Y"], ["A"]]);
    assert.equal(await a, 2);
    await assert.rejects(gc.submit("B"), /closed/);
  });

  for (const windowMs of [0, 80]) {
    it(`a SQLite store opened from engine.toml takes its window from [store] commit_window_ms (${windowMs})`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "mf-window-"));
      const settings = parseEngineSettings(
        `[store]\npath = "engine.db"\ncommit_window_ms = ${windowMs}\n`,
        join(dir, "engine.toml"),
        {},
      );
      assert.equal(settings.store?.commitWindowMs, windowMs);
      if (!settings.store) return;
      const runtime = await openRuntimeStore(settings.store, {
        codec: aesGcmCodec(makeStoreKey(randomBytes(32))),
      });
      try {
        const store = runtime.store;
        const arrive = (c: string) => store.enqueueIngress({ inbound: "IB", raw: buf(adt(c)), controlId: c });
        await Promise.all([arrive("X"), arrive("Y")]); // a batch with company
        const a = arrive("A");
        await sleep(30);
        const b = arrive("B");
        const [ra, rb] = await Promise.all([a, b]);
        // One transaction stamps its arrivals with one time: within the window A and B share it.
        const at = async (id: number) => (await store.getMessage(id))?.receivedAt ?? 0;
        const gap = (await at(rb.messageId)) - (await at(ra.messageId));
        if (windowMs === 0) assert.ok(gap >= 25, `two commits, ${gap} ms apart`);
        else assert.equal(gap, 0, "one commit");
      } finally {
        await runtime.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
