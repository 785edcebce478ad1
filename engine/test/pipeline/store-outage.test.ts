import assert from "node:assert/strict";
import { StoreOutage } from "../../src/pipeline/store-outage.js";
import type { PipelineLog } from "../../src/pipeline/types.js";
import { openSqliteStore, plainCodec, type SqliteStore } from "../../src/store/index.js";
import { tempDir, until } from "../support/fixtures.js";

/** A log that keeps the outage lines it is given. */
function recording(): { log: PipelineLog; events: string[] } {
  const events: string[] = [];
  const at = (obj: object) => {
    const event = (obj as { event?: unknown }).event;
    if (typeof event === "string") events.push(event);
  };
  return { log: { debug: () => {}, info: at, warn: at, error: at }, events };
}

describe("store outage record", () => {
  const dir = tempDir("mf-outage-");
  let store: SqliteStore;
  beforeEach(() => {
    store = openSqliteStore({ path: `${dir.dir}/outage-${Date.now()}.db`, codec: plainCodec() });
  });
  afterEach(() => store.close());
  after(() => dir.cleanup());

  const lost = Object.assign(new Error("Connection terminated unexpectedly"), { code: "57P01" });

  it("logs an outage once, however many operations fail during it, and its end once", () => {
    const { log, events } = recording();
    const outage = new StoreOutage(store);
    const t = Date.now();
    outage.failed(lost, t, log);
    outage.failed(lost, t + 1, log);
    outage.failed(lost, t + 2, log);
    assert.equal(outage.down, true);
    outage.succeeded(Date.now(), log);
    assert.equal(outage.down, false);
    assert.deepEqual(events, ["store-unavailable", "store-available"]);
  });

  it("is not ended by an operation begun before the outage opened (a server shutting down still answers some)", () => {
    const { log, events } = recording();
    const outage = new StoreOutage(store);
    const begunBefore = Date.now() - 50;
    outage.failed(lost, Date.now(), log);
    outage.succeeded(begunBefore, log);
    assert.equal(outage.down, true, "a success begun before the outage proves nothing about now");
    // The next failure belongs to the same outage: no second warning.
    outage.failed(lost, Date.now(), log);
    assert.deepEqual(events, ["store-unavailable"]);
  });

  it("is not reopened by a late failure of an operation begun before the store came back", async () => {
    const { log, events } = recording();
    const outage = new StoreOutage(store);
    const begunDuring = Date.now();
    outage.failed(lost, begunDuring, log);
    await new Promise((r) => setTimeout(r, 5));
    outage.succeeded(Date.now(), log);
    outage.failed(lost, begunDuring, log);
    assert.equal(outage.down, false);
    assert.deepEqual(events, ["store-unavailable", "store-available"]);
  });

  it("ends by its own probe once the store answers", async function () {
    this.timeout(5000);
    const { log, events } = recording();
    const outage = new StoreOutage(store); // the SQLite file answers: the first probe (≈ 1 s) ends it
    outage.failed(lost, Date.now(), log);
    await until(() => !outage.down, 50);
    assert.deepEqual(events, ["store-unavailable", "store-available"]);
  });
});
