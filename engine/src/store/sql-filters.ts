/**
 * WHERE clauses of the read API's filters, shared by the dialects: only the placeholder differs
 * (`?` on SQLite, `$n` on PostgreSQL).
 */
import type { DeadLetterQuery, MessageQuery } from "./statements.js";

export const MESSAGE_COLUMNS = `id, inbound, received_at, control_id, message_type, content_type, disposition, error,
  run, updated_at`;
export const ROW_COLUMNS = `id, message_id, run, stage, conn, handler, parent_id, state, attempts, next_attempt_at,
  claimed_by, lease_until, error, created_at, updated_at`;

type Placeholder = (n: number) => string;

function where(
  base: string[],
  filters: [column: string, op: string, value: string | number | undefined, close?: string][],
  limit: number,
  ph: Placeholder,
): { where: string; limit: string; args: (string | number)[] } {
  const clauses = [...base];
  const args: (string | number)[] = [];
  for (const [column, op, value, close = ""] of filters) {
    if (value === undefined) continue;
    args.push(value);
    clauses.push(`${column} ${op} ${ph(args.length)}${close}`);
  }
  args.push(limit);
  return { where: clauses.length ? `WHERE ${clauses.join(" AND ")}` : "", limit: ph(args.length), args };
}

/** The message log, newest first. */
export function messagesQuery(q: MessageQuery, ph: Placeholder): { sql: string; args: (string | number)[] } {
  const w = where(
    [],
    [
      ["inbound", "=", q.inbound],
      ["disposition", "=", q.disposition],
      ["message_type", "=", q.messageType],
      ["control_id", "=", q.controlId],
      ["id IN (SELECT message_id FROM message_identifiers WHERE token", "=", q.identifier, ")"],
      ["received_at", ">=", q.from],
      ["received_at", "<", q.to],
      ["id", "<", q.beforeId],
    ],
    q.limit,
    ph,
  );
  return {
    sql: `SELECT ${MESSAGE_COLUMNS} FROM messages ${w.where} ORDER BY id DESC LIMIT ${w.limit}`,
    args: w.args,
  };
}

/** Dead letters of the current run only: an earlier run's were superseded by a replay. */
export function deadLettersQuery(
  q: DeadLetterQuery,
  ph: Placeholder,
): { sql: string; args: (string | number)[] } {
  const w = where(
    ["state = 'dead'", "run = (SELECT m.run FROM messages m WHERE m.id = message_id)"],
    [
      ["conn", "=", q.conn],
      ["stage", "=", q.stage],
      ["id", "<", q.beforeId],
    ],
    q.limit,
    ph,
  );
  return {
    sql: `SELECT ${ROW_COLUMNS} FROM stage_rows ${w.where} ORDER BY id DESC LIMIT ${w.limit}`,
    args: w.args,
  };
}
