/**
 * Dry-run: messages through the same router/handler steps as live traffic (steps.ts), with no
 * store, network or ACK. Bodies appear in the result only when `showPhi` is set.
 */
import { createHash } from "node:crypto";
import { withCodeSetTrace } from "../config/index.js";
import type { Registry } from "../config/registry.js";
import { decodeHl7Bytes, parseBatch } from "../hl7/index.js";
import { parseX12Batch } from "../x12/index.js";
import type {
  DryRunDelivery,
  DryRunHandler,
  DryRunResult,
  StepError,
  TraceSend,
  TraceStep,
} from "./results.js";
import { type InputView, runHandler, runRouter, toHandlerInput } from "./steps.js";
import { type FieldLog, recordCodeSets, recordFields } from "./trace.js";

export type { DryRunDelivery, DryRunHandler, DryRunResult };

export interface DryRunOptions {
  showPhi?: boolean;
  /** Record per step what ran, the fields read and written, and the result (`dryrun --trace`). */
  trace?: boolean;
}

/** A fresh field log and the view that fills it, or nothing when not tracing (no wrapping at all). */
function tracer(
  opts: DryRunOptions,
  locate: Registry["locate"],
): { log: FieldLog; view: InputView; run: <T>(fn: () => Promise<T>) => Promise<T> } | undefined {
  if (!opts.trace) return undefined;
  const log: FieldLog = { reads: [], writes: [], sendSites: [], codeSets: [] };
  const sink = recordCodeSets(log, opts.showPhi === true, locate);
  return {
    log,
    view: (m) => recordFields(m, log, opts.showPhi === true, locate),
    run: (fn) => withCodeSetTrace(sink, fn),
  };
}

/** Runs a step under its tracer (code set lookups recorded) or plainly. */
function traced<T>(
  t: { run: <U>(fn: () => Promise<U>) => Promise<U> } | undefined,
  fn: () => Promise<T>,
): Promise<T> {
  return t ? t.run(fn) : fn();
}

/** Each send with the user's `send(...)` line, matched by payload in call order, when it was captured. */
function placeSends(sends: { outbound: string; payload: Buffer | string }[], log: FieldLog): TraceSend[] {
  const sites = [...log.sendSites];
  return sends.map((s) => {
    const i = sites.findIndex((x) => x.payload === s.payload);
    const hit = i >= 0 ? sites.splice(i, 1)[0] : undefined;
    return hit
      ? { outbound: s.outbound, file: hit.site.file, line: hit.site.line }
      : { outbound: s.outbound };
  });
}

function traceStep(
  step: TraceStep["step"],
  def: { name: string; location: { file: string; line: number } } | undefined,
  name: string,
  log: FieldLog,
  result: TraceStep["result"],
): TraceStep {
  return {
    step,
    name,
    file: def?.location.file ?? "",
    line: def?.location.line ?? 0,
    reads: log.reads,
    writes: log.writes,
    ...(log.codeSets.length > 0 ? { codeSets: log.codeSets } : {}),
    result,
  };
}

/** Split one input file into message byte strings according to the inbound's content type. */
export function splitMessages(contentType: string, bytes: Buffer): Buffer[] {
  if (contentType === "hl7v2") {
    let msgs: string[] = [];
    try {
      msgs = parseBatch(decodeHl7Bytes(bytes)).map((m) => m.encode());
    } catch {
      msgs = [];
    }
    // Not HL7 at all: hand the bytes through so the parse step reports the error as a disposition.
    return msgs.length > 0 ? msgs.map((m) => Buffer.from(m, "utf8")) : [bytes];
  }
  if (contentType === "x12") return splitInterchanges(bytes);
  return [bytes];
}

/** Each interchange from its ISA to the terminator after its IEA, as the X12 inbound cuts them from a socket. */
function splitInterchanges(bytes: Buffer): Buffer[] {
  const text = bytes.toString("utf8");
  try {
    return parseX12Batch(text).map((ic) => {
      const last = ic.segments[ic.segments.length - 1];
      const end = last ? last.start + last.text.length + ic.separators.segment.length : ic.end;
      return Buffer.from(text.slice(ic.start, Math.min(end, text.length)), "utf8");
    });
  } catch {
    return [bytes]; // not X12: the router sees the bytes as they are
  }
}

function payloadText(p: Buffer | string): string {
  return typeof p === "string" ? p : p.toString("utf8");
}

