/** GET /cluster/status, GET /cluster/nodes, POST /cluster/stepdown (docs/CLUSTERING.md, docs/API.md). */
import { isoTime, nullableIsoTime } from "./common.js";
import type { FromSchema } from "./from-schema.js";

const leader = {
  type: ["object", "null"],
  required: ["nodeId", "apiUrl"],
  additionalProperties: false,
  properties: { nodeId: { type: "string" }, apiUrl: { type: ["string", "null"] } },
} as const;

const statusBody = {
  type: "object",
  required: ["nodeId", "clustered", "role", "configVersion", "leader"],
  additionalProperties: false,
  properties: {
    nodeId: { type: "string" },
    clustered: { type: "boolean" },
    role: { type: "string", enum: ["primary", "standby", "single-node"] },
    configVersion: {
      type: ["string", "null"],
      description: "content hash of the config version this node runs (or, a standby, has loaded and ready)",
    },
    leader,
  },
} as const;

const node = {
  type: "object",
  required: [
    "nodeId",
    "apiUrl",
    "lastHeartbeat",
    "leader",
    "leaseOwner",
    "leaseExpiresAt",
    "promotable",
    "configVersion",
    "role",
    "note",
  ],
  additionalProperties: false,
  properties: {
    nodeId: { type: "string" },
    apiUrl: { type: ["string", "null"] },
    lastHeartbeat: isoTime,
    leader: { type: "boolean" },
    leaseOwner: { type: ["string", "null"] },
    leaseExpiresAt: nullableIsoTime,
    promotable: { type: "boolean" },
    configVersion: { type: ["string", "null"] },
    role: { type: "string", description: "primary | standby | stopped" },
    note: { type: ["string", "null"], description: "why the node is not promotable" },
  },
} as const;

export const clusterStatusSchema = {
  tags: ["cluster"],
  summary: "This node: its id, whether it is clustered, its role, its config version and the leader",
  response: { 200: statusBody },
} as const;

export const clusterNodesSchema = {
  tags: ["cluster"],
  summary: "The cluster's members: API URL, last heartbeat, role, lease owner and expiry, promotable",
  response: {
    200: { type: "object", required: ["nodes"], properties: { nodes: { type: "array", items: node } } },
  },
} as const;

export const clusterStepdownSchema = {
  tags: ["cluster"],
  summary:
    "Leader only: stop intake, drain, and hand the lease to a standby (audited; needs a recent re-authentication)",
  response: { 200: statusBody },
} as const;

export type ClusterStatusBody = FromSchema<typeof statusBody>;
export type ClusterNodeBody = FromSchema<typeof node>;
/** GET /cluster/nodes. */
export interface ClusterNodesBody {
  nodes: ClusterNodeBody[];
}
