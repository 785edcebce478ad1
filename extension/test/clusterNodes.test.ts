/**
 * The extension's cluster client against a REAL two-node cluster: two `serve` processes on the
 * machine's PostgreSQL (engine/test/cluster/fixture.ts, with heartbeat 2 s, fence 6 s, lease 9 s). The
 * operator's target is the standby; what the extension shows (the Engine Nodes rows, the status
 * bar's role) comes from the nodes' real answers, and promote, rollback and stepdown sent through the
 * standby land on the leader with the same sign-in — and the user is told which node took them.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { TOTP, URI } from "otpauth";
import {
  type ClusterFixture,
  clusterFixture,
  type Node,
  PASSWORD,
  routes,
  TIMINGS,
} from "../../engine/test/cluster/fixture.js";
import { until, writeFiles } from "../../engine/test/runtime/helpers.js";
import { tempDir } from "../../engine/test/support/fixtures.js";
import { NODE_ARGS, ROOT, settingsToml } from "../../engine/test/support/serve-process.js";
import {
  atLeader,
  clusterStatusOf,
  EngineClient,
  EngineError,
  leaderOf,
  notLeader,
} from "../src/engine/index.js";
import { clusterRows, statusBarRole, whereItWent } from "../src/ops/clusterView.js";
import { collectBundle, runPromote, runRollback } from "../src/promote/index.js";

/**
 * The fixture's deployer enrolled in TOTP (`messagefoundry user mfa`, as an administrator would: the
 * engine requires MFA of deployers), and a code for each sign-in or re-authentication — a fresh
 * 30 s step each time, since a code is accepted once.
 */
function enrolMfa(fx: ClusterFixture, dir: string): () => Promise<string> {
  const settings = join(dir, "mfa.toml");
  writeFileSync(settings, settingsToml(fx.schema.name, 0).toml);
  const r = spawnSync(process.execPath, [...NODE_ARGS, "user", "mfa", "ops", "--settings", settings], {
    cwd: ROOT,
    encoding: "utf8",
    env: fx.env,
  });
  const uri = /otpauth:\/\/\S+/.exec(r.stdout)?.[0];
  if (!uri) throw new Error(`user mfa printed no otpauth:// URI: ${r.stdout}${r.stderr}`);
  const totp = URI.parse(uri);
  if (!(totp instanceof TOTP)) throw new Error("not a TOTP enrolment");
  let last = -1;
  return async () => {
    let step = Math.floor(Date.now() / 1000 / totp.period);
    if (step <= last) {
      await new Promise((done) => setTimeout(done, (last + 1) * totp.period * 1000 - Date.now() + 200));
      step = last + 1;
    }
    last = step;
    return totp.generate({ timestamp: step * totp.period * 1000 });
  };
}

/** A row without its heartbeat age (the only part that depends on when the test looks). */
const steady = (description: string) => description.replace(/ · heartbeat .*$/, "");

