/**
 * Message log: list (metadata only; free text over list columns), detail with history, the raw body (audited), replay, resend,
 * dead letters and their bulk replay. Body access and every re-queue is audited with the acting
 * user, before it happens: an audit failure stops the view or the action.
 *
 * Error text (messages.error, stage_rows.error, event details) can quote the message — a JSON parse
 * error quotes its start, a receiver's NAK may echo fields — so it is patient data: only callers
 * holding messages:raw get it, audited; messages:read gets that there is one and where.
 */
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import { AUDIT_ACTIONS, type AuditAction, can, type Session } from "../../auth/index.js";
import { ApiError, toApiError } from "../errors.js";
import { page, scanPage } from "../pagination.js";
import { iso, isoOrNull } from "../schemas/common.js";
import {
  type DeadLetterPage,
  type DeadLetterQuery as DeadLetterQueryBody,
  deadLettersSchema,
  type FindMessagesRequest,
  findMessagesSchema,
  getMessageSchema,
  type HistoryEvent,
  listMessagesSchema,
  type MessageDetail as MessageDetailBody,
  type MessagePage,
  type MessageQuery as MessageQueryBody,
  type MessageSummary as MessageRow,
  type RawMessage,
  type ReplayDeadLettersRequest,
  type ReplayDeadLettersResult,
  type ReplayResult,
  type ResendResult,
  rawMessageSchema,
  replayDeadLettersSchema,
  replaySchema,
  resendSchema,
  type StageRow,
} from "../schemas/messages.js";
import { sessionOf } from "../security.js";
import type {
  AuthPort,
  DeadLetterQuery,
  EngineServices,
  MessageDetail,
  MessageQuery,
  MessageSummary,
  PageRequest,
  Stage,
  StageRowInfo,
} from "../services.js";

