/**
 * Message log: list (metadata only), detail with history, the raw body (audited), replay, resend,
 * dead letters and their bulk replay. Body access and every re-queue is audited with the acting user.
 */
import type { FastifyPluginAsync } from "fastify";
import { AUDIT_ACTIONS } from "../../auth/index.js";
import { ApiError } from "../errors.js";
import { page } from "../pagination.js";
import { iso, isoOrNull } from "../schemas/common.js";
import {
  deadLettersSchema,
  getMessageSchema,
  listMessagesSchema,
  rawMessageSchema,
  replayDeadLettersSchema,
  replaySchema,
  resendSchema,
} from "../schemas/messages.js";
import { sessionOf } from "../security.js";
import type {
  DeadLetterQuery,
  Disposition,
  EngineServices,
  MessageQuery,
  MessageSummary,
  Stage,
  StageRowInfo,
} from "../services.js";

/** List rows carry no error text: parse errors can quote field values. */
function rowView(m: MessageSummary) {
  return {
    id: m.id,
    connection: m.inbound,
    receivedAt: iso(m.receivedAt),
    controlId: m.controlId,
    messageType: m.messageType,
    contentType: m.contentType,
    disposition: m.disposition,
    hasError: m.error !== null,
    run: m.run,
    updatedAt: iso(m.updatedAt),
  };
}

function stageRowView(r: StageRowInfo) {
  return {
    id: r.id,
    messageId: r.messageId,
    run: r.run,
    stage: r.stage,
    connection: r.conn,
    handler: r.handler,
    parentId: r.parentId,
    state: r.state,
    attempts: r.attempts,
    nextAttemptAt: isoOrNull(r.nextAttemptAt),
    error: r.error,
    createdAt: iso(r.createdAt),
    updatedAt: iso(r.updatedAt),
  };
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function bodyText(body: Buffer): { encoding: "utf8" | "base64"; body: string } {
  try {
    return { encoding: "utf8", body: utf8.decode(body) };
  } catch {
    return { encoding: "base64", body: body.toString("base64") };
  }
}

interface ListQuery {
  connection?: string;
  disposition?: Disposition;
  messageType?: string;
  controlId?: string;
  from?: string;
  to?: string;
  cursor?: string;
  limit?: number;
}

function toMessageQuery(q: ListQuery): MessageQuery {
  const out: MessageQuery = {};
  if (q.connection !== undefined) out.connection = q.connection;
  if (q.disposition !== undefined) out.disposition = q.disposition;
  if (q.messageType !== undefined) out.messageType = q.messageType;
  if (q.controlId !== undefined) out.controlId = q.controlId;
  if (q.from !== undefined) out.from = Date.parse(q.from);
  if (q.to !== undefined) out.to = Date.parse(q.to);
  return out;
}

function toDeadLetterQuery(q: { connection?: string; stage?: Stage }): DeadLetterQuery {
  const out: DeadLetterQuery = {};
  if (q.connection !== undefined) out.connection = q.connection;
  if (q.stage !== undefined) out.stage = q.stage;
  return out;
}

type Deps = Pick<EngineServices, "auth" | "messages">;
type IdParams = { Params: { id: number } };

export const messageRoutes: FastifyPluginAsync<Deps> = async (app, { auth, messages }) => {
  app.get<{ Querystring: ListQuery }>(
    "/messages",
    { schema: listMessagesSchema, config: { permission: "messages:read" } },
    async (req) => {
      const query = toMessageQuery(req.query);
      const res = await page(req.query.cursor, req.query.limit, (p) => messages.list(query, p));
      return { items: res.items.map(rowView), nextCursor: res.nextCursor };
    },
  );

  app.get<IdParams>(
    "/messages/:id",
    { schema: getMessageSchema, config: { permission: "messages:read" } },
    async (req) => {
      const m = await messages.get(req.params.id);
      if (!m) throw new ApiError("MESSAGE_NOT_FOUND", `no message ${req.params.id}`);
      return {
        ...rowView(m),
        error: m.error,
        rows: m.rows.map(stageRowView),
        history: m.history.map((e) => ({
          id: e.id,
          rowId: e.rowId,
          at: iso(e.at),
          kind: e.kind,
          stage: e.stage,
          connection: e.conn,
          detail: e.detail,
          hasReply: e.hasReply,
        })),
      };
    },
  );

  app.get<IdParams>(
    "/messages/:id/raw",
    { schema: rawMessageSchema, config: { permission: "messages:raw", reauth: true } },
    async (req) => {
      const { id } = req.params;
      const raw = await messages.raw(id);
      if (!raw) throw new ApiError("MESSAGE_NOT_FOUND", `no message ${id}`);
      // Audited before the body leaves: an audit failure must not let the view through.
      auth.recordAudit(sessionOf(req), AUDIT_ACTIONS.messageRawViewed, `message:${id}`, {
        bytes: raw.body.length,
      });
      return { id, contentType: raw.contentType, ...bodyText(raw.body) };
    },
  );

  app.post<IdParams>(
    "/messages/:id/replay",
    { schema: replaySchema, config: { permission: "messages:replay", reauth: true } },
    async (req, reply) => {
      const { id } = req.params;
      if (!(await messages.replay(id))) throw new ApiError("MESSAGE_NOT_FOUND", `no message ${id}`);
      auth.recordAudit(sessionOf(req), AUDIT_ACTIONS.messageReplayed, `message:${id}`);
      return reply.code(202).send({ id, queued: true });
    },
  );

  app.post<IdParams>(
    "/outbound-rows/:id/resend",
    { schema: resendSchema, config: { permission: "messages:replay", reauth: true } },
    async (req, reply) => {
      const { id } = req.params;
      const newRowId = await messages.resend(id);
      if (newRowId === undefined) throw new ApiError("ROW_NOT_FOUND", `no outbound row ${id}`);
      auth.recordAudit(sessionOf(req), AUDIT_ACTIONS.outboundResent, `row:${id}`, { newRowId });
      return reply.code(202).send({ id, newRowId });
    },
  );

  app.get<{ Querystring: { connection?: string; stage?: Stage; cursor?: string; limit?: number } }>(
    "/dead-letters",
    { schema: deadLettersSchema, config: { permission: "messages:read" } },
    async (req) => {
      const query = toDeadLetterQuery(req.query);
      const res = await page(req.query.cursor, req.query.limit, (p) => messages.deadLetters(query, p));
      return { items: res.items.map(stageRowView), nextCursor: res.nextCursor };
    },
  );

  app.post<{ Body: { filter: { connection?: string; stage?: Stage }; max?: number } }>(
    "/dead-letters/replay",
    { schema: replayDeadLettersSchema, config: { permission: "messages:replay", reauth: true } },
    async (req, reply) => {
      const filter = toDeadLetterQuery(req.body.filter);
      const result = await messages.replayDeadLetters(filter, req.body.max ?? 1000);
      auth.recordAudit(sessionOf(req), AUDIT_ACTIONS.deadLettersReplayed, "dead-letters", {
        filter,
        ...result,
      });
      return reply.code(202).send(result);
    },
  );
};
