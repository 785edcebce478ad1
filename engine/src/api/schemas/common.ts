/** JSON Schema building blocks shared by the feature schemas. Plain objects: fastify compiles them. */
import { API_ERRORS } from "../errors.js";

export const errorBody = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: {
        code: { type: "string", enum: Object.keys(API_ERRORS) },
        message: { type: "string" },
      },
    },
  },
} as const;

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

export function pageOf(item: object) {
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

/** Epoch ms → ISO 8601 (the API's time format). */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function isoOrNull(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined || ms <= 0 ? null : iso(ms);
}
