/** Schemas of /graph and /config/*, and the wire types derived from them. */
import type { RegistryGraph } from "../../graph/types.js";
import { isoTime } from "./common.js";
import type { FromSchema } from "./from-schema.js";

const location = {
  type: "object",
  required: ["file", "line", "column", "endLine", "endColumn"],
  properties: {
    file: { type: "string" },
    line: { type: "integer" },
    column: { type: "integer" },
    endLine: { type: "integer" },
    endColumn: { type: "integer" },
  },
} as const;

/** Settings/options are declared by the user: any JSON, env references unresolved. */
const anyObject = { type: "object", additionalProperties: true } as const;

const graph = {
  type: "object",
  required: ["version", "nodes", "edges", "envUses"],
  properties: {
    version: { type: "integer" },
    nodes: {
      type: "array",
      items: {
        type: "object",
        required: ["kind", "name", "origin", "location"],
        properties: {
          kind: { type: "string", enum: ["inbound", "outbound", "router", "handler"] },
          name: { type: "string" },
          origin: { type: "string", enum: ["ts", "toml"] },
          location,
          declaration: location,
          transport: { type: "string" },
          settings: anyObject,
          options: anyObject,
          keyLocations: { type: "object", additionalProperties: location },
        },
      },
    },
    edges: {
      type: "array",
      items: {
        type: "object",
        required: ["kind", "from", "to", "dynamic", "location", "origin"],
        properties: {
          kind: { type: "string", enum: ["inbound-router", "router-handler", "handler-outbound"] },
          from: { type: "string" },
          to: { type: ["string", "null"] },
          dynamic: { type: "boolean" },
          location,
          origin: { type: "string", enum: ["ts", "toml"] },
        },
      },
    },
    envUses: {
      type: "array",
      items: {
        type: "object",
        required: ["key", "hasDefault", "location"],
        properties: {
          key: { type: "string" },
          cast: { type: "string" },
          hasDefault: { type: "boolean" },
          location,
          secret: { type: "boolean" },
        },
      },
    },
    alerts: {
      type: "array",
      description: "alert(...) rules as declared (when/notify as written)",
      items: {
        type: "object",
        required: ["name", "origin", "location", "when", "notify"],
        properties: {
          name: { type: "string" },
          origin: { type: "string", enum: ["ts", "toml"] },
          location,
          declaration: location,
          when: anyObject,
          notify: { type: "array", items: {} },
          renotify: {},
          keyLocations: { type: "object", additionalProperties: location },
        },
      },
    },
  },
} as const;

const problem = {
  type: "object",
  required: ["code", "severity", "message", "location"],
  properties: {
    code: { type: "string" },
    severity: { type: "string", enum: ["error", "warning", "info"] },
    message: { type: "string" },
    hint: { type: "string" },
    location,
    related: {
      type: "array",
      items: {
        type: "object",
        required: ["message", "location"],
        properties: { message: { type: "string" }, location },
      },
    },
  },
} as const;

const nodeRef = {
  type: "object",
  required: ["kind", "name"],
  properties: { kind: { type: "string" }, name: { type: "string" } },
} as const;
const edgeRef = {
  type: "object",
  required: ["kind", "from", "to"],
  properties: { kind: { type: "string" }, from: { type: "string" }, to: { type: ["string", "null"] } },
} as const;

const changes = {
  type: "object",
  required: ["added", "removed", "changed", "edgesAdded", "edgesRemoved"],
  properties: {
    added: { type: "array", items: nodeRef },
    removed: { type: "array", items: nodeRef },
    changed: {
      type: "array",
      items: {
        type: "object",
        required: ["kind", "name", "fields"],
        properties: {
          ...nodeRef.properties,
          fields: { type: "array", items: { type: "string" } },
          values: {
            type: "array",
            description: "before/after of each changed setting or option (secrets masked as ***)",
            items: {
              type: "object",
              required: ["path"],
              properties: { path: { type: "string" }, before: { type: "string" }, after: { type: "string" } },
            },
          },
        },
      },
    },
    edgesAdded: { type: "array", items: edgeRef },
    edgesRemoved: { type: "array", items: edgeRef },
    alerts: {
      type: "object",
      description: "alert rules added, removed or changed (by name); absent when none changed",
      required: ["added", "removed", "changed"],
      properties: {
        added: { type: "array", items: { type: "string" } },
        removed: { type: "array", items: { type: "string" } },
        changed: { type: "array", items: { type: "string" } },
      },
    },
  },
} as const;

const queuedForRemoved = {
  type: "array",
  items: {
    type: "object",
    required: ["connection", "queued"],
    properties: { connection: { type: "string" }, queued: { type: "integer" } },
  },
} as const;

/** What a promote/rollback does with rows queued for connections it removes (runtime/removed-queued.ts). */
const swapChoices = {
  removedQueued: {
    type: "object",
    description:
      "per removed connection with queued rows: drain (swap after they are delivered), dead-letter, or keep (stay queued, listed as removed)",
    propertyNames: { type: "string", minLength: 1, maxLength: 200 },
    additionalProperties: { type: "string", enum: ["drain", "dead-letter", "keep"] },
  },
  drainTimeoutSeconds: {
    type: "integer",
    minimum: 1,
    maximum: 3600,
    description: "how long drain may wait before the promote fails, nothing swapped (default 60)",
  },
} as const;

