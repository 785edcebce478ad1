/**
 * A delivery lane's inbox: handed rows go out in memory only while nothing older can be waiting in the
 * store. Each case is a way a newer row could overtake an older one (per-lane FIFO) if the inbox took
 * handed rows too early or kept them too long.
 */
import assert from "node:assert/strict";
import { LaneInbox } from "../../src/pipeline/lane-inbox.js";
import type { ClaimedRow } from "../../src/store/index.js";
import { claimedRow } from "../store/helpers.js";

/** An outbound row as the store hands it to its lane. */
const row = (rowId: number): ClaimedRow => claimedRow(rowId, { stage: "outbound", conn: "OB_A" });
const rows = (...ids: number[]) => ids.map(row);
const ids = (list: ClaimedRow[] | undefined) => list?.map((r) => r.rowId);
const noHead = async () => false;
const blockedHead = async () => true;

describe("lane inbox: handed rows and the store's order", () => {
  let wakes = 0;
  const inbox = (capacity = 8, pollMs = 60_000) =>
    new LaneInbox("test:delivery:OB_A", 300_000, capacity, pollMs, () => wakes++);
  beforeEach(() => {
    wakes = 0;
  });

  it("starts behind: rows an earlier run left come from the store before any handed row", async () => {
    const box = inbox();
    assert.equal(box.mustClaim(), true);
    box.target.take(rows(5, 6), 0);
    assert.equal(wakes, 1, "a handed row wakes the lane");
    assert.equal(box.size, 0, "dropped while behind: the store holds them claimed for the lane");
    assert.deepEqual(ids(await box.claim(async () => rows(3, 4, 5, 6), 8, noHead)), [3, 4, 5, 6]);
    assert.equal(box.behind, false);
    box.target.take(rows(7), 0);
    assert.deepEqual(ids(box.next(8)), [7]);
  });

  it("keeps rows handed while a claim runs, minus those the claim returned", async () => {
    const box = inbox();
    const claimed = box.claim(
      async () => {
        box.target.take(rows(4, 5), 0); // committed before the claim's read: in its result too
        box.target.take(rows(6), 0); // committed after it: only here
        return rows(3, 4, 5);
      },
      8,
      noHead,
    );
    assert.deepEqual(ids(await claimed), [3, 4, 5]);
    assert.deepEqual(ids(box.next(8)), [6]);
  });

  it("drops a row handed after a claim already returned it (its commit was visible before its handoff came)", async () => {
    const box = inbox();
    assert.deepEqual(ids(await box.claim(async () => rows(3, 4, 5), 8, noHead)), [3, 4, 5]);
    assert.equal(box.behind, false);
    box.target.take(rows(5, 6), 0); // 5's handoff arrives late: the claim delivered it already
    assert.deepEqual(ids(box.next(8)), [6]);
  });

  it("stays behind after a claim that filled its limit (more may wait in the store)", async () => {
    const box = inbox();
    await box.claim(
      async () => {
        box.target.take(rows(9), 0);
        return rows(1, 2);
      },
      2,
      noHead,
    );
    assert.equal(box.behind, true);
    assert.equal(box.size, 0);
    assert.equal(box.next(8), undefined);
  });

  it("stays behind after an empty claim stopped by a blocked head (a retry backing off)", async () => {
    const box = inbox();
    assert.deepEqual(
      ids(
        await box.claim(
          async () => [],
          8,
          async () => {
            box.target.take(rows(12), 0); // handed while the head is looked up
            return blockedHead();
          },
        ),
      ),
      [],
    );
    assert.equal(box.behind, true, "row 12 must wait behind the backing-off head");
    assert.equal(box.next(8), undefined);
    assert.equal(box.mustClaim(), true);
  });

  it("an empty claim with no head at all catches up and keeps what was handed meanwhile", async () => {
    const box = inbox();
    await box.claim(
      async () => {
        box.target.take(rows(20), 0);
        return [];
      },
      8,
      noHead,
    );
    assert.equal(box.behind, false);
    assert.deepEqual(ids(box.next(8)), [20]);
  });

  it("falls behind when rows are given back, and over capacity", async () => {
    const box = inbox(3);
    await box.claim(async () => [], 8, noHead);
    box.target.take(rows(1, 2), 0);
    box.markBehind();
    assert.equal(box.size, 0);
    assert.equal(box.mustClaim(), true);
    await box.claim(async () => rows(1, 2), 8, noHead);
    box.target.take(rows(3, 4, 5, 6), 0);
    assert.equal(box.behind, true, "over capacity: the store keeps them, the lane claims them in order");
    assert.equal(box.size, 0);
  });

  it("does not catch up on a claim during which the queue overflowed", async () => {
    const box = inbox(2);
    await box.claim(
      async () => {
        box.target.take(rows(7, 8, 9), 0);
        return rows(5);
      },
      8,
      noHead,
    );
    assert.equal(box.behind, true);
  });

  it("claims when the store may hold rows it did not hand over (a replay), and on the poll", async () => {
    const box = inbox(8, 30);
    await box.claim(async () => [], 8, noHead);
    box.target.take(rows(1), 0);
    box.storeMayHaveRows();
    assert.equal(box.next(8), undefined, "the store first: a replayed row may be older than row 1");
    assert.deepEqual(ids(await box.claim(async () => rows(1), 8, noHead)), [1]);
    assert.equal(box.size, 0, "row 1 came with the claim");
    box.target.take(rows(2), 0);
    assert.deepEqual(ids(box.next(8)), [2]);
    await new Promise((resolve) => setTimeout(resolve, 40));
    box.target.take(rows(3), 0);
    assert.equal(box.next(8), undefined, "the poll is due");
  });

  it("a failed claim leaves the lane behind", async () => {
    const box = inbox();
    await assert.rejects(
      box.claim(
        async () => {
          throw new Error("database is locked");
        },
        8,
        noHead,
      ),
      /locked/,
    );
    assert.equal(box.behind, true);
    assert.equal(box.mustClaim(), true);
  });
});
