/**
 * Intake while PostgreSQL is away (cut by a fault proxy): a payload is held, not answered, and committed
 * once the database returns within `storeWaitMs`; past it, intake gives up with StoreUnavailableError
 * (the connector closes without an ACK) and nothing is recorded. A bad message is still a recorded
 * rejection with its NAK, never confused with the store being away.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { type FaultProxy, faultProxy } from "@messagefoundry/test-services";
import { createIntake, StoreUnavailableError } from "../../src/pipeline/index.js";

import { aesGcmCodec, makeStoreKey, openPgStore, type PgStore } from "../../src/store/index.js";
import { type TestSchema, testSchema, urlParts, viaHost } from "../support/pg-schema.js";
import { hl7 } from "../support/pilot-traffic.js";

describe("intake while PostgreSQL is away", () => {
  let schema: TestSchema;
  let proxy: FaultProxy;
  let store: PgStore;

  beforeEach(async () => {
    schema = await testSchema();
    const { host, port } = urlParts(schema.url);
    proxy = await faultProxy({ host, port });
    store = await openPgStore({
      connectionString: viaHost(schema.url, proxy.host, proxy.port),
      schema: schema.name,
      codec: aesGcmCodec(makeStoreKey(randomBytes(32))),
      onPoolError: () => undefined,
    });
  });
  afterEach(async () => {
    await store.close().catch(() => undefined);
    await proxy.close();
    await schema.drop();
  });

  it("holds the payload unanswered and commits it when the database returns in time", async () => {
    const intake = createIntake(store, { storeWaitMs: 20_000 });
    proxy.cut();
    let settled = false;
    const pending = intake.receive("IB_HOLD", hl7("HELD1", "TEST")).finally(() => {
      settled = true;
    });
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(settled, false, "no answer while the store is away");
    proxy.restore();
    const r = await pending;
    assert.equal(r.accepted, true);
    assert.match(r.reply?.toString("latin1") ?? "", /MSA\|AA\|HELD1/);
    assert.equal((await store.listMessages({ inbound: "IB_HOLD" })).length, 1);
  });

  it("gives up after storeWaitMs with StoreUnavailableError, recording nothing", async () => {
    const intake = createIntake(store, { storeWaitMs: 5_000 });
    proxy.cut();
    const gaveUp = await intake.receive("IB_GONE", hl7("GONE1", "TEST"), { storeWaitMs: 300 }).then(
      () => undefined,
      (e: unknown) => e,
    ); // 300 ms: the listener's own wait
    assert.ok(gaveUp instanceof StoreUnavailableError, String(gaveUp));
    assert.equal(gaveUp.waitMs, 300);
    proxy.restore();
    assert.deepEqual(await store.listMessages({ inbound: "IB_GONE" }), []);
  });

  it("still records and NAKs a bad message (a rejection, not an outage)", async () => {
    const r = await createIntake(store).receive("IB_BAD", Buffer.from("not HL7", "latin1"));
    assert.equal(r.accepted, false);
    assert.equal(r.disposition, "ERROR");
    assert.equal((await store.listMessages({ inbound: "IB_BAD" })).length, 1);
  });
});