const version = {
  type: "object",
  required: ["versionId", "contentHash", "promotedBy", "promotedAt"],
  properties: {
    versionId: { type: "string" },
    contentHash: { type: "string" },
    promotedBy: { type: "string" },
    promotedAt: isoTime,
    rolledBackFrom: { type: ["string", "null"] },
  },
} as const;

export const graphSchema = {
  tags: ["config"],
  summary: "The running registry graph (same JSON as `messagefoundry graph --json`)",
  response: { 200: graph },
} as const;

export const activeSchema = {
  tags: ["config"],
  summary: "The running config version: id, content hash, who promoted it and when",
  response: {
    200: {
      type: "object",
      required: ["active"],
      properties: { active: { ...version, type: ["object", "null"] } },
    },
  },
} as const;

/** Bundle limits: a config dir is source text, not data. */
export const MAX_BUNDLE_FILES = 2000;
export const MAX_BUNDLE_BYTES = 16 * 1024 * 1024;

export const stageSchema = {
  tags: ["config"],
  summary:
    "Upload a config bundle (the config dir's files); it is loaded and validated in isolation against this engine's environment",
  body: {
    type: "object",
    required: ["files"],
    additionalProperties: false,
    properties: {
      files: {
        type: "object",
        description: "relative path (forward slashes) → file content",
        minProperties: 1,
        maxProperties: MAX_BUNDLE_FILES,
        propertyNames: { type: "string", minLength: 1, maxLength: 512 },
        additionalProperties: { type: "string" },
      },
    },
  },
  response: {
    200: {
      type: "object",
      required: ["stageId", "contentHash", "problems", "hasErrors", "changes", "expiresAt", "removedQueued"],
      properties: {
        stageId: { type: "string" },
        contentHash: { type: "string" },
        problems: { type: "array", items: problem },
        hasErrors: { type: "boolean" },
        changes,
        expiresAt: isoTime,
        removedQueued: {
          ...queuedForRemoved,
          description:
            "connections this promote removes that have rows queued now: promote must say what to do",
        },
      },
    },
  },
} as const;

export const promoteSchema = {
  tags: ["config"],
  summary: "Hot-swap the running graph to a staged bundle (audited; needs a recent re-authentication)",
  body: {
    type: "object",
    required: ["stageId"],
    additionalProperties: false,
    properties: { stageId: { type: "string", minLength: 1, maxLength: 200 }, ...swapChoices },
  },
  response: { 200: version },
} as const;

export const historySchema = {
  tags: ["config"],
  summary: "Promoted versions, newest first",
  response: {
    200: { type: "object", required: ["items"], properties: { items: { type: "array", items: version } } },
  },
} as const;

export const rollbackSchema = {
  tags: ["config"],
  summary: "Promote an earlier version again (audited; needs a recent re-authentication)",
  body: {
    type: "object",
    required: ["versionId"],
    additionalProperties: false,
    properties: { versionId: { type: "string", minLength: 1, maxLength: 200 }, ...swapChoices },
  },
  response: { 200: version },
} as const;

export const versionFilesSchema = {
  tags: ["config"],
  summary: "A kept config version's files (checked against its content hash), for review diffs",
  params: {
    type: "object",
    required: ["versionId"],
    additionalProperties: false,
    properties: { versionId: { type: "string", minLength: 1, maxLength: 200 } },
  },
  response: {
    200: {
      type: "object",
      required: ["versionId", "files"],
      properties: {
        versionId: { type: "string" },
        files: { type: "object", additionalProperties: { type: "string" } },
      },
    },
  },
} as const;

/** What the graph schema lets through; the route checks the engine's RegistryGraph fits it. */
export type GraphBody = FromSchema<typeof graph>;
/**
 * GET /graph: the registry graph as messagefoundry/graph defines it (that type is the truth; it fits
 * GraphBody, and engine/test/api/wire.test.ts checks the schema strips nothing from a real graph).
 */
export type EngineGraph = RegistryGraph;
/** A promoted config version (promote, rollback, history items, and `active`). */
export type ConfigVersion = FromSchema<typeof version>;
/** GET /config/active: null before any config was promoted. */
export type ActiveConfigResponse = FromSchema<(typeof activeSchema.response)[200]>;
/** GET /config/history. */
export type ConfigHistory = FromSchema<(typeof historySchema.response)[200]>;
export type NodeRef = FromSchema<typeof nodeRef>;
export type EdgeRef = FromSchema<typeof edgeRef>;
/** What promoting the staged bundle changes against the running graph (`fields`: e.g. `settings.port`). */
export type StageChanges = FromSchema<typeof changes>;
export type StageRequest = FromSchema<typeof stageSchema.body>;
/** POST /config/stage (re-auth). */
export type StageResult = FromSchema<(typeof stageSchema.response)[200]>;
export type PromoteRequest = FromSchema<typeof promoteSchema.body>;
export type RollbackRequest = FromSchema<typeof rollbackSchema.body>;
/** A removed connection and its queued rows (StageResult.removedQueued, REMOVED_QUEUED details). */
export type QueuedForRemoved = FromSchema<typeof queuedForRemoved>[number];
/** What to do with each removed connection's queued rows. */
export type RemovedQueuedAction = "drain" | "dead-letter" | "keep";
/** GET /config/versions/:versionId/files. */
export type VersionFiles = FromSchema<(typeof versionFilesSchema.response)[200]>;
