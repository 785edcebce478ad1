/**
 * The wire shapes of the engine's cluster routes (`GET /cluster/status`, `GET /cluster/nodes`), as the
 * HA contract of issue 15 defines them. Types only, shared by the client and the cluster logic.
 */

/** The node that holds the leader lease, as the engine advertises it. */
export interface ClusterLeader {
  nodeId: string;
  /** Null when the leader publishes none (no `[cluster] api_url` and no listen address to give). */
  apiUrl: string | null;
}

export type ClusterRole = "primary" | "standby" | "single-node";

/** `GET /cluster/status`: the node answering, and the leader it knows of. */
export interface ClusterStatus {
  nodeId: string;
  clustered: boolean;
  role: ClusterRole;
  configVersion: string | null;
  leader: ClusterLeader | null;
}

/** One member of `GET /cluster/nodes`. */
export interface ClusterNode {
  nodeId: string;
  /** Null when the node publishes no API URL (it cannot be followed to). */
  apiUrl: string | null;
  /** ISO time of the node's last membership heartbeat (the database's clock). */
  lastHeartbeat: string;
  leader: boolean;
  leaseOwner: string | null;
  leaseExpiresAt: string | null;
  /** False when the node cannot load the promoted config version (it may not take over). */
  promotable: boolean;
  configVersion: string | null;
  /** primary | standby | stopped (a member that left cleanly). */
  role: string;
  /** Why the node is not promotable (e.g. the promoted version failed to load), when it says. */
  note?: string | null;
}

export interface ClusterNodes {
  nodes: ClusterNode[];
}
