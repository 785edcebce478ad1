/** Schemas of GET /alerts and the alerts in the stats frame, and the wire types derived from them. */
import { isoTime } from "./common.js";
import type { FromSchema } from "./from-schema.js";

const condition = {
  type: "string",
  enum: ["down", "backlog", "backlogAge", "deadLetters", "errorRate", "certExpiry"],
} as const;

/** Fields every alert item has: names, classes, numbers and a text built from them (no message content). */
const alertFields = {
  alert: { type: "string" },
  condition,
  connection: { type: "string" },
  since: { ...isoTime, description: "when the alert fired" },
  value: {
    type: "number",
    description: "ms down / rows queued / ms waited / dead letters / error fraction / ms until expiry",
  },
  errorClass: { type: ["string", "null"], description: "the failure's class (ECONNREFUSED, timeout, AE…)" },
  text: { type: "string" },
} as const;

export const activeAlert = {
  type: "object",
  required: ["alert", "condition", "connection", "since", "lastNotifiedAt", "value", "errorClass", "text"],
  properties: { ...alertFields, lastNotifiedAt: isoTime },
  additionalProperties: false,
} as const;

const alertNotice = {
  type: "object",
  required: ["kind", "alert", "condition", "connection", "at", "since", "value", "errorClass", "text"],
  properties: {
    kind: { type: "string", enum: ["firing", "renotify", "resolved"] },
    at: isoTime,
    ...alertFields,
  },
  additionalProperties: false,
} as const;

export const alertsSchema = {
  tags: ["monitoring"],
  summary: "Alerts firing now and the recent notices (newest first)",
  response: {
    200: {
      type: "object",
      required: ["active", "recent"],
      properties: {
        active: { type: "array", items: activeAlert },
        recent: { type: "array", items: alertNotice },
      },
    },
  },
} as const;

/** One alert firing now. */
export type ActiveAlertItem = FromSchema<typeof activeAlert>;
/** One notice (fired, sent again, resolved). */
export type AlertNoticeItem = FromSchema<typeof alertNotice>;
/** GET /alerts. */
export type AlertList = FromSchema<(typeof alertsSchema.response)[200]>;
