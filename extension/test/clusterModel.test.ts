/**
 * How a clustered target reads in VS Code, from the engine's cluster answers (GET /cluster/status,
 * GET /cluster/nodes, a 409 NOT_LEADER): the Engine Nodes rows, the status bar's role, where a write
 * goes and what the user is told about it. Pure: plain Node, exact expectations.
 */
import assert from "node:assert/strict";
import {
  type ClusterNode,
  type ClusterStatus,
  clientAt,
  EngineClient,
  EngineError,
  notLeader,
  sameUrl,
  writeTarget,
} from "../src/engine/index.js";
import { ago, clusterRows, statusBarRole, whereItWent } from "../src/ops/clusterView.js";

const NOW = Date.parse("2026-12-06T15:00:10.000Z");
/** Config versions are content hashes. */
const V7 = "7a1f0c3e9b2d4c6e8f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6";
const V6 = "6b2e1d4f0a3c5e7f9a1b3c5d7e9f1a3b5c7d9e1f3a5b7c9d1e3f5a7b9c1d3e5f";

function node(over: Partial<ClusterNode> & { nodeId: string }): ClusterNode {
  return {
    apiUrl: `http://${over.nodeId}.internal:8765`,
    lastHeartbeat: "2026-12-06T15:00:08.000Z",
    leader: false,
    leaseOwner: "node-b",
    leaseExpiresAt: "2026-12-06T15:00:38.000Z",
    promotable: true,
    configVersion: V7,
    role: "standby",
    note: null,
    ...over,
  };
}

const LEADER = { nodeId: "node-b", apiUrl: "http://node-b.internal:8765" };

function status(over: Partial<ClusterStatus>): ClusterStatus {
  return { nodeId: "node-a", clustered: true, role: "standby", configVersion: V7, leader: LEADER, ...over };
}

