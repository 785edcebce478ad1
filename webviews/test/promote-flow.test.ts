import assert from "node:assert/strict";
import { describe, it } from "mocha";
import {
  canCancel,
  canConfirm,
  initialPromoteState,
  type PromoteEvent,
  PromoteFlowError,
  transition,
} from "../src/model/promote-flow.js";
import type { PromoteState, PromoteSummary } from "../src/protocol/promote.js";

const target = { env: "staging", url: "https://127.0.0.1:8765" };
const summary: PromoteSummary = {
  activeVersion: "v1",
  stagedVersion: "v2",
  added: [{ kind: "outbound", name: "OB_ACME_ADT" }],
  removed: [],
  changed: [{ kind: "inbound", name: "IB_ACME_ADT", changes: ["settings.port: 2600 → 2601"] }],
};
const warning = {
  code: "MF-UNUSED-OUTBOUND",
  severity: "warning" as const,
  message: "OB_X is never sent to",
};
const error = {
  code: "MF-UNKNOWN-ROUTER",
  severity: "error" as const,
  message: "no router named x",
  file: "a.ts",
  line: 3,
};

function run(events: PromoteEvent[], from: PromoteState = initialPromoteState()): PromoteState {
  return events.reduce(transition, from);
}

const happy: PromoteEvent[] = [
  { type: "validated", problems: [warning] },
  { type: "targetPicked", target },
  { type: "staged", summary, problems: [] },
  { type: "confirm", stagedVersion: "v2" },
  { type: "promoting" },
  { type: "promoted", activeVersion: "v2" },
];

describe("promote-flow", () => {
  it("walks validate → pickTarget → stage → review → confirm → promote → done", () => {
    const steps: string[] = [];
    let state = initialPromoteState();
    steps.push(state.step);
    for (const e of happy) {
      state = transition(state, e);
      steps.push(state.step);
    }
    assert.deepEqual(steps, ["validate", "pickTarget", "stage", "review", "confirm", "promote", "done"]);
    assert.equal(state.promotedVersion, "v2");
    assert.deepEqual(state.target, target);
    assert.deepEqual(state.problems, [warning]);
  });

  it("stops at validate when local validation has errors", () => {
    const state = run([{ type: "validated", problems: [error] }]);
    assert.equal(state.step, "failed");
    assert.equal(state.failedAt, "validate");
    assert.deepEqual(state.problems, [error]);
  });

  it("shows the engine's error problems at review but refuses Confirm", () => {
    const review = run([happy[0]!, happy[1]!, { type: "staged", summary, problems: [error] }]);
    assert.equal(review.step, "review");
    assert.equal(canConfirm(review), false);
    assert.throws(() => transition(review, { type: "confirm", stagedVersion: "v2" }), PromoteFlowError);
  });

  it("refuses a confirmation for another staged version", () => {
    const review = run(happy.slice(0, 3));
    assert.equal(canConfirm(review), true);
    assert.throws(
      () => transition(review, { type: "confirm", stagedVersion: "v9" }),
      /confirmation is for version "v9", staged is "v2"/,
    );
  });

  it("cancels from any step before promote, not during or after it", () => {
    for (let n = 0; n <= 4; n++) {
      const state = run(happy.slice(0, n));
      assert.equal(canCancel(state), true, state.step);
      assert.equal(transition(state, { type: "cancel" }).step, "cancelled");
    }
    const promoting = run(happy.slice(0, 5));
    assert.equal(promoting.step, "promote");
    assert.throws(() => transition(promoting, { type: "cancel" }), /promotion is under way/);
    assert.throws(() => transition(run(happy), { type: "cancel" }), /already ended/);
  });

  it("records where a failure happened and restarts from validate", () => {
    const failed = transition(run(happy.slice(0, 2)), { type: "failed", error: "engine unreachable" });
    assert.equal(failed.step, "failed");
    assert.equal(failed.failedAt, "stage");
    assert.equal(failed.error, "engine unreachable");
    assert.deepEqual(transition(failed, { type: "restart" }), initialPromoteState());
  });

  it("refuses out-of-order events with a message naming step and event", () => {
    assert.throws(
      () => transition(initialPromoteState(), { type: "promoted", activeVersion: "v2" }),
      /cannot apply "promoted" while at step "validate": expected step "promote"/,
    );
    assert.throws(() => transition(initialPromoteState(), { type: "restart" }), PromoteFlowError);
  });

  it("never mutates the state it is given", () => {
    const review = run(happy.slice(0, 3));
    const copy = structuredClone(review);
    transition(review, { type: "confirm", stagedVersion: "v2" });
    transition(review, { type: "cancel" });
    assert.deepEqual(review, copy);
  });
});
