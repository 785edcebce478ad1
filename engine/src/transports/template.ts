/**
 * Templates filled from a send's meta: the File outbound's names (`{MSH-10}.hl7`, `{messageId}.json`,
 * `out/{date}/{controlId}.hl7`) and the AMQP outbound's exchange and routing key (`hl7.{messageType}`).
 * Values come from the send's `filenameHint` map (e.g. `MSH-10`, `messageType`), then `messageId`,
 * `controlId`, `timestamp` (yyyyMMddHHmmssSSS, UTC), `date` (yyyyMMdd), `time` (HHmmss) and `seq`
 * (the connector's write counter since start). Values are sanitised so a field
 * value can never name a path outside the destination directory.
 */
import type { SendMeta } from "./types.js";

export class TemplateError extends Error {
  override readonly name = "TemplateError";
}

const PLACEHOLDER = /\{([^{}]+)\}/g;

export function templateKeys(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

export function renderFilename(template: string, meta: SendMeta, now = new Date(), seq?: number): string {
  const out = renderTemplate(template, meta, sanitise, now, seq, "filename template");
  const parts = out.split("/");
  if (out.startsWith("/") || parts.some((p) => p === "" || p === "." || p === "..")) {
    throw new TemplateError(`filename template yields an unsafe path`);
  }
  return out;
}

/**
 * Fills `template`'s placeholders with the same values as a filename template, each passed through
 * `clean` (e.g. a mail header drops control characters); `what` names the template in errors.
 */
export function renderTemplate(
  template: string,
  meta: SendMeta,
  clean: (value: string) => string,
  now = new Date(),
  seq?: number,
  what = "template",
): string {
  const iso = now.toISOString().replace(/[-:TZ.]/g, ""); // yyyyMMddHHmmssSSS
  const builtins: Record<string, string | undefined> = {
    messageId: meta.messageId,
    controlId: meta.controlId,
    timestamp: iso,
    date: iso.slice(0, 8),
    time: iso.slice(8, 14),
    seq: seq === undefined ? undefined : String(seq),
  };
  return template.replace(PLACEHOLDER, (_, key: string) => {
    const v = meta.filenameHint?.[key] ?? builtins[key];
    if (v === undefined || v === "") throw new TemplateError(`${what} has no value for {${key}}`);
    return clean(v);
  });
}

/** Keeps letters, digits, `.`, `_`, `-`; everything else (separators, slashes, spaces) becomes `_`. */
export function sanitise(value: string): string {
  const s = value.replace(/[^A-Za-z0-9._-]/g, "_");
  return /^\.+$/.test(s) ? s.replace(/\./g, "_") : s;
}
