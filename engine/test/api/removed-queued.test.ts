/**
 * A promote or rollback that removes a connection with queued rows: the stage result lists them, a
 * promote without a choice is refused (REMOVED_QUEUED, naming them) and swaps nothing; `drain` waits
 * for delivery (and fails cleanly, nothing swapped, when the time runs out); `dead-letter` turns them into
 * dead letters; `keep` leaves them queued and GET /connections lists the connection as removed.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "mocha";
import { mllpSink } from "../runtime/helpers.js";
import { until } from "../support/fixtures.js";
import { freePort, type Harness, receive, startApi } from "./helpers.js";

const route = (inPort: number, keepPort: number, gonePort: number | undefined) => ({
  "lab.ts": `import { handler, inbound, mllp, outbound, router, send } from "messagefoundry";
inbound("IB_RQ_LAB", mllp({ host: "127.0.0.1", port: ${inPort} }), { router: "rq_router" });
outbound("OB_RQ_KEEP", mllp({ host: "127.0.0.1", port: ${keepPort} }));
${gonePort === undefined ? "" : `outbound("OB_RQ_GONE", mllp({ host: "127.0.0.1", port: ${gonePort} }));`}
router("rq_router", () => ["rq_handler"]);
handler("rq_handler", (msg) => ${gonePort === undefined ? `send("OB_RQ_KEEP", msg)` : `[send("OB_RQ_KEEP", msg), send("OB_RQ_GONE", msg)]`});
`,
});

describe("api: promote/rollback removing a connection with queued rows", () => {
  let h: Harness;
  let keep: Awaited<ReturnType<typeof mllpSink>>;
  let gone: Awaited<ReturnType<typeof mllpSink>>;
  let deployer: string;
  let operator: string;
  let inPort: number;
  let seq = 0;

  before(async () => {
    keep = await mllpSink();
    gone = await mllpSink();
    inPort = await freePort();
    h = await startApi({ boot: route(inPort, keep.port, gone.port), quiet: ["OB_RQ_GONE"] });
    deployer = await h.login("deployer");
    operator = await h.login("operator");
  });
  after(async () => {
    await h?.close();
    await keep?.close();
    await gone?.close();
  });

  async function connections(): Promise<Map<string, { state: string; queueDepth: number }>> {
    const r = await h.call("GET", "/connections", { token: operator });
    return new Map(
      (r.body.items as { name: string; state: string; queueDepth: number }[]).map((i) => [i.name, i]),
    );
  }

  /** Queues `n` rows on the stopped OB_RQ_GONE (the running workers route and transform them). */
  async function queueOnGone(n: number): Promise<void> {
    const before = (await connections()).get("OB_RQ_GONE")?.queueDepth ?? 0;
    for (let i = 0; i < n; i++) await receive(h, `RQ${String(++seq).padStart(4, "0")}`, "TEST", "IB_RQ_LAB");
    await until(async () => (await connections()).get("OB_RQ_GONE")?.queueDepth === before + n, 50);
  }

  async function stage(withGone: boolean) {
    const r = await h.call("POST", "/config/stage", {
      token: deployer,
      body: { files: route(inPort, keep.port, withGone ? gone.port : undefined) },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body as { stageId: string; removedQueued: { connection: string; queued: number }[] };
  }

  const promote = (stageId: string, extra: Record<string, unknown> = {}) =>
    h.call("POST", "/config/promote", { token: deployer, body: { stageId, ...extra } });

  it("lists them at stage, refuses a promote without a choice, and times out a drain cleanly", async () => {
    await queueOnGone(2);
    const staged = await stage(false);
    assert.deepEqual(staged.removedQueued, [{ connection: "OB_RQ_GONE", queued: 2 }]);
    const active = (await h.call("GET", "/config/active", { token: deployer })).body.active.versionId;

    const refused = await promote(staged.stageId);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, "REMOVED_QUEUED");
    assert.match(refused.body.error.message, /OB_RQ_GONE \(2 queued\)/);
    assert.deepEqual(refused.body.error.details.removedQueued, [{ connection: "OB_RQ_GONE", queued: 2 }]);

    // The lane is stopped, so nothing drains: the promote fails after the timeout and swaps nothing.
    const timedOut = await promote(staged.stageId, {
      removedQueued: { OB_RQ_GONE: "drain" },
      drainTimeoutSeconds: 1,
    });
    assert.equal(timedOut.status, 409);
    assert.equal(timedOut.body.error.code, "DRAIN_TIMEOUT");
    assert.equal((await h.call("GET", "/config/active", { token: deployer })).body.active.versionId, active);
    assert.ok(h.engine.runner.has("OB_RQ_GONE"), "still running the old config");
  });

  it("drain: the swap waits until the rows are delivered", async () => {
    const staged = await stage(false);
    const pending = promote(staged.stageId, {
      removedQueued: { OB_RQ_GONE: "drain" },
      drainTimeoutSeconds: 30,
    });
    // The promote is waiting; starting the lane delivers the rows, then the swap happens.
    const started = await h.call("POST", "/connections/OB_RQ_GONE/start", { token: operator });
    assert.equal(started.status, 200);
    const done = await pending;
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(gone.received.length, 2, "both rows were delivered before the swap");
    assert.equal(h.engine.runner.has("OB_RQ_GONE"), false);
  });

  it("keep: the rows stay queued and the connection is listed as removed; dead-letter: they become dead letters", async () => {
    // Back to a config with OB_RQ_GONE (it removes nothing), stop it, queue rows.
    const back = await promote((await stage(true)).stageId);
    assert.equal(back.status, 200, JSON.stringify(back.body));
    await h.call("POST", "/connections/OB_RQ_GONE/stop", { token: operator });
    await queueOnGone(2);

    const kept = await promote((await stage(false)).stageId, { removedQueued: { OB_RQ_GONE: "keep" } });
    assert.equal(kept.status, 200, JSON.stringify(kept.body));
    const listed = (await connections()).get("OB_RQ_GONE");
    assert.equal(listed?.state, "removed");
    assert.equal(listed?.queueDepth, 2);

    // A rollback asks the same way: roll back to the version with OB_RQ_GONE, queue rows, roll forward.
    const history = (await h.call("GET", "/config/history", { token: deployer })).body.items as {
      versionId: string;
    }[];
    const withGone = history[1]?.versionId;
    assert.ok(withGone);
    await h.call("POST", "/config/rollback", { token: deployer, body: { versionId: withGone } });
    // The kept rows are delivered once a config serves the name again.
    await until(() => gone.received.length === 4, 50);
    await h.call("POST", "/connections/OB_RQ_GONE/stop", { token: operator });
    await queueOnGone(2);
    const withoutGone = history[0]?.versionId;
    assert.ok(withoutGone);
    const refused = await h.call("POST", "/config/rollback", {
      token: deployer,
      body: { versionId: withoutGone },
    });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, "REMOVED_QUEUED");
    const dead = await h.call("POST", "/config/rollback", {
      token: deployer,
      body: { versionId: withoutGone, removedQueued: { OB_RQ_GONE: "dead-letter" } },
    });
    assert.equal(dead.status, 200, JSON.stringify(dead.body));
    assert.equal((await connections()).has("OB_RQ_GONE"), false, "no rows left queued for it");
    const letters = await h.call("GET", "/dead-letters?connection=OB_RQ_GONE", { token: operator });
    assert.equal(letters.body.items.length, 2);
  });
});

