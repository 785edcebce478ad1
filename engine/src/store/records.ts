/**
 * Database records → the read API's shapes, for every dialect. Sealed error/detail texts are opened
 * here (`open`); bodies never pass through: they go through the store's decrypting getters.
 */
import type { CounterRecord, EventRecord, MessageRecord, RowRecord } from "./statements.js";
import type { ConnectionCounters, HistoryEvent, MessageSummary, StageRowInfo } from "./types.js";

/** Opens a sealed error/detail text (identity when the store runs without a key). */
export type OpenText = (stored: string | null, aad: string) => string | null;

const MAX_PAGE = 1000;

export function pageSize(limit: number | undefined): number {
  return Math.max(1, Math.min(MAX_PAGE, Math.floor(limit ?? 100)));
}

export function toSummary(m: MessageRecord, open: OpenText): MessageSummary {
  return {
    id: m.id,
    inbound: m.inbound,
    receivedAt: m.received_at,
    controlId: m.control_id,
    messageType: m.message_type,
    contentType: m.content_type,
    disposition: m.disposition,
    error: open(m.error, `messages:${m.id}:error`),
    run: m.run,
    updatedAt: m.updated_at,
  };
}

export function toRowInfo(r: RowRecord, open: OpenText): StageRowInfo {
  return {
    id: r.id,
    messageId: r.message_id,
    run: r.run,
    stage: r.stage,
    conn: r.conn,
    handler: r.handler,
    parentId: r.parent_id,
    state: r.state,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    claimedBy: r.claimed_by,
    leaseUntil: r.lease_until,
    error: open(r.error, `stage_rows:${r.id}:error`),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function toHistory(e: EventRecord, open: OpenText): HistoryEvent {
  return {
    id: e.id,
    messageId: e.message_id,
    rowId: e.row_id,
    at: e.at,
    kind: e.kind,
    stage: e.stage,
    conn: e.conn,
    detail: open(e.detail, `events:${e.id}:detail`),
    hasReply: Boolean(e.has_reply),
  };
}

export function toCounters({ last_activity, ...c }: CounterRecord): ConnectionCounters {
  return { ...c, lastActivity: last_activity };
}
