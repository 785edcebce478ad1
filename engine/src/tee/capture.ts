/**
 * Reading what a destination received, for `tee compare`: the sink's NDJSON capture (one JSON object
 * per line with the message text in `message`, as `messagefoundry sink --capture` writes it), a file
 * of HL7 messages (`.hl7`: segments separated by CR or newlines), or the tee's own log (`--db`: the
 * legacy and the shadow ACK of every frame). Unreadable lines become problems, never a throw.
 */
import { readFileSync } from "node:fs";
import { parseFileTree } from "../hl7/index.js";
import type { TeeLog } from "./log.js";

export interface Captured {
  /** The message text. */
  message: string;
  /** Where it came from, for problems (`file:line`). */
  origin: string;
  /** A key given by the source (the tee log's frame id); "" message text = missing on this side. */
  key?: string;
}

export interface CaptureRead {
  messages: Captured[];
  problems: string[];
}

const SQLITE_MAGIC = "SQLite format 3\0";

/** True when `file` is a SQLite database (the tee's log) rather than a capture. */
export function isSqliteFile(bytes: Buffer): boolean {
  return bytes.subarray(0, 16).toString("latin1") === SQLITE_MAGIC;
}

/** Reads a capture file: NDJSON when its first non-blank character is `{`, else HL7 text. */
export function readCapture(file: string, label = file): CaptureRead {
  const bytes = readFileSync(file);
  const text = bytes.toString("utf8");
  return text.trimStart().startsWith("{") ? readNdjson(text, label) : readHl7(text, label);
}

export function readNdjson(text: string, label: string): CaptureRead {
  const out: CaptureRead = { messages: [], problems: [] };
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    const origin = `${label}:${i + 1}`;
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch {
      out.problems.push(`${origin}: not JSON`);
      return;
    }
    const message = messageOf(rec);
    if (message === undefined) out.problems.push(`${origin}: no "message" text`);
    else out.messages.push({ message, origin });
  });
  return out;
}

/** The sink's `message`; `raw` / `hl7` / `body` are accepted from hand-made captures too. */
function messageOf(rec: unknown): string | undefined {
  if (typeof rec !== "object" || rec === null) return undefined;
  const r = rec as Record<string, unknown>;
  for (const k of ["message", "raw", "hl7", "body"]) if (typeof r[k] === "string") return r[k];
  return undefined;
}

function readHl7(text: string, label: string): CaptureRead {
  const file = parseFileTree(text);
  const out: CaptureRead = { messages: [], problems: file.issues.map((p) => `${label}: ${p.message}`) };
  file.messages.forEach((m, i) => {
    out.messages.push({ message: m.message.encode(), origin: `${label}#${i + 1}` });
  });
  return out;
}

/**
 * The tee log as two captures: what the legacy and the shadow answered to each frame, paired by the
 * frame (the key is the frame's id). Frames one side never answered are missing on that side.
 */
export function ackCaptures(log: TeeLog): { legacy: CaptureRead; shadow: CaptureRead } {
  const legacy: CaptureRead = { messages: [], problems: [] };
  const shadow: CaptureRead = { messages: [], problems: [] };
  for (const f of log.frames()) {
    const key = `frame ${f.id}`;
    legacy.messages.push({ message: f.legacy.ack?.toString("latin1") ?? "", origin: `${key} legacy`, key });
    shadow.messages.push({ message: f.shadow.ack?.toString("latin1") ?? "", origin: `${key} shadow`, key });
  }
  return { legacy, shadow };
}
