/**
 * The Alerts view against the real engine: an outbound nobody listens for goes down, the engine's
 * alert fires, and what the extension fetches (GET /alerts over real HTTP) renders as a firing item
 * with a badge of 1; when the destination comes up the alert resolves, the badge goes and the recent
 * notices say so.
 */
import assert from "node:assert/strict";
import { mllpSink } from "../../engine/test/runtime/helpers.js";
import { EngineClient } from "../src/engine/index.js";
import { alertsView } from "../src/ops/alertView.js";
import { OPERATOR, type RealEngine, startRealEngine } from "./support/realEngine.js";

const ALERTS = `import { alert } from "messagefoundry";
alert("AL_TEST_SINK_DOWN", { when: { connection: "OB_TEST_SINK", down: "1ms" } });
`;

async function until(cond: () => Promise<boolean>): Promise<void> {
  while (!(await cond())) await new Promise((r) => setTimeout(r, 20));
}

describe("Alerts view (real engine)", function () {
  this.timeout(30_000);
  let engine: RealEngine;
  let client: EngineClient;

  before(async () => {
    engine = await startRealEngine({ extraFiles: { "alerts.ts": ALERTS } });
    client = new EngineClient({ url: engine.url });
    await client.login(OPERATOR);
  });
  after(() => engine?.close());

  it("shows a firing alert with a badge, then its resolution", async () => {
    assert.deepEqual(alertsView(await client.alerts()), { active: [], recent: [], badge: undefined });

    // Nothing listens on the sink: the row waits, the outbound fails with ECONNREFUSED.
    await engine.receive("ALERT0001");
    await until(async () => {
      await engine.engine.alerts.tick();
      return engine.engine.alerts.active().length === 1;
    });
    const firing = alertsView(await client.alerts());
    assert.deepEqual(firing.badge, { value: 1, tooltip: "1 alert firing" });
    assert.deepEqual(
      firing.active.map((r) => [r.label, r.description, r.icon]),
      [["AL_TEST_SINK_DOWN", "OB_TEST_SINK · down · ECONNREFUSED", "bell-dot"]],
    );
    assert.match(firing.active[0]?.tooltip ?? "", /^AL_TEST_SINK_DOWN: outbound OB_TEST_SINK down for /);
    assert.deepEqual(
      firing.recent.map((r) => r.label),
      ["AL_TEST_SINK_DOWN firing"],
    );

    // The destination comes up: the waiting row is delivered on its next retry and the alert resolves.
    const sink = await mllpSink(engine.ports.sinkPort);
    try {
      await until(async () => {
        await engine.engine.alerts.tick();
        return engine.engine.alerts.active().length === 0;
      });
      const cleared = alertsView(await client.alerts());
      assert.equal(cleared.badge, undefined);
      assert.deepEqual(
        cleared.recent.map((r) => [r.label, r.icon]),
        [
          ["AL_TEST_SINK_DOWN resolved", "pass"],
          ["AL_TEST_SINK_DOWN firing", "bell-dot"],
        ],
      );
    } finally {
      await sink.close();
    }
  });
});