describe("cluster client against a real two-node cluster (PostgreSQL)", function () {
  // Two `serve` processes compile the engine from source (tsx): slow on a busy machine.
  this.timeout(300_000);
  let fx: ClusterFixture;
  let nodes: Node[];
  /** Signed in (on the standby: sessions live in the shared database), with a re-authentication prompt. */
  let signedIn: EngineClient;
  /** This test's leader and standby; the operator's target is the standby. */
  let L: Node;
  let S: Node;
  let client: EngineClient;
  const url = (n: Node) => `http://127.0.0.1:${n.apiPort}`;
  const dir = tempDir("mf-ext-cluster-");

  /**
   * Waits until one node leads and the other is its standby: a leader that could not renew in time on
   * a busy machine fences itself, and there is no leader until the lease expires.
   */
  async function settle(): Promise<void> {
    for (;;) {
      const statuses = await Promise.all(
        nodes.map((n) =>
          signedIn
            .at(url(n))
            .clusterStatus()
            .catch(() => undefined),
        ),
      );
      const l = statuses.findIndex((st) => st?.role === "primary");
      const s = statuses.findIndex(
        (st) => st?.role === "standby" && st.leader?.nodeId === statuses[l]?.nodeId,
      );
      if (l >= 0 && s >= 0) {
        L = nodes[l] as Node;
        S = nodes[s] as Node;
        client = signedIn.at(url(S));
        return;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /**
   * Calmer timings than the fixture's failover proof (1/2/3 s): these tests are about what the
   * extension shows and where its writes go, not about takeover time, and on a machine shared by
   * several test suites a 2 s fence makes a leader fence itself now and then. Restored after.
   */
  const proofTimings = { ...TIMINGS };
  before(async () => {
    Object.assign(TIMINGS, { heartbeatMs: 2000, fenceMs: 6000, ttlMs: 9000 });
    fx = await clusterFixture();
    const a = await fx.start("a", "127.0.0.2");
    await a.proc.waitFor((l) => l.event === "cluster-leading");
    const b = await fx.start("b", "127.0.0.3");
    await b.proc.waitFor((l) => l.event === "config-ready");
    nodes = [a, b];
    const code = enrolMfa(fx, dir.dir);
    signedIn = new EngineClient({
      url: url(b),
      // A sensitive action asks again: the password and a fresh code.
      reauth: async () => ({ password: PASSWORD, totp: await code() }),
    });
    await signedIn.login({ username: "ops", password: PASSWORD, totp: await code() });
  });
  beforeEach(settle);
  afterEach(function () {
    // A failure under a busy machine is often the cluster's doing: show how the nodes saw it.
    if (this.currentTest?.state === "failed")
      for (const n of nodes ?? []) console.log(`----- node ${n.id} -----\n${n.proc.output.slice(-4000)}`);
  });
  after(async () => {
    Object.assign(TIMINGS, proofTimings);
    await fx?.cleanup();
    dir.cleanup();
  });

  it("shows both nodes, the leader first, and marks the standby the target reaches", async () => {
    const status = await clusterStatusOf(client);
    assert.deepEqual(
      { ...status, configVersion: typeof status.configVersion },
      {
        nodeId: S.id,
        clustered: true,
        role: "standby",
        configVersion: "string",
        leader: { nodeId: L.id, apiUrl: url(L) },
      },
    );
    // A node publishes its API URL with its first heartbeat after its API listens: wait for both.
    let nodes = await client.clusterNodes();
    for (let i = 0; i < 40 && nodes.some((n) => n.apiUrl === null); i++) {
      await new Promise((r) => setTimeout(r, 250));
      nodes = await client.clusterNodes();
    }
    const rows = clusterRows(nodes, status.nodeId, Date.now());
    const hash = status.configVersion?.slice(0, 12);
    assert.deepEqual(
      rows.map((r) => [r.label, steady(r.description), r.icon, r.current]),
      [
        [L.id, `primary · config ${hash}`, "star-full", false],
        [S.id, `standby · connected · config ${hash}`, "circle-outline", true],
      ],
    );
    assert.equal(rows[1]?.tooltip.split("\n")[0], `${S.id} — ${url(S)} (the node this target reaches)`);
    assert.deepEqual(statusBarRole(status), {
      text: "standby",
      tooltip: `Node **${S.id}** is a standby; promote and rollback go to the leader **${L.id}** (${url(L)}).`,
    });
  });

  it("reads the leader from the standby's real 409 NOT_LEADER", async () => {
    const refused = await client.stage({ "routes.ts": "" }).catch((err: unknown) => err);
    assert.ok(refused instanceof EngineError);
    assert.equal(refused.status, 409);
    assert.equal(refused.code, "NOT_LEADER");
    assert.deepEqual(notLeader(refused), { nodeId: L.id, apiUrl: url(L) });
    const leader = await leaderOf(client);
    assert.equal(leader.client.baseUrl, url(L));
    assert.equal(leader.client.token, client.token, "the same sign-in goes to the leader");
    assert.deepEqual(leader.node, {
      nodeId: L.id,
      clustered: true,
      followed: { nodeId: L.id, apiUrl: url(L) },
    });
  });

  it("promotes and rolls back through the standby: on the leader, and says so", async () => {
    const config = join(dir.dir, "config");
    writeFiles(config, {
      "routes.ts": routes("OB_HA2", "sink2_port"),
      "environments/test.toml": `in_host = "127.0.0.1"\nin_port = ${fx.inPort}\nsink_port = ${fx.sink.port}\nsink2_port = ${fx.sink2.port}\n`,
    });
    const boot = await client.activeConfig();
    let node: Parameters<typeof whereItWent>[0] | undefined;
    const final = await runPromote({
      validateLocal: async () => [],
      pickTarget: async () => ({ name: "prod", url: url(S), environment: "test" }),
      collectBundle: () => collectBundle(config),
      clientFor: async () => client,
      confirm: async (state) => state.summary?.stagedVersion,
      onNode: (n) => {
        node = n;
      },
    });
    assert.equal(final.step, "done", JSON.stringify(final));
    assert.ok(node);
    const there = ` on the leader ${L.id} (${url(L)}): prod reaches a standby`;
    assert.equal(whereItWent(node, "prod"), there);
    // The leader runs it, and the standby gets it loaded and ready.
    const active = await client.at(url(L)).activeConfig();
    assert.notEqual(active?.contentHash, boot?.contentHash);
    await until(async () => (await clusterStatusOf(client)).configVersion === active?.contentHash, 100);

    const rolled = await runRollback({
      client,
      pickVersion: async (history) => history.find((h) => h.contentHash === boot?.contentHash),
    });
    assert.ok(rolled.ok, rolled.ok ? "" : rolled.message);
    assert.equal(rolled.active.contentHash, boot?.contentHash);
    assert.equal(whereItWent(rolled.node, "prod"), there);
  });

  it("steps the leader down through the standby: the standby becomes the primary the target reaches", async () => {
    const mark = S.proc.lines.length;
    const sent = await atLeader(client, (leader) => leader.stepDown());
    assert.deepEqual(sent.node, {
      nodeId: L.id,
      clustered: true,
      followed: { nodeId: L.id, apiUrl: url(L) },
    });
    await S.proc.waitFor((l) => l.event === "cluster-leading", mark);
    await until(async () => (await clusterStatusOf(client)).role === "primary", 100);
    await until(
      async () => (await client.clusterNodes()).find((n) => n.nodeId === L.id)?.role === "standby",
      100,
    );

    const status = await clusterStatusOf(client);
    assert.equal(statusBarRole(status).text, "primary");
    const hash = status.configVersion?.slice(0, 12);
    // A node publishes its API URL with its first heartbeat after its API listens: wait for both.
    let nodes = await client.clusterNodes();
    for (let i = 0; i < 40 && nodes.some((n) => n.apiUrl === null); i++) {
      await new Promise((r) => setTimeout(r, 250));
      nodes = await client.clusterNodes();
    }
    const rows = clusterRows(nodes, status.nodeId, Date.now());
    assert.deepEqual(
      rows.map((r) => [r.label, steady(r.description), r.icon, r.current]),
      [
        [S.id, `primary · connected · config ${hash}`, "star-full", true],
        [L.id, `standby · config ${hash}`, "circle-outline", false],
      ],
    );
    // Now the target takes writes itself: nothing to follow, and the message names the node.
    const leader = await leaderOf(client);
    assert.equal(leader.client, client);
    assert.equal(whereItWent(leader.node, "prod"), ` on node ${S.id} (the leader)`);
  });
});
