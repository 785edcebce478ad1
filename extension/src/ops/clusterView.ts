/**
 * How a clustered engine target reads in VS Code: the Engine Nodes view (one row per node: its role,
 * whether it may take over, its heartbeat, and which node the operator is talking to), the status
 * bar's role, and the line that says where a write went. Pure: no vscode, tested in plain Node.
 */
import type { ClusterNode, ClusterStatus, WriteNode } from "../engine/cluster.js";

export interface ClusterRow {
  id: string;
  label: string;
  description: string;
  tooltip: string;
  /**
   * A codicon: `star-full` the leader, `circle-outline` a standby ready to take over, `warning` one that
   * cannot (not promotable) or a leader that lost its lease, `circle-slash` a node that stopped.
   */
  icon: "star-full" | "circle-outline" | "warning" | "circle-slash";
  /** The node the configured target's URL reaches (the one the operator talks to). */
  current: boolean;
}

/** "4 s ago", "3 min ago", "2 h ago" (a clock a little ahead of the database's reads as "just now"). */
export function ago(iso: string, now: number): string {
  const s = Math.round((now - Date.parse(iso)) / 1000);
  if (Number.isNaN(s)) return "never";
  if (s < 1) return "just now";
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.floor(s / 60)} min ago`;
  return `${Math.floor(s / 3600)} h ago`;
}

/** A config version is its content hash: the first 12 characters tell versions apart. */
export function shortVersion(hash: string): string {
  return hash.length > 12 ? hash.slice(0, 12) : hash;
}

/**
 * The node's role: the lease decides who is primary (`leader`); a member that last said "primary"
 * without holding a live lease is a leader that died (its heartbeat tells since when).
 */
function roleWords(n: ClusterNode): string {
  if (n.leader) return "primary";
  if (n.role === "primary") return "primary (lease lost)";
  return n.role === "single-node" ? "single node" : n.role;
}

function whatItDoes(n: ClusterNode): string {
  if (n.leader)
    return `Primary: holds the leader lease${n.leaseExpiresAt ? ` (renewed, expires ${n.leaseExpiresAt})` : ""}; runs the graph.`;
  if (n.role === "stopped")
    return "Stopped: left the cluster cleanly; it takes nothing over until it starts again.";
  if (!n.promotable) return `Cannot take over: ${n.note ?? "it could not load the promoted config version"}.`;
  if (n.role === "primary") return "Was the primary, but holds no live lease: it died or fenced itself.";
  return "Standby: binds no listener, runs no worker; ready to take over.";
}

function nodeRow(n: ClusterNode, talkingTo: string, leaderVersion: string | null, now: number): ClusterRow {
  const current = n.nodeId === talkingTo;
  const stopped = n.role === "stopped";
  const differs =
    !n.leader && leaderVersion !== null && n.configVersion !== null && n.configVersion !== leaderVersion;
  const description = [
    roleWords(n),
    ...(current ? ["connected"] : []),
    ...(n.promotable || n.leader || stopped ? [] : ["not promotable"]),
    ...(n.configVersion
      ? [`config ${shortVersion(n.configVersion)}${differs ? " (not the leader's)" : ""}`]
      : []),
    `heartbeat ${ago(n.lastHeartbeat, now)}`,
  ].join(" · ");
  const tooltip = [
    `${n.nodeId} — ${n.apiUrl ?? "no API URL published"}${current ? " (the node this target reaches)" : ""}`,
    whatItDoes(n),
    `Last heartbeat ${n.lastHeartbeat}`,
    `Config version ${n.configVersion ?? "none"}`,
  ].join("\n");
  return {
    id: `node:${n.nodeId}`,
    label: n.nodeId,
    description,
    tooltip,
    icon: n.leader
      ? "star-full"
      : stopped
        ? "circle-slash"
        : n.promotable && n.role !== "primary"
          ? "circle-outline"
          : "warning",
    current,
  };
}

/** The nodes of a target, the leader first, then by node id; `talkingTo` is the target's own node id. */
export function clusterRows(nodes: readonly ClusterNode[], talkingTo: string, now: number): ClusterRow[] {
  const leaderVersion = nodes.find((n) => n.leader)?.configVersion ?? null;
  return [...nodes]
    .sort((a, b) => Number(b.leader) - Number(a.leader) || a.nodeId.localeCompare(b.nodeId))
    .map((n) => nodeRow(n, talkingTo, leaderVersion, now));
}

/**
 * The status bar's part for the node a target reaches: its role when clustered (nothing for a single
 * node), and a tooltip line saying where promote and rollback go.
 */
export function statusBarRole(status: ClusterStatus | undefined): { text: string; tooltip: string } {
  if (!status?.clustered || status.role === "single-node") return { text: "", tooltip: "" };
  if (status.role === "primary")
    return {
      text: "primary",
      tooltip: `Node **${status.nodeId}** is the primary (leader) of its cluster: it runs the graph.`,
    };
  return {
    text: "standby",
    tooltip: status.leader
      ? `Node **${status.nodeId}** is a standby; promote and rollback go to the leader **${status.leader.nodeId}** (${status.leader.apiUrl ?? "no API URL published"}).`
      : `Node **${status.nodeId}** is a standby and no node holds the leader lease right now (a failover is under way).`,
  };
}

/**
 * Which node a write (promote, rollback, stepdown) went to, for the message that reports it: nothing
 * for a single node; the node for a cluster, and why when the target itself is a standby.
 */
export function whereItWent(node: WriteNode, targetName: string): string {
  if (!node.clustered) return "";
  if (!node.followed) return ` on node ${node.nodeId} (the leader)`;
  return ` on the leader ${node.followed.nodeId} (${node.followed.apiUrl}): ${targetName} reaches a standby`;
}
