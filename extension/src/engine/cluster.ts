/**
 * An engine target that is a cluster (N engines on one PostgreSQL, one leader): how a write finds the
 * leader. Writes (stage, promote, rollback, replay, stepdown…) always go to the leader: the target's
 * `GET /cluster/status` names it when the target is a standby, and a standby asked anyway answers
 * 409 `NOT_LEADER` with `error.leader` — either way the same token (sessions live in the shared
 * database) and the same re-authentication prompt are used on the leader's API URL. Pure apart from
 * the client's `fetch`.
 */
import { type EngineClient, EngineError } from "./client.js";
import type { ClusterStatus } from "./clusterTypes.js";

export type { ClusterLeader, ClusterNode, ClusterNodes, ClusterRole, ClusterStatus } from "./clusterTypes.js";

/** A leader that publishes an API URL: one a write can be sent to. */
export interface ReachableLeader {
  nodeId: string;
  apiUrl: string;
}

/** The single-node answer an engine from before clustering gives (it has no /cluster routes: 404). */
export function singleNode(nodeId = "this engine"): ClusterStatus {
  return { nodeId, clustered: false, role: "single-node", configVersion: null, leader: null };
}

/** URLs compared as the client stores them (no trailing slash). */
export function sameUrl(a: string, b: string): boolean {
  return a.replace(/\/+$/, "") === b.replace(/\/+$/, "");
}

/**
 * The leader a 409 NOT_LEADER names (`error.leader`) when it can be followed; undefined for any other
 * error, and while no node leads or the leader publishes no URL (the error's message says so).
 */
export function notLeader(err: unknown): ReachableLeader | undefined {
  if (!(err instanceof EngineError) || err.code !== "NOT_LEADER") return undefined;
  return reachable(err.leader);
}

function reachable(value: unknown): ReachableLeader | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { nodeId, apiUrl } = value as Record<string, unknown>;
  return typeof nodeId === "string" && typeof apiUrl === "string" && apiUrl !== ""
    ? { nodeId, apiUrl }
    : undefined;
}

/**
 * Where a write to the node that answered `status` must go: undefined when that node takes writes
 * itself (a primary, a single node), the leader otherwise. A standby with no leader (a failover is
 * under way) is an error: there is nobody to write to for the moment.
 */
export function writeTarget(status: ClusterStatus): ReachableLeader | undefined {
  if (status.role !== "standby") return undefined;
  const leader = reachable(status.leader);
  if (leader) return leader;
  if (status.leader)
    throw new EngineError(
      "NO_LEADER_URL",
      `Node ${status.nodeId} is a standby and the leader ${status.leader.nodeId} publishes no API URL: set [cluster] api_url on every node.`,
      409,
    );
  throw new EngineError(
    "NO_LEADER",
    `Node ${status.nodeId} is a standby and no node holds the leader lease right now (a failover is under way): try again in a few seconds.`,
    409,
  );
}

/**
 * A client for the leader's URL with the same token and re-authentication prompt. The token is only
 * sent over the scheme the target uses: an https target never follows a leader advertised over http.
 */
export function clientAt(client: EngineClient, leader: ReachableLeader): EngineClient {
  const from = new URL(client.baseUrl);
  let to: URL;
  try {
    to = new URL(leader.apiUrl);
  } catch {
    throw new EngineError("BAD_RESPONSE", `The leader's API URL "${leader.apiUrl}" is not a URL.`, 0);
  }
  if (from.protocol === "https:" && to.protocol !== "https:")
    throw new EngineError(
      "INSECURE_LEADER_URL",
      `The leader ${leader.nodeId} advertises ${leader.apiUrl}: the sign-in for ${client.baseUrl} is not sent over plain http.`,
      0,
    );
  return client.at(leader.apiUrl);
}

/** The status of the node a client talks to; an engine without /cluster routes is a single node. */
export async function clusterStatusOf(client: EngineClient): Promise<ClusterStatus> {
  try {
    return await client.clusterStatus();
  } catch (err) {
    if (err instanceof EngineError && err.status === 404) return singleNode();
    throw err;
  }
}

/**
 * The status for routing a write: a role that may not read it (403) is routed by the NOT_LEADER
 * answer alone, so the write is first sent to the target itself.
 */
async function routingStatus(client: EngineClient): Promise<ClusterStatus> {
  try {
    return await clusterStatusOf(client);
  } catch (err) {
    if (err instanceof EngineError && err.status === 403 && !err.needsSignIn) return singleNode();
    throw err;
  }
}

/** The node a write went to. */
export interface WriteNode {
  /** The node id as the cluster names it. */
  nodeId: string;
  /** False for a single node (nothing to tell the user). */
  clustered: boolean;
  /** Set when it is not the target's own node: the target is a standby and this is the leader. */
  followed?: ReachableLeader;
}

/** How many times a write follows NOT_LEADER (the leader can change once more during the first hop). */
const MAX_HOPS = 2;

/** Resolves the leader of the client's cluster: the client itself when its node takes writes, a client at the leader otherwise. */
export async function leaderOf(client: EngineClient): Promise<{ client: EngineClient; node: WriteNode }> {
  const status = await routingStatus(client);
  const leader = writeTarget(status);
  if (!leader || sameUrl(leader.apiUrl, client.baseUrl))
    return { client, node: { nodeId: status.nodeId, clustered: status.clustered } };
  return {
    client: clientAt(client, leader),
    node: { nodeId: leader.nodeId, clustered: true, followed: leader },
  };
}

/**
 * Runs a write on the leader: resolved first from `/cluster/status`, then — if the leadership moved in
 * between and the node answers 409 NOT_LEADER — sent again to the leader it names (never twice to the
 * same URL, at most MAX_HOPS times). `work` gets the leader's client.
 */
export async function atLeader<T>(
  client: EngineClient,
  work: (leader: EngineClient) => Promise<T>,
): Promise<{ result: T; client: EngineClient; node: WriteNode }> {
  let current = await leaderOf(client);
  const tried: string[] = [];
  for (let hop = 0; ; hop++) {
    tried.push(current.client.baseUrl);
    try {
      return { result: await work(current.client), ...current };
    } catch (err) {
      if (!(err instanceof EngineError) || err.code !== "NOT_LEADER") throw err;
      const leader = notLeader(err);
      if (!leader || hop >= MAX_HOPS || tried.some((u) => sameUrl(u, leader.apiUrl)))
        throw new EngineError(
          "NO_LEADER",
          `No node of the cluster takes writes right now (the leadership is changing: ${err.message}); try again in a few seconds.`,
          409,
        );
      current = sameUrl(leader.apiUrl, client.baseUrl)
        ? { client, node: { nodeId: leader.nodeId, clustered: true } }
        : {
            client: clientAt(client, leader),
            node: { nodeId: leader.nodeId, clustered: true, followed: leader },
          };
    }
  }
}
