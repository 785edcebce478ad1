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
  /** A codicon: `star-full` the leader, `circle-outline` a standby, `warning` a node that cannot take over. */
  icon: "star-full" | "circle-outline" | "warning";
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

function roleWords(n: ClusterNode): string {
  if (n.leader || n.role === "primary") return "primary";
  return n.role === "standby" ? "standby" : "single node";
}

function nodeRow(n: ClusterNode, talkingTo: string, now: number): ClusterRow {
  const current = n.nodeId === talkingTo;
  const leader = n.leader || n.role === "primary";
  const description = [
    roleWords(n),
    ...(current ? ["connected"] : []),
    ...(n.promotable || leader ? [] : ["not promotable"]),
    ...(n.configVersion ? [`config ${n.configVersion}`] : []),
    `heartbeat ${ago(n.lastHeartbeat, now)}`,
  ].join(" · ");
  const tooltip = [
    `${n.nodeId} — ${n.apiUrl ?? "no api_url set"}${current ? " (the node this target reaches)" : ""}`,
    leader
      ? `Primary: holds the leader lease${n.leaseExpiresAt ? ` (renewed, expires ${n.leaseExpiresAt})` : ""}; runs the graph.`
      : n.promotable
        ? "Standby: binds no listener, runs no worker; ready to take over."
        : `Standby that cannot take over: ${n.note ?? "it could not load the promoted config version"}.`,
    `Last heartbeat ${n.lastHeartbeat}`,
    `Config version ${n.configVersion ?? "none"}`,
  ].join("\n");
  return {
    id: `node:${n.nodeId}`,
    label: n.nodeId,
    description,
    tooltip,
    icon: leader ? "star-full" : n.promotable ? "circle-outline" : "warning",
    current,
  };
}

/** The nodes of a target, the leader first, then by node id; `talkingTo` is the target's own node id. */
export function clusterRows(nodes: readonly ClusterNode[], talkingTo: string, now: number): ClusterRow[] {
  const rank = (n: ClusterNode) => (n.leader || n.role === "primary" ? 0 : 1);
  return [...nodes]
    .sort((a, b) => rank(a) - rank(b) || a.nodeId.localeCompare(b.nodeId))
    .map((n) => nodeRow(n, talkingTo, now));
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
      ? `Node **${status.nodeId}** is a standby; promote and rollback go to the leader **${status.leader.nodeId}** (${status.leader.apiUrl}).`
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
