/** The message browser's filter line → a GET /messages query. Pure. */
import { DISPOSITIONS, type MessageQuery } from "messagefoundry/api";

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
    else if (key === "disposition") {
      // The engine refuses an unknown disposition (400): keep only the ones it knows.
      const d = DISPOSITIONS.find((x) => x === value.toUpperCase());
      if (d) query.disposition = d;
    } else if (key === "controlId") query.controlId = value;
  }
  return query;
}
