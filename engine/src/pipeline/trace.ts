/**
 * Field tracing for `dryrun --trace`: a recording view of the message a router or handler receives, so the
 * trace can say which fields it read (`get`, `getAll`) and wrote (`set`, `setRaw`). Only used when tracing
 * is asked for; the untraced steps hand over the plain clone.
 */

import type { Callsite } from "../config/collector.js";
import type { AnyMessage, CodeSetLookupEvent } from "../config/index.js";
import { Message } from "../hl7/index.js";
import type { TraceCodeSetLookup, TraceRead, TraceSite, TraceWrite } from "./results.js";

export interface FieldLog {
  reads: TraceRead[];
  writes: TraceWrite[];
  /** Where `send(...)` encoded this message: the user's call, with the payload it produced. */
  sendSites: { payload: string; site: Callsite }[];
  /** Code set lookups (config/codesets.ts reports them while the step runs under `withCodeSetTrace`). */
  codeSets: TraceCodeSetLookup[];
}

/** Whether `send()` of the authoring API is on the stack (only asked while tracing). */
function insideSend(): boolean {
  return /\n\s+at (?:Object\.)?send \(/.test(new Error().stack ?? "");
}

/** The Message getters that read MSH fields, traced as reads of those fields. */
const GETTER_FIELDS: Record<string, string> = {
  messageType: "MSH-9",
  controlId: "MSH-10",
  version: "MSH-12.1",
};

/**
 * Wrap `m` so its field reads and writes land in `log`; values are kept only when `values` is set.
 * `locate` (the registry's) places a `send(...)` of this message in the user's source.
 */
export function recordFields(
  m: AnyMessage,
  log: FieldLog,
  values: boolean,
  locate?: () => Callsite | undefined,
): AnyMessage {
  if (!(m instanceof Message)) return m;
  /** The user's statement making the call (the registry's locator maps the bundle back to its source). */
  const site = (): TraceSite => {
    const at = locate?.();
    return at ? { file: at.file, line: at.line } : {};
  };
  const read = (path: string, value: string | null): void => {
    log.reads.push(values ? { path, value, ...site() } : { path, ...site() });
  };
  const wrote = (path: string, before: string | null): void => {
    log.writes.push(values ? { path, before, after: m.get(path) ?? null, ...site() } : { path, ...site() });
  };
  const methods: Partial<Record<keyof Message, unknown>> = {
    get: (path: string) => {
      const v = m.get(path);
      read(path, v ?? null);
      return v;
    },
    getAll: (path: string) => {
      const v = m.getAll(path);
      read(path, v.length > 0 ? v.join("~") : null);
      return v;
    },
    set: (path: string, value: string | undefined) => {
      const before = m.get(path) ?? null;
      m.set(path, value);
      wrote(path, before);
    },
    encode: () => {
      const out = m.encode();
      const site = locate && insideSend() ? locate() : undefined;
      if (site) log.sendSites.push({ payload: out, site });
      return out;
    },
    setRaw: (path: string, encoded: string) => {
      const before = m.get(path) ?? null;
      m.setRaw(path, encoded);
      wrote(path, before);
    },
  };
  return new Proxy(m, {
    get(target, prop) {
      if (typeof prop === "string" && prop in methods) return methods[prop as keyof Message];
      const field = typeof prop === "string" ? GETTER_FIELDS[prop] : undefined;
      if (field !== undefined) {
        const v = Reflect.get(target, prop, target) as string | undefined;
        read(field, v ?? null);
        return v;
      }
      const v: unknown = Reflect.get(target, prop, target);
      // Other methods run on the real message (private fields need the real `this`).
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** A sink for `withCodeSetTrace` that adds each lookup to `log` (code and value only when `values`). */
export function recordCodeSets(
  log: FieldLog,
  values: boolean,
  locate?: () => Callsite | undefined,
): (e: CodeSetLookupEvent) => void {
  return (e) => {
    const entry: TraceCodeSetLookup = {
      codeSet: e.codeSet,
      source: e.source,
      defaultUsed: e.source === "default",
    };
    if (values) {
      entry.code = e.code;
      entry.value = e.value ?? null;
    }
    const site = locate?.();
    if (site) {
      entry.file = site.file;
      entry.line = site.line;
    }
    log.codeSets.push(entry);
  };
}
