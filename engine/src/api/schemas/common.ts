/**
 * JSON Schema building blocks shared by the feature schemas. Plain objects: fastify compiles them, and
 * the wire types (`messagefoundry/api`) are derived from them with FromSchema.
 */
import { API_ERRORS, type ApiErrorCode } from "../error-codes.js";
import type { FromSchema } from "./from-schema.js";

/** Machine-readable detail some errors carry (no message content): REMOVED_QUEUED / DRAIN_TIMEOUT list connections. */
const errorDetails = {
  type: "object",
  properties: {
    removedQueued: {
      type: "array",
      items: {
        type: "object",
        required: ["connection", "queued"],
        properties: { connection: { type: "string" }, queued: { type: "integer" } },
      },
    },
  },
} as const;

export type ErrorDetails = FromSchema<typeof errorDetails>;

export const errorBody = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: {
        code: { type: "string", enum: Object.keys(API_ERRORS) as ApiErrorCode[] },
        message: { type: "string" },
        details: errorDetails,
        leader: {
          type: ["object", "null"],
          description: "NOT_LEADER: the cluster's leader now (null while there is none)",
          required: ["nodeId", "apiUrl"],
          properties: { nodeId: { type: "string" }, apiUrl: { type: ["string", "null"] } },
        },
      },
    },
  },
} as const;

/** Every failure's body: `{ error: { code, message } }`; clients branch on `code`. */
export type ErrorBody = FromSchema<typeof errorBody>;

export const isoTime = { type: "string", format: "date-time" } as const;
export const nullableIsoTime = { type: ["string", "null"], format: "date-time" } as const;

export const idParams = {
  type: "object",
  required: ["id"],
  additionalProperties: false,
  properties: { id: { type: "integer", minimum: 1 } },
} as const;

export const nameParams = {
  type: "object",
  required: ["name"],
  additionalProperties: false,
  properties: { name: { type: "string", minLength: 1, maxLength: 200 } },
} as const;

export const pageQuery = {
  cursor: { type: "string", maxLength: 200, description: "nextCursor from the previous page" },
  limit: { type: "integer", minimum: 1, maximum: 500, default: 50 },
} as const;

export function pageOf<const I extends object>(item: I) {
  return {
    type: "object",
    required: ["items", "nextCursor"],
    properties: {
      items: { type: "array", items: item },
      nextCursor: {
        type: ["string", "null"],
        description: "pass as ?cursor= for the next page; null at the end",
      },
    },
  } as const;
}

export const okBody = {
  type: "object",
  required: ["ok"],
  properties: { ok: { type: "boolean" } },
} as const;

/** A page of a list route (`pageOf`'s shape) with items of type T. */
export type Page<T> = Omit<FromSchema<ReturnType<typeof pageOf<object>>>, "items"> & { items: T[] };

/** Epoch ms → ISO 8601 (the API's time format). */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function isoOrNull(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined || ms <= 0 ? null : iso(ms);
}
