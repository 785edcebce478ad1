/**
 * The handoff inbox's order rule: while it is behind, new rows go to the store pending and the worker
 * claims them oldest first; only a claim that proves nothing older is pending lets handoffs resume.
 * A row written pending while a claim was in flight may be newer than that claim's snapshot — if the
 * inbox caught up on such a claim, the next arrival (handed over in memory) would overtake it: the
 * message in flight at a cluster handover, delivered after later ones (issue 15).
 */
import assert from "node:assert/strict";
import { HandoffInbox } from "../../src/pipeline/handoff-inbox.js";
import type { ClaimedRow } from "../../src/store/index.js";
import { claimedRow } from "../store/helpers.js";

/** A routed row as the store hands it over (claimed for the worker). */
const row = (rowId: number): ClaimedRow => claimedRow(rowId, { stage: "routed", conn: "IB" });

describe("handoff inbox: catching up", () => {
  const inbox = () => new HandoffInbox("test:router:IB", 60_000, 8, () => {});

  it("starts behind (rows an earlier run left pending come first) and catches up on a claim that found them all", () => {
    const box = inbox();
    assert.equal(box.target.room(), 0, "a new inbox takes no handoff");
    const since = box.claimStarts();
    box.caughtUp(since);
    assert.equal(box.behind, false);
    assert.equal(box.target.room(), 8);
  });

  it("does not catch up on a claim during which a row was written pending (it may be past the claim's snapshot)", () => {
    const box = inbox();
    const since = box.claimStarts();
    box.target.overflow(); // told after the commit of a row written pending while the claim ran
    box.caughtUp(since);
    assert.equal(box.behind, true, "the next arrival goes to the store too, behind the pending row");
    assert.equal(box.target.room(), 0);
    // The next claim (which sees that row) with nothing written meanwhile catches up.
    box.caughtUp(box.claimStarts());
    assert.equal(box.behind, false);
  });

  it("falls behind again when a row is written pending after a claim caught up", () => {
    const box = inbox();
    box.caughtUp(box.claimStarts());
    box.target.overflow();
    assert.equal(box.behind, true);
  });

  it("does not queue rows handed over after it fell behind (a networked store asked for room before): they go back to the store", () => {
    const box = inbox();
    box.caughtUp(box.claimStarts());
    assert.equal(box.target.room(), 8, "room given: the store writes the rows claimed for this worker");
    // Before that transaction commits, the worker's own handoff fails and its rows go back: behind.
    box.markBehind();
    box.target.take([row(68)], Date.now());
    assert.equal(box.next(8), undefined, "not run from memory: it would overtake the rows given back");
    assert.deepEqual(box.stale(), [68], "given back, so the next claim finds it pending in id order");
    assert.deepEqual(box.stale(), [], "once");
  });

  it("does not catch up on a claim during which such rows came in", () => {
    const box = inbox();
    const since = box.claimStarts();
    box.target.take([row(69)], Date.now());
    box.caughtUp(since);
    assert.equal(box.behind, true, "the row given back may be past the claim's snapshot");
    assert.deepEqual(box.stale(), [69]);
  });
});
