/**
 * The extension's cluster client over real HTTP. A single engine (serve on a temp SQLite, in-process):
 * it is no cluster, so writes stay on it and nothing about nodes is shown or said.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { atLeader, clusterStatusOf, EngineClient, leaderOf } from "../src/engine/index.js";
import { statusBarRole, whereItWent } from "../src/ops/clusterView.js";
import { collectBundle, runRollback } from "../src/promote/index.js";
import { configFiles, DEPLOYER, type RealEngine, startRealEngine, writeFiles } from "./support/realEngine.js";

describe("cluster client against a single real engine", () => {
  let engine: RealEngine;
  let client: EngineClient;
  before(async () => {
    engine = await startRealEngine();
    client = new EngineClient({ url: engine.url });
    await client.login(DEPLOYER);
  });
  after(() => engine?.close());

  it("is no cluster: role single-node, nothing in the status bar, writes stay on the target", async () => {
    const status = await clusterStatusOf(client);
    assert.equal(status.clustered, false);
    assert.equal(status.role, "single-node");
    assert.equal(status.leader, null);
    assert.deepEqual(statusBarRole(status), { text: "", tooltip: "" });
    const leader = await leaderOf(client);
    assert.equal(leader.client, client);
    assert.deepEqual(leader.node, { nodeId: status.nodeId, clustered: false });
  });

  it("promotes and rolls back on the target itself, and the message names no node", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mf-cluster-single-"));
    try {
      writeFiles(dir, configFiles({ ...engine.ports, tag: "V2" }));
      const boot = await client.activeConfig();
      const sent = await atLeader(client, async (leader) => {
        const staged = await leader.stage(await collectBundle(dir));
        return leader.promote(staged.stageId);
      });
      assert.equal(sent.client, client);
      assert.equal(sent.node.clustered, false);
      assert.notEqual(sent.result.contentHash, boot?.contentHash);

      const rolled = await runRollback({
        client,
        pickVersion: async (history) => history.find((h) => h.contentHash === boot?.contentHash),
      });
      assert.ok(rolled.ok, rolled.ok ? "" : rolled.message);
      assert.equal(rolled.active.contentHash, boot?.contentHash);
      assert.equal(rolled.node.clustered, false);
      assert.equal(whereItWent(rolled.node, "local"), "");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
