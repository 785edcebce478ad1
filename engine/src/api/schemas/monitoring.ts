/** Schemas of /health, /connections, /stats and /ws/stats, and the wire types derived from them. */
import { STAGES } from "../../store/types.js";
import { activeAlert } from "./alerts.js";
import { isoTime, nameParams, nullableIsoTime } from "./common.js";
import type { FromSchema } from "./from-schema.js";

const counts = {
  type: "object",
  required: ["received", "processed", "errored", "filtered", "unrouted", "delivered", "failed"],
  properties: {
    received: { type: "integer" },
    processed: { type: "integer" },
    errored: { type: "integer" },
    filtered: { type: "integer" },
    unrouted: { type: "integer" },
    delivered: { type: "integer" },
    failed: { type: "integer" },
    duplicates: {
      type: "integer",
      description: "inbound: messages recorded as DUPLICATE by duplicate detection (not routed again)",
    },
  },
} as const;

const state = {
  type: "string",
  enum: ["running", "stopped", "starting", "stopping", "error", "removed"],
  description: "removed: not in the running config any more, rows still queued for it",
} as const;

const connection = {
  type: "object",
  required: ["name", "direction", "transport", "state", "counts", "lastActivity", "queueDepth"],
  properties: {
    name: { type: "string" },
    direction: { type: "string", enum: ["inbound", "outbound"] },
    transport: { type: "string" },
    state,
    error: {
      type: ["string", "null"],
      description: "why it is failing; can quote a message, so only for callers holding messages:raw",
    },
    errorClass: {
      type: ["string", "null"],
      description:
        "the failure's class (ECONNREFUSED, negative ACK AE, timeout, HTTP 503…): no message content",
    },
    counts,
    lastActivity: nullableIsoTime,
    queueDepth: { type: "integer", description: "open rows (pending + claimed) for this connection" },
  },
} as const;

export const statsBody = {
  type: "object",
  required: ["at", "totals", "connections", "depth"],
  properties: {
    at: isoTime,
    totals: counts,
    connections: {
      type: "array",
      items: {
        type: "object",
        required: ["name", "counts", "lastActivity"],
        properties: { name: { type: "string" }, counts, lastActivity: nullableIsoTime },
      },
    },
    depth: {
      type: "array",
      items: {
        type: "object",
        required: ["stage", "connection", "pending", "claimed"],
        properties: {
          stage: { type: "string", enum: STAGES },
          connection: { type: "string" },
          pending: { type: "integer", description: "Open rows no worker has yet." },
          claimed: {
            type: "integer",
            description:
              "Open rows a worker holds or has reserved; an outbound lane's backlog is reserved for its delivery worker.",
          },
        },
      },
    },
    alerts: { type: "array", items: activeAlert, description: "alerts firing now" },
    cluster: {
      type: "object",
      description: "this node's cluster role (absent on a single node); a role change shows in the next push",
      required: ["nodeId", "role", "leader", "roleChangedAt"],
      properties: {
        nodeId: { type: "string" },
        role: { type: "string", enum: ["primary", "standby", "single-node"] },
        leader: {
          type: ["object", "null"],
          required: ["nodeId", "apiUrl"],
          properties: { nodeId: { type: "string" }, apiUrl: { type: ["string", "null"] } },
        },
        roleChangedAt: nullableIsoTime,
      },
    },
  },
} as const;

export const healthSchema = {
  tags: ["monitoring"],
  summary: "Liveness: status and version only (no authentication, no data)",
  response: {
    200: {
      type: "object",
      required: ["status", "version"],
      properties: { status: { type: "string", enum: ["ok"] }, version: { type: "string" } },
    },
  },
} as const;

export const connectionsSchema = {
  tags: ["monitoring"],
  summary: "Every connection: state, counters, last activity, queue depth",
  response: {
    200: { type: "object", required: ["items"], properties: { items: { type: "array", items: connection } } },
  },
} as const;

export const statsSchema = {
  tags: ["monitoring"],
  summary: "Counters per connection and queue depth per stage",
  response: { 200: statsBody },
} as const;

export const statsFeedSchema = {
  tags: ["monitoring"],
  summary:
    "WebSocket: the GET /stats body pushed every second. Bearer token in the Authorization header at upgrade; " +
    "re-checked each tick; closes 4401 when the session ends, 4403 when the permission is gone",
} as const;

export const controlSchema = {
  tags: ["connections"],
  params: nameParams,
  response: {
    200: { type: "object", required: ["name", "state"], properties: { name: { type: "string" }, state } },
  },
} as const;

export type Counts = FromSchema<typeof counts>;
export type ConnectionState = FromSchema<typeof state>;
/** One item of GET /connections. */
export type ConnectionStatus = FromSchema<typeof connection>;
/** GET /connections. */
export type ConnectionList = FromSchema<(typeof connectionsSchema.response)[200]>;
/** GET /stats, and every push of WS /ws/stats. */
export type StatsFrame = FromSchema<typeof statsBody>;
/** GET /health (public). */
export type Health = FromSchema<(typeof healthSchema.response)[200]>;
/** POST /connections/:name/start|stop. */
export type ConnectionControlResult = FromSchema<(typeof controlSchema.response)[200]>;
