/**
 * The pure model of "Send to MLLP…" for many messages: the messages of several files (a folder's .hl7
 * files), generated messages (the `messagefoundry generate` arguments), the rate (messages per second,
 * or as fast as the receiver ACKs), and the summary shown at the end. No
 * vscode, no sockets: tested in plain Node.
 */
import { isMessageType, MESSAGE_TYPES, type MessageTypeName } from "messagefoundry/api";
import { type AckSummary, messagesIn } from "./mllpSend.js";

export interface SourceFile {
  /** Workspace-relative name shown to the user. */
  name: string;
  text: string;
}

export interface PlannedMessages {
  /** Each message's text, in file order then message order. */
  messages: string[];
  /** Files that held no HL7 message (MSH). */
  empty: string[];
}

/** Files sent from a folder: HL7 ones only, by name. */
export function isMessageFile(name: string): boolean {
  return /\.hl7$/i.test(name);
}

/** The messages of the files, in the order given; files with none are named in `empty`. */
export function planMessages(files: readonly SourceFile[]): PlannedMessages {
  const messages: string[] = [];
  const empty: string[] = [];
  for (const f of files) {
    const found = messagesIn(f.text);
    if (found.length === 0) empty.push(f.name);
    messages.push(...found);
  }
  return { messages, empty };
}

/** The message types offered for generated messages (HL7 only: this sends over MLLP). */
export const GENERATED_TYPES: readonly MessageTypeName[] = MESSAGE_TYPES.filter((t) => !t.startsWith("X12"));

export const MAX_GENERATED = 10_000;

/** A count typed by the user: 1..MAX_GENERATED, or the reason it is not one. */
export function parseCount(input: string): number | { error: string } {
  const n = Number(input.trim());
  if (!/^\d+$/.test(input.trim()) || n < 1 || n > MAX_GENERATED)
    return { error: `Enter a whole number from 1 to ${MAX_GENERATED}.` };
  return n;
}

/** `messagefoundry generate` arguments for `count` messages of `type` (a fresh seed each run). */
export function generateArgs(type: string, count: number, seed: number): string[] {
  if (!isMessageType(type)) throw new Error(`Unknown message type to generate: ${type}`);
  return ["generate", "--type", type, "--count", String(count), "--seed", String(seed)];
}

/** A rate typed by the user: messages per second (0.01..10000), or the reason it is not one. */
export function parseRate(input: string): number | { error: string } {
  const n = Number(input.trim());
  if (input.trim() === "" || !Number.isFinite(n) || n < 0.01 || n > 10_000)
    return { error: "Enter messages per second, from 0.01 to 10000." };
  return n;
}

/** Counts per ACK code, in a stable order (AA first, then by name). */
export function ackCounts(acks: readonly AckSummary[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const a of acks) counts.set(a.code, (counts.get(a.code) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => (a === "AA" ? -1 : b === "AA" ? 1 : a.localeCompare(b)));
}

/** `AA 118 · AE 2` */
export function countsLine(acks: readonly AckSummary[]): string {
  return ackCounts(acks)
    .map(([code, n]) => `${code} ${n}`)
    .join(" · ");
}

/** The progress line while sending: `40/120 — AA 39 · AE 1`. */
export function progressLine(done: readonly AckSummary[], total: number): string {
  return `${done.length}/${total}${done.length > 0 ? ` — ${countsLine(done)}` : ""}`;
}

/** Whether every ACK accepted its message (AA or CA). */
export function allAccepted(acks: readonly AckSummary[]): boolean {
  return acks.every((a) => a.code === "AA" || a.code === "CA");
}
