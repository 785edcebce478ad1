/**
 * What the harness sender sends: the messages of files and folders (a file may hold several messages
 * or a batch), synthetic messages from the generator, and messages broken on purpose (malformed) to
 * check that a receiver NAKs them and records them. Sources are lazy iterables, so a generated run of a
 * million messages never sits in memory at once.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, extname, join } from "node:path";
import { generateMessage, type MessageTypeName, Rng } from "../generate/index.js";
import { peekMsh } from "../hl7/index.js";
import { splitMessages } from "../pipeline/index.js";

export interface OutgoingMessage {
  /** Where it came from: `adt.hl7`, `adt_batch.hl7#2`, `ADT^A01#17`. */
  label: string;
  bytes: Buffer;
  /** MSH-10, "" when none (e.g. malformed). */
  controlId: string;
  /** Broken on purpose: the receiver should NAK it. */
  malformed?: boolean;
}

/** Extensions read from a folder: HL7 files only (a folder may also hold notes, captures...). */
const MESSAGE_EXTENSIONS = new Set([".hl7", ".txt", ".er7", ".msg"]);

/** The files of a path: itself, or a folder's message files (not recursive), sorted by name. */
export function expandPaths(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (statSync(p).isDirectory()) {
      const files = readdirSync(p)
        .filter((f) => MESSAGE_EXTENSIONS.has(extname(f).toLowerCase()))
        .sort()
        .map((f) => join(p, f));
      out.push(...files);
    } else out.push(p);
  }
  return out;
}

function outgoing(label: string, bytes: Buffer): OutgoingMessage {
  return { label, bytes, controlId: peekMsh(bytes, 10)?.trim() ?? "" };
}

/** The messages of the given files and folders, in order. */
export function* fileMessages(paths: readonly string[]): Generator<OutgoingMessage> {
  for (const file of expandPaths(paths)) {
    const parts = splitMessages("hl7v2", readFileSync(file));
    for (const [i, bytes] of parts.entries())
      yield outgoing(parts.length > 1 ? `${basename(file)}#${i + 1}` : basename(file), bytes);
  }
}

/** `count` synthetic messages of `type` (deterministic for `seed`). */
export function* generatedMessages(
  type: MessageTypeName,
  count: number,
  seed: number,
): Generator<OutgoingMessage> {
  const rng = new Rng(seed);
  for (let i = 1; i <= count; i++)
    yield outgoing(`${type}#${i}`, Buffer.from(generateMessage(type, rng, i), "utf8"));
}

/** Ways a message is broken on purpose. */
export type Malformation = "no-msh" | "renamed-msh" | "not-hl7";
const MALFORMATIONS: readonly Malformation[] = ["no-msh", "renamed-msh", "not-hl7"];

/** The message broken in one of the ways above: a parsing receiver refuses each (no MSH segment). */
export function malform(m: OutgoingMessage, how: Malformation): OutgoingMessage {
  const text = m.bytes.toString("latin1");
  let broken: string;
  switch (how) {
    case "no-msh":
      // The header segment left out: the rest has no separators or message type to go by.
      broken = text.replace(/^\s*MSH[^\r\n]*[\r\n]*/, "") || "PID|1";
      break;
    case "renamed-msh":
      // The header segment misspelt: XSH instead of MSH.
      broken = text.replace(/^(\s*)MSH/, "$1XSH");
      break;
    case "not-hl7":
      broken = "THIS IS NOT AN HL7 MESSAGE";
      break;
  }
  return {
    label: `${m.label} (malformed: ${how})`,
    bytes: Buffer.from(broken, "latin1"),
    controlId: "",
    malformed: true,
  };
}

/** Breaks a share `rate` (0..1) of the messages, chosen by a seeded draw. */
export function* withMalformed(
  source: Iterable<OutgoingMessage>,
  rate: number,
  seed: number,
): Generator<OutgoingMessage> {
  if (rate <= 0) {
    yield* source;
    return;
  }
  const rng = new Rng(seed ^ 0x5eed);
  for (const m of source) yield rng.next() < rate ? malform(m, rng.pick(MALFORMATIONS)) : m;
}
