/** The message browser's filter line → a GET /messages query. Pure. */
import type { MessageQuery } from "./api.js";

/** `connection=IB_X type=ADT^A01` → a message query (unknown keys are ignored, bare words = control id). */
export function parseQuery(text: string): MessageQuery {
  const query: MessageQuery = {};
  for (const token of text.trim().split(/\s+/).filter(Boolean)) {
    const [key, ...rest] = token.split("=");
    const value = rest.join("=");
    if (!value) {
      query.controlId = token;
      continue;
    }
    if (key === "connection") query.connection = value;
    else if (key === "type" || key === "messageType") query.messageType = value;
    else if (key === "disposition") query.disposition = value.toUpperCase();
    else if (key === "controlId") query.controlId = value;
  }
  return query;
}
