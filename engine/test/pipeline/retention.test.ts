import assert from "node:assert/strict";
import { purgeExpired, startRetention } from "../../src/pipeline/index.js";
import type { StoreHarness } from "../store/contract.js";
import { DIALECTS } from "../store/harnesses.js";
import { buf } from "../store/helpers.js";

for (const [kind, open] of DIALECTS) {
  describe(`retention purge on ${kind}`, () => {
    let t: StoreHarness;
    beforeEach(async () => {
      t = await open();
      const old = Date.now() - 10 * 86_400_000;
      await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          t.store.recordRejected({ inbound: "IB_RET", raw: buf(`OLD${i}`), error: "e", receivedAt: old }),
        ),
      );
    });
    afterEach(async () => {
      await t.cleanup();
    });
    const left = async () => (await t.store.listMessages({ inbound: "IB_RET" })).length;

    it("purges everything past retention, batch by batch", async () => {
      assert.equal(await purgeExpired(t.store, { retentionMs: 86_400_000, batchSize: 2 }), 6);
      assert.equal(await left(), 0);
    });

    it("stops between batches when the job is stopped (shutdown does not wait for the whole purge)", async () => {
      const job = startRetention(t.store, { retentionMs: 86_400_000, batchSize: 1 });
      await job.stop();
      // The first batch ran synchronously with the start; nothing after the stop.
      assert.equal(await left(), 5);
    });

    it("a purge asked with an aborted signal does nothing", async () => {
      const ctrl = new AbortController();
      ctrl.abort();
      assert.equal(await purgeExpired(t.store, { retentionMs: 86_400_000, signal: ctrl.signal }), 0);
      assert.equal(await left(), 6);
    });
  });
}
