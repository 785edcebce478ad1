/** Schemas of /messages, /outbound-rows and /dead-letters, and the wire types derived from them. */
import { DISPOSITIONS, ROW_STATES, STAGES } from "../../store/types.js";
import { idParams, isoTime, nullableIsoTime, type Page, pageOf, pageQuery } from "./common.js";
import type { FromSchema } from "./from-schema.js";

const disposition = { type: "string", enum: DISPOSITIONS } as const;
const stage = { type: "string", enum: STAGES } as const;

/** A list row: identity and state only. No body, no patient data, no error text (it may quote fields). */
const messageRow = {
  type: "object",
  required: ["id", "connection", "receivedAt", "controlId", "messageType", "disposition", "hasError", "run"],
  properties: {
    id: { type: "integer" },
    connection: { type: "string" },
    receivedAt: isoTime,
    controlId: { type: ["string", "null"] },
    messageType: { type: ["string", "null"] },
    contentType: { type: "string" },
    disposition,
    hasError: { type: "boolean" },
    run: { type: "integer", description: "1 for the first run, +1 per replay" },
    updatedAt: isoTime,
  },
} as const;

/** Error/detail text can quote the message: present only for callers holding messages:raw (audited). */
const errorText = {
  type: ["string", "null"],
  description: "Only for callers holding messages:raw (the view is audited); it can quote the message",
} as const;

const stageRow = {
  type: "object",
  required: ["id", "messageId", "stage", "connection", "state", "attempts", "hasError"],
  properties: {
    id: { type: "integer" },
    messageId: { type: "integer" },
    run: { type: "integer" },
    stage,
    connection: { type: "string" },
    handler: { type: ["string", "null"] },
    parentId: { type: ["integer", "null"] },
    state: { type: "string", enum: ROW_STATES },
    attempts: { type: "integer" },
    nextAttemptAt: nullableIsoTime,
    hasError: { type: "boolean" },
    error: errorText,
    createdAt: isoTime,
    updatedAt: isoTime,
  },
} as const;

const historyEvent = {
  type: "object",
  required: ["id", "at", "kind", "hasDetail"],
  properties: {
    id: { type: "integer" },
    rowId: { type: ["integer", "null"] },
    at: isoTime,
    kind: { type: "string" },
    stage: { type: ["string", "null"] },
    connection: { type: ["string", "null"] },
    hasDetail: { type: "boolean" },
    detail: errorText,
    hasReply: { type: "boolean" },
  },
} as const;

const timeQuery = { type: "string", format: "date-time" } as const;

export const listMessagesSchema = {
  tags: ["messages"],
  summary: "Messages, newest first (metadata only)",
  querystring: {
    type: "object",
    additionalProperties: false,
    properties: {
      connection: { type: "string", maxLength: 200 },
      disposition,
      messageType: { type: "string", maxLength: 50 },
      controlId: { type: "string", maxLength: 200 },
      text: {
        type: "string",
        minLength: 1,
        maxLength: 200,
        description:
          "Free text: a case-insensitive part of the control id, message type, inbound connection, disposition or content type (list columns only: bodies and error text are never searched). Reads at most 5000 stored rows per request, so a page can hold fewer than limit items and still offer nextCursor.",
      },
      from: { ...timeQuery, description: "received at or after (inclusive)" },
      to: { ...timeQuery, description: "received before (exclusive)" },
      ...pageQuery,
    },
  },
  response: { 200: pageOf(messageRow) },
} as const;

export const findMessagesSchema = {
  tags: ["messages"],
  summary:
    "Messages whose indexed identifier field (an inbound's `identifiers`, e.g. PID-3.1) has exactly this value; audited as patient-data access",
  body: {
    type: "object",
    required: ["identifier"],
    additionalProperties: false,
    properties: {
      identifier: {
        type: "string",
        minLength: 1,
        maxLength: 200,
        description:
          "The exact value (e.g. an MRN). Sent in the body, not the URL, so it stays out of access logs; never stored or audited in the clear.",
      },
      connection: { type: "string", maxLength: 200 },
      ...pageQuery,
    },
  },
  response: { 200: pageOf(messageRow) },
} as const;

