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

function node(over: Partial<ClusterNode> & { nodeId: string }): ClusterNode {
  return {
    apiUrl: `http://${over.nodeId}.internal:8765`,
    lastHeartbeat: "2026-12-06T15:00:08.000Z",
    leader: false,
    leaseOwner: "node-b",
    leaseExpiresAt: "2026-12-06T15:00:38.000Z",
    promotable: true,
    configVersion: "v7",
    role: "standby",
    ...over,
  };
}

const LEADER = { nodeId: "node-b", apiUrl: "http://node-b.internal:8765" };

function status(over: Partial<ClusterStatus>): ClusterStatus {
  return { nodeId: "node-a", clustered: true, role: "standby", configVersion: "v7", leader: LEADER, ...over };
}

describe("cluster model", () => {
  describe("Engine Nodes rows", () => {
    const nodes = [
      node({
        nodeId: "node-c",
        promotable: false,
        configVersion: "v6",
        lastHeartbeat: "2026-12-06T14:57:00.000Z",
      }),
      node({ nodeId: "node-a" }),
      node({ nodeId: "node-b", leader: true, role: "primary", lastHeartbeat: "2026-12-06T15:00:09.600Z" }),
    ];

    it("lists the leader first, then the standbys by id, marking the node the target reaches", () => {
      const rows = clusterRows(nodes, "node-a", NOW);
      assert.deepEqual(
        rows.map((r) => [r.id, r.label, r.description, r.icon, r.current]),
        [
          ["node:node-b", "node-b", "primary · config v7 · heartbeat just now", "star-full", false],
          [
            "node:node-a",
            "node-a",
            "standby · connected · config v7 · heartbeat 2 s ago",
            "circle-outline",
            true,
          ],
          [
            "node:node-c",
            "node-c",
            "standby · not promotable · config v6 · heartbeat 3 min ago",
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
          "Config version v7",
        ].join("\n"),
      );
      assert.equal(
        here?.tooltip,
        [
          "node-a — http://node-a.internal:8765 (the node this target reaches)",
          "Standby: binds no listener, runs no worker; ready to take over.",
          "Last heartbeat 2026-12-06T15:00:08.000Z",
          "Config version v7",
        ].join("\n"),
      );
      assert.equal(
        stuck?.tooltip.split("\n")[1],
        "Standby that cannot take over: it could not load the promoted config version.",
      );
    });

    it("says why a node cannot take over, and that it has no API URL", () => {
      const [row] = clusterRows(
        [
          node({
            nodeId: "node-d",
            apiUrl: null,
            promotable: false,
            note: "config v8 failed to load: SyntaxError",
          }),
        ],
        "node-a",
        NOW,
      );
      assert.deepEqual(row?.tooltip.split("\n").slice(0, 2), [
        "node-d — no api_url set",
        "Standby that cannot take over: config v8 failed to load: SyntaxError.",
      ]);
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

    it("reads the leader from a 409 NOT_LEADER's details, and nothing from other errors", () => {
      const refused = (details: unknown) =>
        new EngineError("NOT_LEADER", "node-a is a standby", 409, details as EngineError["details"]);
      assert.deepEqual(notLeader(refused({ leader: LEADER })), LEADER);
      assert.equal(notLeader(refused({ leader: { nodeId: "node-b" } })), undefined);
      assert.equal(notLeader(refused(undefined)), undefined);
      assert.equal(notLeader(new EngineError("CONFLICT", "x", 409, { leader: LEADER } as never)), undefined);
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
