/** Schema of GET /support/log (the engine's recent log lines, for support bundles). */
import type { FromSchema } from "./from-schema.js";

export const recentLogSchema = {
  tags: ["monitoring"],
  summary: "The engine's recent log lines (a bounded in-memory ring; the engine logs no message bodies)",
  response: {
    200: {
      type: "object",
      required: ["lines", "dropped", "capacity"],
      properties: {
        lines: { type: "array", items: { type: "string" }, description: "pino JSON lines, oldest first" },
        dropped: { type: "integer", description: "older lines pushed out of the ring" },
        capacity: { type: "integer", description: "lines the ring keeps (0: this engine keeps none)" },
      },
    },
  },
} as const;

export type RecentLogBody = FromSchema<(typeof recentLogSchema.response)[200]>;
