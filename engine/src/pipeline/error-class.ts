/**
 * What a delivery error may say in logs at info and above. The full text can quote patient data (a
 * file name rendered from PID fields, a receiver's reply, a path in a file-system error), so logs at
 * info+ carry only a class from a fixed vocabulary; the text goes to debug and, sealed, to the row.
 */
const RULES: readonly [RegExp, (m: RegExpExecArray) => string][] = [
  [/\bnegative ACK (AE|AR|CE|CR)\b/, (m) => `negative ACK ${m[1]}`],
  [/\bHTTP ([1-5]\d\d)\b/, (m) => `HTTP ${m[1]}`],
  [/\b(E[A-Z][A-Z0-9_]{1,30})\b/, (m) => m[1] ?? "error"],
  [/no response within|timed? ?out/i, () => "timeout"],
  [/already exists/, () => "file exists"],
  [/reply is not an HL7 message|reply has no MSA-1|unknown ACK code/, () => "unexpected reply"],
  [/connector closed/, () => "connector closed"],
  [/reply not re-ingressed/, () => "reply not re-ingressed"],
];

export function errorClass(text: string | undefined): string {
  if (!text) return "error";
  for (const [re, name] of RULES) {
    const m = re.exec(text);
    if (m) return name(m);
  }
  return "delivery error";
}