export const getMessageSchema = {
  tags: ["messages"],
  summary:
    "One message: metadata, stage rows and history (no body; error text only with messages:raw, audited)",
  params: idParams,
  response: {
    200: {
      type: "object",
      required: [...messageRow.required, "errorStage", "rows", "history"],
      properties: {
        ...messageRow.properties,
        errorStage: { anyOf: [stage, { type: "null" }], description: "Where it failed, when hasError" },
        error: errorText,
        rows: { type: "array", items: stageRow },
        history: { type: "array", items: historyEvent },
      },
    },
  },
} as const;

export const rawMessageSchema = {
  tags: ["messages"],
  summary: "The body as received (audited; needs a recent re-authentication)",
  params: idParams,
  response: {
    200: {
      type: "object",
      required: ["id", "contentType", "encoding", "body"],
      properties: {
        id: { type: "integer" },
        contentType: { type: "string" },
        encoding: {
          type: "string",
          enum: ["utf8", "base64"],
          description: "utf8 when the bytes are valid UTF-8",
        },
        body: { type: "string" },
      },
    },
  },
} as const;

export const replaySchema = {
  tags: ["messages"],
  summary: "Re-run a message from ingress (audited; needs a recent re-authentication)",
  params: idParams,
  response: {
    202: {
      type: "object",
      required: ["id", "queued"],
      properties: { id: { type: "integer" }, queued: { type: "boolean" } },
    },
  },
} as const;

export const resendSchema = {
  tags: ["messages"],
  summary:
    "Queue a copy of one outbound row at the tail of its lane (audited; needs a recent re-authentication)",
  params: idParams,
  response: {
    202: {
      type: "object",
      required: ["id", "newRowId"],
      properties: { id: { type: "integer" }, newRowId: { type: "integer" } },
    },
  },
} as const;

const deadLetterFilter = {
  connection: { type: "string", maxLength: 200 },
  stage,
} as const;

export const deadLettersSchema = {
  tags: ["messages"],
  summary: "Dead-lettered rows, newest first (error text only with messages:raw, audited)",
  querystring: {
    type: "object",
    additionalProperties: false,
    properties: { ...deadLetterFilter, ...pageQuery },
  },
  response: { 200: pageOf(stageRow) },
} as const;

export const replayDeadLettersSchema = {
  tags: ["messages"],
  summary: "Queue matching dead letters again (audited; needs a recent re-authentication)",
  body: {
    type: "object",
    required: ["filter"],
    additionalProperties: false,
    properties: {
      filter: { type: "object", additionalProperties: false, properties: deadLetterFilter },
      max: { type: "integer", minimum: 1, maximum: 10000, default: 1000 },
    },
  },
  response: {
    202: {
      type: "object",
      required: ["replayed", "skipped", "truncated"],
      properties: {
        replayed: { type: "integer" },
        skipped: { type: "integer" },
        truncated: { type: "boolean" },
      },
    },
  },
} as const;

/** A row of GET /messages: identity and state only (no body, no patient data, no error text). */
export type MessageSummary = FromSchema<typeof messageRow>;
/** A stage row: what GET /dead-letters lists and GET /messages/:id carries in `rows`. */
export type StageRow = FromSchema<typeof stageRow>;
export type HistoryEvent = FromSchema<typeof historyEvent>;
/** GET /messages query (times are ISO 8601; `from` inclusive, `to` exclusive). */
export type MessageQuery = FromSchema<typeof listMessagesSchema.querystring>;
export type MessagePage = Page<MessageSummary>;
/** POST /messages/find body. */
export type FindMessagesRequest = FromSchema<typeof findMessagesSchema.body>;
/** GET /messages/:id. */
export type MessageDetail = FromSchema<(typeof getMessageSchema.response)[200]>;
/** GET /messages/:id/raw (audited, re-auth); `encoding` is utf8 when the bytes are valid UTF-8. */
export type RawMessage = FromSchema<(typeof rawMessageSchema.response)[200]>;
/** POST /messages/:id/replay → 202. */
export type ReplayResult = FromSchema<(typeof replaySchema.response)[202]>;
/** POST /outbound-rows/:id/resend → 202. */
export type ResendResult = FromSchema<(typeof resendSchema.response)[202]>;
/** GET /dead-letters query. */
export type DeadLetterQuery = FromSchema<typeof deadLettersSchema.querystring>;
export type DeadLetterPage = Page<StageRow>;
/** POST /dead-letters/replay body and its 202 answer. */
export type ReplayDeadLettersRequest = FromSchema<typeof replayDeadLettersSchema.body>;
export type ReplayDeadLettersResult = FromSchema<(typeof replayDeadLettersSchema.response)[202]>;
