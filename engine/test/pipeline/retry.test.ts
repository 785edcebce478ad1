import assert from "node:assert/strict";
import {
  afterFailure,
  backoffDelay,
  checkRetryPolicy,
  DEFAULT_RETRY,
  RetryPolicyError,
} from "../../src/pipeline/index.js";

describe("retry backoff", () => {
  const policy = { attempts: 6, baseMs: 1000, multiplier: 2, capMs: 10_000 };

  it("grows exponentially from the base and stops at the cap", () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((n) => backoffDelay(policy, n)),
      [1000, 2000, 4000, 8000, 10_000, 10_000],
    );
    assert.deepEqual(
      [1, 2, 3].map((n) => backoffDelay({ attempts: 9, baseMs: 100, multiplier: 1.5, capMs: 1000 }, n)),
      [100, 150, 225],
    );
  });

  it("gives up after the last allowed attempt; Infinity retries forever", () => {
    assert.deepEqual(afterFailure(policy, 1, 0), { retryAt: 1000 });
    assert.deepEqual(afterFailure(policy, 5, 0), { retryAt: 10_000 });
    assert.deepEqual(afterFailure(policy, 6, 0), { giveUp: true });
    assert.deepEqual(afterFailure({ ...policy, attempts: Number.POSITIVE_INFINITY }, 1000, 0), {
      retryAt: 10_000,
    });
  });

  it("by default never dead-letters a transient failure (a short outage must not break FIFO)", () => {
    assert.equal(checkRetryPolicy(DEFAULT_RETRY), DEFAULT_RETRY);
    for (const attempt of [10, 11, 100, 10_000]) {
      assert.deepEqual(afterFailure(DEFAULT_RETRY, attempt, 0), { retryAt: DEFAULT_RETRY.capMs });
    }
  });

  it("rejects a nonsensical policy, naming the field", () => {
    assert.throws(() => checkRetryPolicy({ ...policy, attempts: 0 }), /retry\.attempts/);
    assert.throws(() => checkRetryPolicy({ ...policy, multiplier: 0.5 }), /retry\.multiplier/);
    assert.throws(() => checkRetryPolicy({ ...policy, capMs: 10 }), RetryPolicyError);
  });
});
