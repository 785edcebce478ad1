/**
 * How the Test Bench shows a delivery's payload: HL7 v2 as an HL7-aware diff against the message that came
 * in; anything else (a database statement, a REST or AMQP JSON body, XML) as the text that is sent, JSON
 * indented, since a field diff against the HL7 input would only say "no MSH segment".
 */
export type PayloadView = { kind: "hl7" } | { kind: "text"; label: string; text: string };

const HL7_START = /^\s*(MSH|FHS|BHS)\|/;

export function payloadView(payload: string): PayloadView {
  if (HL7_START.test(payload)) return { kind: "hl7" };
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
