/**
 * Encryption at rest for short texts that can quote patient data: a message's error, a stage row's
 * error, a history event's detail (e.g. a JSON.parse error quotes the start of the message). They are
 * sealed with the body codec under their own associated data (`messages:42:error`,
 * `stage_rows:7:error`, `events:9:detail`), so a sealed text cannot be swapped with a body or another
 * row's text. Stored in the existing TEXT columns as a marker plus base64, so no migration is needed;
 * a text without the marker was written before this existed and is returned as is.
 */
import { type BodyCodec, BodyDecodeError } from "./crypto.js";
import type { EventKind } from "./types.js";

const SEALED = "\u0001mf1:";

/**
 * History kinds whose detail the engine composes only from config names and numbers ("H1: OB_A",
 * "attempt 2", "PROCESSED"): they hold no message content, so they are stored as they are and the
 * hot path spends no cipher on them. Every other kind (errors, rejections) is sealed.
 */
const ENGINE_COMPOSED: ReadonlySet<EventKind> = new Set<EventKind>([
  "routed",
  "transformed",
  "delivered",
  "replayed",
  "resent",
  "cancelled",
  "disposition",
  "duplicate",
]);

/** An event's detail as stored: sealed unless its kind's detail is engine-composed. */
export function eventDetail(
  codec: BodyCodec,
  kind: EventKind,
  detail: string | null,
  id: number,
): string | null {
  return ENGINE_COMPOSED.has(kind) ? detail : sealText(codec, detail, textAad("events", id));
}

/** The AAD of a sealed text column. */
export const textAad = (table: "messages" | "stage_rows" | "events", id: number): string =>
  `${table}:${id}:${table === "events" ? "detail" : "error"}`;

export function sealText(codec: BodyCodec, text: string | null, aad: string): string | null {
  if (text === null || !codec.encrypted) return text;
  return SEALED + codec.encode(Buffer.from(text, "utf8"), aad).toString("base64");
}

/** The readable text; an undecryptable one becomes a placeholder so one bad row never hides the rest. */
export function openText(codec: BodyCodec, stored: string | null, aad: string): string | null {
  if (stored === null || !stored.startsWith(SEALED)) return stored;
  try {
    return codec.decode(Buffer.from(stored.slice(SEALED.length), "base64"), aad).toString("utf8");
  } catch (error) {
    if (error instanceof BodyDecodeError) return `[unreadable: ${error.message}]`;
    throw error;
  }
}

/**
 * A sealer for short secrets kept beside the store (the auth tables' TOTP secrets), under the same
 * key and marker as the texts above; `open` throws when the value cannot be opened.
 */
export function secretSealer(codec: BodyCodec): {
  encrypted: boolean;
  seal(plain: string, aad: string): string;
  open(stored: string, aad: string): string;
  isCurrent(stored: string): boolean;
} {
  return {
    encrypted: codec.encrypted,
    seal: (plain, aad) => sealText(codec, plain, aad) ?? plain,
    open: (stored, aad) =>
      stored.startsWith(SEALED)
        ? codec.decode(Buffer.from(stored.slice(SEALED.length), "base64"), aad).toString("utf8")
        : stored,
    isCurrent: (stored) =>
      !codec.encrypted ||
      (stored.startsWith(SEALED) && !codec.isStale(Buffer.from(stored.slice(SEALED.length), "base64"))),
  };
}

/**
 * Key rotation for a stored text: hands `recode` the sealed bytes (or a legacy plain text in the
 * pass-through layout, so rotation also encrypts it) and reseals what comes back.
 */
export function recodeText(
  stored: string,
  aad: string,
  recode: (stored: Buffer, aad: string) => Buffer | undefined,
): string | undefined {
  const bytes = stored.startsWith(SEALED)
    ? Buffer.from(stored.slice(SEALED.length), "base64")
    : Buffer.concat([Buffer.from([0]), Buffer.from(stored, "utf8")]);
  const next = recode(bytes, aad);
  return next && SEALED + next.toString("base64");
}

/** What key rotation re-encodes, in order: bodies, then the sealed texts. */
export const RECODE_PHASES = [
  { name: "messages", table: "messages", column: "raw" },
  { name: "stage_rows", table: "stage_rows", column: "payload" },
  { name: "events", table: "events", column: "reply" },
  { name: "messages_error", table: "messages", column: "error" },
  { name: "stage_rows_error", table: "stage_rows", column: "error" },
  { name: "events_detail", table: "events", column: "detail" },
] as const;