/** List rows carry no error text: parse errors can quote field values. */
function rowView(m: MessageSummary): MessageRow {
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

/** Whether this caller may read error/detail text (it can quote the message). */
function seesErrorText(req: FastifyRequest): boolean {
  return can(sessionOf(req).role, "messages:raw");
}

/** Where the message failed: the newest row with an error, else ingress when only the message has one. */
function errorStage(m: MessageDetail): Stage | null {
  const failed = m.rows
    .filter((r) => r.error !== null)
    .sort((a, b) => b.updatedAt - a.updatedAt || b.id - a.id);
  return failed[0]?.stage ?? (m.error !== null ? "ingress" : null);
}

function stageRowView(r: StageRowInfo, withText: boolean): StageRow {
  return {
    ...(withText && { error: r.error }),
    hasError: r.error !== null,
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
    createdAt: iso(r.createdAt),
    updatedAt: iso(r.updatedAt),
  };
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function bodyText(body: Buffer): Pick<RawMessage, "encoding" | "body"> {
  try {
    return { encoding: "utf8", body: utf8.decode(body) };
  } catch {
    return { encoding: "base64", body: body.toString("base64") };
  }
}

function toMessageQuery(q: MessageQueryBody): MessageQuery {
  const out: MessageQuery = {};
  if (q.connection !== undefined) out.connection = q.connection;
  if (q.disposition !== undefined) out.disposition = q.disposition;
  if (q.messageType !== undefined) out.messageType = q.messageType;
  if (q.controlId !== undefined) out.controlId = q.controlId;
  if (q.from !== undefined) out.from = Date.parse(q.from);
  if (q.to !== undefined) out.to = Date.parse(q.to);
  return out;
}

/** The free-text search: list columns only, never the body or the error text (they can quote the message). */
function matchesText(m: MessageSummary, text: string): boolean {
  const needle = text.toLowerCase();
  return [m.controlId, m.messageType, m.inbound, m.disposition, m.contentType].some(
    (v) => v?.toLowerCase().includes(needle) ?? false,
  );
}

function toDeadLetterQuery(q: Pick<DeadLetterQueryBody, "connection" | "stage">): DeadLetterQuery {
  const out: DeadLetterQuery = {};
  if (q.connection !== undefined) out.connection = q.connection;
  if (q.stage !== undefined) out.stage = q.stage;
  return out;
}

type Deps = Pick<EngineServices, "auth" | "messages">;
type IdParams = { Params: { id: number } };

/**
 * Audits `action` before running it (no audit, no action); a failure of the action itself is
 * audited too, with its code, then answered as usual.
 */
async function auditedAction<T>(
  auth: AuthPort,
  session: Session,
  action: AuditAction,
  target: string,
  details: Record<string, unknown> | undefined,
  run: () => Promise<T>,
): Promise<T> {
  await auth.recordAudit(session, action, target, details);
  try {
    return await run();
  } catch (err) {
    await auth.recordAudit(session, action, target, { outcome: "failed", code: toApiError(err).code });
    throw err;
  }
}

export const messageRoutes: FastifyPluginAsync<Deps> = async (app, { auth, messages }) => {
  app.get<{ Querystring: MessageQueryBody; Reply: MessagePage }>(
    "/messages",
    { schema: listMessagesSchema, config: { permission: "messages:read" } },
    async (req) => {
      const query = toMessageQuery(req.query);
      const fetch = (p: PageRequest) => messages.list(query, p);
      const text = req.query.text;
      const res =
        text === undefined
          ? await page(req.query.cursor, req.query.limit, fetch)
          : await scanPage(req.query.cursor, req.query.limit, fetch, (m) => matchesText(m, text));
      return { items: res.items.map(rowView), nextCursor: res.nextCursor };
    },
  );

  app.post<{ Body: FindMessagesRequest; Reply: MessagePage }>(
    "/messages/find",
    { schema: findMessagesSchema, config: { permission: "messages:read" } },
    async (req) => {
      const { identifier, connection, cursor, limit } = req.body;
      const query: MessageQuery = { identifier, ...(connection !== undefined && { connection }) };
      const res = await page(cursor, limit, (p) => messages.list(query, p));
      // Audited before anything leaves (no audit, no answer); the value itself is never recorded.
      await auth.recordAudit(sessionOf(req), AUDIT_ACTIONS.messagesFoundByIdentifier, "messages", {
        matches: res.items.length,
        ...(connection !== undefined && { connection }),
        ...(cursor !== undefined && { page: "next" }),
      });
      return { items: res.items.map(rowView), nextCursor: res.nextCursor };
    },
  );

  app.get<IdParams & { Reply: MessageDetailBody }>(
    "/messages/:id",
    { schema: getMessageSchema, config: { permission: "messages:read" } },
    async (req) => {
      const m = await messages.get(req.params.id);
      if (!m) throw new ApiError("MESSAGE_NOT_FOUND", `no message ${req.params.id}`);
      const withText = seesErrorText(req);
      const texts = [m.error, ...m.rows.map((r) => r.error), ...m.history.map((e) => e.detail)];
      const shown = texts.filter((t) => t !== null).length;
      // Audited before the text leaves, like a raw view; a view without text is not PHI.
      if (withText && shown > 0) {
        await auth.recordAudit(sessionOf(req), AUDIT_ACTIONS.messageErrorViewed, `message:${m.id}`, {
          texts: shown,
        });
      }
      return {
        ...rowView(m),
        ...(withText && { error: m.error }),
        errorStage: errorStage(m),
        rows: m.rows.map((r) => stageRowView(r, withText)),
        history: m.history.map(
          (e): HistoryEvent => ({
            id: e.id,
            rowId: e.rowId,
            at: iso(e.at),
            kind: e.kind,
            stage: e.stage,
            connection: e.conn,
            ...(withText && { detail: e.detail }),
            hasDetail: e.detail !== null,
            hasReply: e.hasReply,
          }),
        ),
      };
    },
  );

  app.get<IdParams & { Reply: RawMessage }>(
    "/messages/:id/raw",
    { schema: rawMessageSchema, config: { permission: "messages:raw", reauth: true } },
    async (req) => {
      const { id } = req.params;
      const raw = await messages.raw(id);
      if (!raw) throw new ApiError("MESSAGE_NOT_FOUND", `no message ${id}`);
      // Audited before the body leaves: an audit failure must not let the view through.
      await auth.recordAudit(sessionOf(req), AUDIT_ACTIONS.messageRawViewed, `message:${id}`, {
        bytes: raw.body.length,
      });
      return { id, contentType: raw.contentType, ...bodyText(raw.body) };
    },
  );

  app.post<IdParams & { Reply: { 202: ReplayResult } }>(
    "/messages/:id/replay",
    { schema: replaySchema, config: { permission: "messages:replay", reauth: true } },
    async (req, reply) => {
      const { id } = req.params;
      await auditedAction(
        auth,
        sessionOf(req),
        AUDIT_ACTIONS.messageReplayed,
        `message:${id}`,
        undefined,
        async () => {
          if (!(await messages.replay(id))) throw new ApiError("MESSAGE_NOT_FOUND", `no message ${id}`);
        },
      );
      return reply.code(202).send({ id, queued: true });
    },
  );

  app.post<IdParams & { Reply: { 202: ResendResult } }>(
    "/outbound-rows/:id/resend",
    { schema: resendSchema, config: { permission: "messages:replay", reauth: true } },
    async (req, reply) => {
      const { id } = req.params;
      const newRowId = await auditedAction(
        auth,
        sessionOf(req),
        AUDIT_ACTIONS.outboundResent,
        `row:${id}`,
        undefined,
        async () => {
          const n = await messages.resend(id);
          if (n === undefined) throw new ApiError("ROW_NOT_FOUND", `no outbound row ${id}`);
          return n;
        },
      );
      return reply.code(202).send({ id, newRowId });
    },
  );

  app.get<{ Querystring: DeadLetterQueryBody; Reply: DeadLetterPage }>(
    "/dead-letters",
    { schema: deadLettersSchema, config: { permission: "messages:read" } },
    async (req) => {
      const query = toDeadLetterQuery(req.query);
      const res = await page(req.query.cursor, req.query.limit, (p) => messages.deadLetters(query, p));
      const withText = seesErrorText(req);
      const shown = withText ? res.items.filter((r) => r.error !== null).length : 0;
      if (shown > 0) {
        await auth.recordAudit(sessionOf(req), AUDIT_ACTIONS.messageErrorViewed, "dead-letters", {
          rows: shown,
        });
      }
      return { items: res.items.map((r) => stageRowView(r, withText)), nextCursor: res.nextCursor };
    },
  );

  app.post<{ Body: ReplayDeadLettersRequest; Reply: { 202: ReplayDeadLettersResult } }>(
    "/dead-letters/replay",
    { schema: replayDeadLettersSchema, config: { permission: "messages:replay", reauth: true } },
    async (req, reply) => {
      const session = sessionOf(req);
      const filter = toDeadLetterQuery(req.body.filter);
      const max = req.body.max ?? 1000;
      const result = await auditedAction(
        auth,
        session,
        AUDIT_ACTIONS.deadLettersReplayed,
        "dead-letters",
        { filter, max, outcome: "started" },
        () => messages.replayDeadLetters(filter, max),
      );
      // What it did, for the trail: a second entry (the first proves intent even if this one is lost).
      await auth.recordAudit(session, AUDIT_ACTIONS.deadLettersReplayed, "dead-letters", {
        filter,
        outcome: "done",
        ...result,
      });
      return reply.code(202).send(result);
    },
  );
};