describe("cluster model", () => {
  describe("Engine Nodes rows", () => {
    const nodes = [
      node({
        nodeId: "node-c",
        promotable: false,
        configVersion: V6,
        note: "config 6b2e1d4f0a3c failed to load: env value in_port is missing",
        lastHeartbeat: "2026-12-06T14:57:00.000Z",
      }),
      node({ nodeId: "node-a" }),
      node({ nodeId: "node-b", leader: true, role: "primary", lastHeartbeat: "2026-12-06T15:00:09.600Z" }),
    ];

    it("lists the leader first, then the others by id, marking the node the target reaches", () => {
      const rows = clusterRows(nodes, "node-a", NOW);
      assert.deepEqual(
        rows.map((r) => [r.id, r.label, r.description, r.icon, r.current]),
        [
          ["node:node-b", "node-b", "primary · config 7a1f0c3e9b2d · heartbeat just now", "star-full", false],
          [
            "node:node-a",
            "node-a",
            "standby · connected · config 7a1f0c3e9b2d · heartbeat 2 s ago",
            "circle-outline",
            true,
          ],
          [
            "node:node-c",
            "node-c",
            "standby · not promotable · config 6b2e1d4f0a3c (not the leader's) · heartbeat 3 min ago",
            "warning",
            false,
          ],
        ],
      );
    });

    it("says in the tooltip what each node does, its URL, lease and heartbeat", () => {
      const [leader, here, stuck] = clusterRows(nodes, "node-a", NOW);
      assert.equal(
        leader?.tooltip,
        [
          "node-b — http://node-b.internal:8765",
          "Primary: holds the leader lease (renewed, expires 2026-12-06T15:00:38.000Z); runs the graph.",
          "Last heartbeat 2026-12-06T15:00:09.600Z",
          `Config version ${V7}`,
        ].join("\n"),
      );
      assert.equal(
        here?.tooltip,
        [
          "node-a — http://node-a.internal:8765 (the node this target reaches)",
          "Standby: binds no listener, runs no worker; ready to take over.",
          "Last heartbeat 2026-12-06T15:00:08.000Z",
          `Config version ${V7}`,
        ].join("\n"),
      );
      assert.equal(
        stuck?.tooltip.split("\n")[1],
        "Cannot take over: config 6b2e1d4f0a3c failed to load: env value in_port is missing.",
      );
    });

    it("shows a stopped node, a dead leader that lost its lease, and a node without an API URL", () => {
      const rows = clusterRows(
        [
          node({ nodeId: "node-a", role: "stopped", promotable: false, note: "stopped", apiUrl: null }),
          node({ nodeId: "node-b", role: "primary", leaseOwner: null, leaseExpiresAt: null }),
        ],
        "node-z",
        NOW,
      );
      assert.deepEqual(
        rows.map((r) => [r.description, r.icon, r.tooltip.split("\n").slice(0, 2)]),
        [
          [
            "stopped · config 7a1f0c3e9b2d · heartbeat 2 s ago",
            "circle-slash",
            [
              "node-a — no API URL published",
              "Stopped: left the cluster cleanly; it takes nothing over until it starts again.",
            ],
          ],
          [
            "primary (lease lost) · config 7a1f0c3e9b2d · heartbeat 2 s ago",
            "warning",
            [
              "node-b — http://node-b.internal:8765",
              "Was the primary, but holds no live lease: it died or fenced itself.",
            ],
          ],
        ],
      );
    });

    it("ages heartbeats in seconds, minutes and hours", () => {
      assert.equal(ago("2026-12-06T15:00:10.000Z", NOW), "just now");
      assert.equal(ago("2026-12-06T15:00:11.000Z", NOW), "just now"); // a node clock a little ahead
      assert.equal(ago("2026-12-06T14:58:11.000Z", NOW), "119 s ago");
      assert.equal(ago("2026-12-06T14:58:10.000Z", NOW), "2 min ago");
      assert.equal(ago("2026-12-06T12:00:10.000Z", NOW), "3 h ago");
      assert.equal(ago("not a time", NOW), "never");
    });
  });

  describe("status bar", () => {
    it("shows primary or standby for a cluster and nothing for a single node", () => {
      assert.deepEqual(statusBarRole(status({ role: "primary", nodeId: "node-b" })), {
        text: "primary",
        tooltip: "Node **node-b** is the primary (leader) of its cluster: it runs the graph.",
      });
      assert.deepEqual(statusBarRole(status({})), {
        text: "standby",
        tooltip:
          "Node **node-a** is a standby; promote and rollback go to the leader **node-b** (http://node-b.internal:8765).",
      });
      assert.deepEqual(
        statusBarRole(status({ leader: { nodeId: "node-b", apiUrl: null } })).tooltip,
        "Node **node-a** is a standby; promote and rollback go to the leader **node-b** (no API URL published).",
      );
      assert.deepEqual(statusBarRole(status({ leader: null })), {
        text: "standby",
        tooltip:
          "Node **node-a** is a standby and no node holds the leader lease right now (a failover is under way).",
      });
      assert.deepEqual(statusBarRole(status({ clustered: false, role: "single-node", leader: null })), {
        text: "",
        tooltip: "",
      });
      assert.deepEqual(statusBarRole(undefined), { text: "", tooltip: "" });
    });
  });

  describe("where a write goes", () => {
    it("stays on a primary or a single node and goes to the leader from a standby", () => {
      assert.equal(writeTarget(status({ role: "primary", nodeId: "node-b" })), undefined);
      assert.equal(writeTarget(status({ clustered: false, role: "single-node", leader: null })), undefined);
      assert.deepEqual(writeTarget(status({})), LEADER);
    });

    it("refuses a write to a standby whose leader publishes no API URL", () => {
      assert.throws(
        () => writeTarget(status({ leader: { nodeId: "node-b", apiUrl: null } })),
        (err: unknown) =>
          err instanceof EngineError &&
          err.code === "NO_LEADER_URL" &&
          err.message ===
            "Node node-a is a standby and the leader node-b publishes no API URL: set [cluster] api_url on every node.",
      );
    });

    it("refuses a write while a standby knows no leader (a failover is under way)", () => {
      assert.throws(
        () => writeTarget(status({ leader: null })),
        (err: unknown) =>
          err instanceof EngineError &&
          err.code === "NO_LEADER" &&
          err.status === 409 &&
          err.message ===
            "Node node-a is a standby and no node holds the leader lease right now (a failover is under way): try again in a few seconds.",
      );
    });

    it("reads the leader from a 409 NOT_LEADER's error.leader, and nothing from other errors", () => {
      const refused = (leader: unknown) =>
        new EngineError("NOT_LEADER", "node-a is a standby", 409, undefined, leader);
      assert.deepEqual(notLeader(refused(LEADER)), LEADER);
      assert.equal(notLeader(refused({ nodeId: "node-b", apiUrl: null })), undefined, "no URL to follow");
      assert.equal(notLeader(refused(null)), undefined, "no leader right now");
      assert.equal(notLeader(new EngineError("CONFLICT", "x", 409, undefined, LEADER)), undefined);
      assert.equal(notLeader(new Error("NOT_LEADER")), undefined);
    });

    it("compares URLs as the client stores them", () => {
      assert.ok(sameUrl("http://node-b.internal:8765/", "http://node-b.internal:8765"));
      assert.ok(!sameUrl("http://node-b.internal:8765", "http://node-c.internal:8765"));
    });

    it("a client at another node keeps the token, the re-authentication prompt and the timeout", () => {
      const reauth = async () => ({ password: "x" });
      const client = new EngineClient({ url: "http://node-a.internal:8765/", token: "tok", reauth });
      const there = client.at("http://node-b.internal:8765/");
      assert.equal(there.baseUrl, "http://node-b.internal:8765");
      assert.equal(there.token, "tok");
      assert.equal(there.reauthPrompt, reauth);
    });

    it("never sends an https target's token to a leader advertised over plain http", () => {
      const client = new EngineClient({ url: "https://prod.internal:8765", token: "tok" });
      assert.throws(
        () => clientAt(client, LEADER),
        (err: unknown) =>
          err instanceof EngineError &&
          err.code === "INSECURE_LEADER_URL" &&
          err.message ===
            "The leader node-b advertises http://node-b.internal:8765: the sign-in for https://prod.internal:8765 is not sent over plain http.",
      );
      assert.equal(
        clientAt(client, { nodeId: "node-b", apiUrl: "https://node-b.internal:8765" }).baseUrl,
        "https://node-b.internal:8765",
      );
      assert.equal(clientAt(new EngineClient({ url: "http://127.0.0.1:1" }), LEADER).token, undefined);
    });

    it("tells the user which node took a write", () => {
      assert.equal(whereItWent({ nodeId: "local", clustered: false }, "prod"), "");
      assert.equal(
        whereItWent({ nodeId: "node-b", clustered: true }, "prod"),
        " on node node-b (the leader)",
      );
      assert.equal(
        whereItWent({ nodeId: "node-b", clustered: true, followed: LEADER }, "prod"),
        " on the leader node-b (http://node-b.internal:8765): prod reaches a standby",
      );
    });
  });
});