describe("api: dead-lettering a removed inbound's queued rows", () => {
  let h: Harness;
  before(async () => {
    // The default harness stops IB_TEST_ADT's workers: received messages wait in ingress.
    h = await startApi();
  });
  after(async () => h?.close());

  it("turns waiting ingress rows into dead letters and leaves nothing queued", async () => {
    const deployer = await h.login("deployer");
    const operator = await h.login("operator");
    await receive(h, "RQIN0001");
    await receive(h, "RQIN0002");
    const staged = await h.call("POST", "/config/stage", {
      token: deployer,
      body: {
        files: {
          "other.ts": `import { inbound, mllp, router } from "messagefoundry";
inbound("IB_RQ_OTHER", mllp({ host: "127.0.0.1", port: ${await freePort()} }), { router: "other_router" });
router("other_router", () => []);
`,
        },
      },
    });
    assert.deepEqual(staged.body.removedQueued, [{ connection: "IB_TEST_ADT", queued: 2 }]);
    const done = await h.call("POST", "/config/promote", {
      token: deployer,
      body: { stageId: staged.body.stageId, removedQueued: { IB_TEST_ADT: "dead-letter" } },
    });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    const letters = await h.call("GET", "/dead-letters?connection=IB_TEST_ADT", { token: operator });
    assert.deepEqual(
      (letters.body.items as { stage: string }[]).map((r) => r.stage),
      ["ingress", "ingress"],
    );
    const conns = await h.call("GET", "/connections", { token: operator });
    assert.equal(
      (conns.body.items as { name: string }[]).some((c) => c.name === "IB_TEST_ADT"),
      false,
    );
  });
});