export async function dryRunMessage(
  registry: Registry,
  inboundName: string,
  bytes: Buffer,
  source: string,
  index: number,
  opts: DryRunOptions = {},
): Promise<DryRunResult> {
  const base: DryRunResult = {
    source,
    index,
    inbound: inboundName,
    disposition: "ERROR",
    handlers: [],
    deliveries: [],
  };
  const inbound = registry.inbounds.get(inboundName);
  if (!inbound)
    return ordered({ ...base, error: { stage: "route", message: `unknown inbound "${inboundName}"` } });
  const input = toHandlerInput(inbound.options.contentType, bytes);
  if (!input.ok) return ordered({ ...base, error: input.error });
  const msg = input.message;
  if ("messageType" in msg) {
    base.messageType = msg.messageType;
    if (msg.controlId !== undefined) base.controlId = msg.controlId;
  }
  const rt = tracer(opts, registry.locate);
  if (rt) base.trace = [];
  const routed = await traced(rt, () => runRouter(registry, inboundName, msg, rt?.view));
  if (rt && base.trace) {
    const routerName = inbound.options.router;
    base.trace.push(
      traceStep(
        "router",
        registry.routers.get(routerName),
        routerName,
        rt.log,
        routed.ok
          ? { kind: "handlers", handlers: routed.handlers }
          : { kind: "error", message: routed.error.message },
      ),
    );
  }
  if (!routed.ok) return ordered({ ...base, error: routed.error });
  base.router = routed.router;
  if (routed.handlers.length === 0) return ordered({ ...base, disposition: "UNROUTED" });
  let firstError: StepError | undefined;
  for (const name of routed.handlers) {
    const ht = tracer(opts, registry.locate);
    const r = await traced(ht, () => runHandler(registry, name, msg, ht?.view));
    if (ht && base.trace) {
      const result: TraceStep["result"] = !r.ok
        ? { kind: "error", message: r.error.message }
        : r.sends.length > 0
          ? { kind: "sends", sends: placeSends(r.sends, ht.log) }
          : { kind: "nothing" };
      base.trace.push(traceStep("handler", registry.handlers.get(name), name, ht.log, result));
    }
    if (!r.ok) {
      firstError ??= r.error;
      base.handlers.push({ name, disposition: "ERROR", error: r.error.message });
      continue;
    }
    base.handlers.push({ name, disposition: r.sends.length > 0 ? "PROCESSED" : "FILTERED" });
    for (const s of r.sends) {
      const buf = typeof s.payload === "string" ? Buffer.from(s.payload, "utf8") : s.payload;
      const d: DryRunDelivery = {
        handler: name,
        outbound: s.outbound,
        bytes: buf.length,
        sha256: createHash("sha256").update(buf).digest("hex"),
      };
      if (opts.showPhi) d.payload = payloadText(s.payload);
      base.deliveries.push(d);
    }
  }
  if (firstError) return ordered({ ...base, disposition: "ERROR", error: firstError });
  return ordered({ ...base, disposition: base.deliveries.length > 0 ? "PROCESSED" : "FILTERED" });
}

/** Fixed key order so `dryrun --json` is stable and fixture-pinnable. */
function ordered(r: DryRunResult): DryRunResult {
  const out: DryRunResult = {
    source: r.source,
    index: r.index,
    inbound: r.inbound,
    disposition: r.disposition,
  } as DryRunResult;
  if (r.messageType !== undefined) out.messageType = r.messageType;
  if (r.controlId !== undefined) out.controlId = r.controlId;
  if (r.router !== undefined) out.router = r.router;
  out.handlers = r.handlers;
  out.deliveries = r.deliveries;
  if (r.error !== undefined) out.error = r.error;
  if (r.trace !== undefined) out.trace = r.trace;
  return out;
}

/** Dry-run every message of one input file. */
export async function dryRunFile(
  registry: Registry,
  inboundName: string,
  bytes: Buffer,
  source: string,
  opts: DryRunOptions = {},
): Promise<DryRunResult[]> {
  const contentType = registry.inbounds.get(inboundName)?.options.contentType ?? "hl7v2";
  const out: DryRunResult[] = [];
  const parts = splitMessages(contentType, bytes);
  for (let i = 0; i < parts.length; i++) {
    out.push(await dryRunMessage(registry, inboundName, parts[i] as Buffer, source, i, opts));
  }
  return out;
}
