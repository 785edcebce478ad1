/** The message browser's filter line → a GET /messages query (or an identifier search), and its result rows. */
import { DISPOSITIONS, type MessagePage, type MessageQuery, type MessageSummary } from "messagefoundry/api";
import type { EngineClient } from "./client.js";

/**
 * `connection=IB_X type=ADT^A01 acme` → a message query. Unknown keys are ignored; bare words are free
 * text, which the engine matches as a part of the control id, message type, inbound, disposition or
 * content type (list columns only: message bodies are never searched).
 */
export function parseQuery(text: string): MessageQuery {
  const query: MessageQuery = {};
  const words: string[] = [];
  for (const token of text.trim().split(/\s+/).filter(Boolean)) {
    const [key, ...rest] = token.split("=");
    const value = rest.join("=");
    if (!value) {
      words.push(token);
      continue;
    }
    if (key === "connection" || key === "inbound") query.connection = value;
    else if (key === "type" || key === "messageType") query.messageType = value;
    else if (key === "disposition") {
      // The engine refuses an unknown disposition (400): keep only the ones it knows.
      const d = DISPOSITIONS.find((x) => x === value.toUpperCase());
      if (d) query.disposition = d;
    } else if (key === "controlId") query.controlId = value;
  }
  if (words.length > 0) query.text = words.join(" ").slice(0, 200);
  return query;
}

/** What Find Messages asks the engine: a list query, or an identifier search (blind index). */
export type FindSpec =
  | { kind: "list"; query: MessageQuery }
  | { kind: "identifier"; identifier: string; connection?: string };

/**
 * `identifier=MRN123` (or `mrn=` / `id=`) searches the engine's blind index by exact value, optionally
 * with `connection=`; anything else is a list query ({@link parseQuery}).
 */
export function parseFind(text: string): FindSpec {
  const query = parseQuery(text);
  for (const token of text.trim().split(/\s+/)) {
    const [key, ...rest] = token.split("=");
    const value = rest.join("=");
    if (value && (key === "identifier" || key === "mrn" || key === "id"))
      return {
        kind: "identifier",
        identifier: value,
        ...(query.connection !== undefined ? { connection: query.connection } : {}),
      };
  }
  return { kind: "list", query };
}

/** Rows fetched per page in Find Messages. */
export const FIND_PAGE = 200;

export interface FoundRow {
  label: string;
  description: string;
  detail: string;
  /** A message id, or "more" for the row that loads the next page. */
  id: number | "more";
}

/** One page of what the filter line asked for: the list, or the blind-index search (audited by the engine). */
export function fetchPage(client: EngineClient, spec: FindSpec, cursor?: string): Promise<MessagePage> {
  const page = { limit: FIND_PAGE, ...(cursor !== undefined ? { cursor } : {}) };
  if (spec.kind === "list") return client.messages({ ...spec.query, ...page });
  return client.findMessages({
    identifier: spec.identifier,
    ...(spec.connection !== undefined ? { connection: spec.connection } : {}),
    ...page,
  });
}

/** The result list: one row per message, then "Load more…" while the engine has another page. */
export function foundRows(messages: readonly MessageSummary[], hasMore: boolean): FoundRow[] {
  const rows: FoundRow[] = messages.map((m) => ({
    label: m.messageType ?? `Message ${m.id}`,
    description: [m.connection, m.disposition, m.controlId].filter(Boolean).join(" · "),
    detail: m.receivedAt,
    id: m.id,
  }));
  if (hasMore)
    rows.push({
      label: "$(ellipsis) Load more…",
      description: `the next ${FIND_PAGE} older messages`,
      detail: "",
      id: "more",
    });
  return rows;
}
