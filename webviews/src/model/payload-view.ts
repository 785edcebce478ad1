/**
 * How the Test Bench shows a delivery's payload: HL7 v2 as an HL7-aware diff against the message that came
 * in; an X12 interchange one segment per line; anything else (a database statement, a REST or AMQP JSON
 * body, XML) as the text that is sent, JSON indented, since a field diff against the HL7 input would only
 * say "no MSH segment".
 */
import { parseBatch } from "messagefoundry/hl7";
import { parseX12, parseX12Batch } from "messagefoundry/x12";
import { looksLikeX12 } from "./parse-tree-x12.js";

export type PayloadView = { kind: "hl7" } | { kind: "text"; label: string; text: string };

const HL7_START = /^\s*(MSH|FHS|BHS)\|/;

export function payloadView(payload: string): PayloadView {
  if (HL7_START.test(payload)) return { kind: "hl7" };
  if (looksLikeX12(payload))
    return { kind: "text", label: "X12 interchange, as sent", text: segmentLines(payload) };
  const trimmed = payload.trimStart();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      return { kind: "text", label: "JSON, as sent", text: JSON.stringify(JSON.parse(payload), null, 2) };
    } catch {
      // Not JSON after all: shown as it is below.
    }
  }
  return { kind: "text", label: "not HL7 v2: the payload as sent", text: payload };
}

/** An interchange with a line break after each segment terminator that has none (display only). */
function segmentLines(payload: string): string {
  try {
    const ic = parseX12(payload);
    return ic.segments
      .map((seg, i) => `${seg.text}${ic.gapAfter(i).trimEnd() || ic.separators.segment}`)
      .join("\n");
  } catch {
    return payload;
  }
}

/**
 * The `index`-th message of a case's text as the dry run cut it (its results carry that index): an
 * HL7 message of a batch, an X12 interchange of a file, or else the whole text.
 */
export function inputMessage(text: string, index: number): string {
  try {
    if (looksLikeX12(text)) {
      const ic = parseX12Batch(text)[index];
      return ic ? text.slice(ic.start, ic.end) : text;
    }
    return parseBatch(text)[index]?.encode() ?? text;
  } catch {
    return text;
  }
}
