/**
 * The wire shapes of the engine's cluster routes (`GET /cluster/status`, `GET /cluster/nodes`): the
 * engine's own response schemas (messagefoundry/api), under the names the client and the views use.
 */
import type { ClusterNodeBody, ClusterNodesBody, ClusterStatusBody } from "messagefoundry/api";

export type ClusterStatus = ClusterStatusBody;
/** The node that holds the leader lease, as the engine advertises it. */
export type ClusterLeader = NonNullable<ClusterStatus["leader"]>;
export type ClusterRole = ClusterStatus["role"];
/** One member of `GET /cluster/nodes`. */
export type ClusterNode = ClusterNodeBody;
export type ClusterNodes = ClusterNodesBody;
