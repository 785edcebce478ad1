/**
 * The pure per-message steps shared by `dryrun` and the live pipeline: bytes → handler input, run the
 * inbound's router, run one handler. No store, no network, no ACK. Failures come back as values with a
 * stage and a message (never a raw exception), so callers can record an ERROR disposition.
 */
import type { AnyMessage, Registry, Send } from "../config/index.js";
import { RawMessage } from "../config/raw-message.js";
import { decodeHl7Bytes, Message, parse } from "../hl7/index.js";
import type { StepError } from "./results.js";

export type { StepError, StepStage as Stage } from "./results.js";

export type StepResult<T> = ({ ok: true } & T) | { ok: false; error: StepError };

/** HL7 (`hl7v2`) gives a parsed Message; any other contentType a RawMessage. */
export function toHandlerInput(contentType: string, bytes: Buffer): StepResult<{ message: AnyMessage }> {
  if (contentType !== "hl7v2") return { ok: true, message: new RawMessage(bytes, contentType) };
  try {
    return { ok: true, message: parse(decodeHl7Bytes(bytes)) };
  } catch (e) {
    return { ok: false, error: { stage: "parse", message: errorText(e) } };
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

function cloneInput(m: AnyMessage): AnyMessage {
  return m instanceof Message ? m.clone() : m.clone();
}

/** Lets a traced dry run watch the clone a router or handler receives (trace.ts); absent = the plain clone. */
export type InputView = (clone: AnyMessage) => AnyMessage;

/** Run the router bound to `inboundName`. Returns handler names (deduplicated, in order); [] = unrouted. */
export async function runRouter(
  registry: Registry,
  inboundName: string,
  input: AnyMessage,
  view?: InputView,
): Promise<StepResult<{ router: string; handlers: string[] }>> {
  const inbound = registry.inbounds.get(inboundName);
  if (!inbound) return { ok: false, error: { stage: "route", message: `unknown inbound "${inboundName}"` } };
  const routerName = inbound.options.router;
  const router = registry.routers.get(routerName);
  if (!router) {
    return {
      ok: false,
      error: { stage: "route", message: `inbound "${inboundName}" names unknown router "${routerName}"` },
    };
  }
  let result: unknown;
  try {
    // Routers see a clone too: a router mutating the message must not leak into handlers.
    result = await router.fn(view ? view(cloneInput(input)) : cloneInput(input));
  } catch (e) {
    return { ok: false, error: { stage: "route", message: `router "${routerName}" threw: ${errorText(e)}` } };
  }
  const names = result === undefined || result === null ? [] : typeof result === "string" ? [result] : result;
  if (!Array.isArray(names) || names.some((n) => typeof n !== "string")) {
    return {
      ok: false,
      error: {
        stage: "route",
        message: `router "${routerName}" must return a handler name or an array of names`,
      },
    };
  }
  const handlers = [...new Set(names as string[])];
  const unknown = handlers.filter((h) => !registry.handlers.has(h));
  if (unknown.length > 0) {
    return {
      ok: false,
      error: {
        stage: "route",
        message: `router "${routerName}" returned unknown handler(s): ${unknown.join(", ")}`,
      },
    };
  }
  return { ok: true, router: routerName, handlers };
}

export interface Delivery {
  outbound: string;
  payload: Buffer | string;
}

function isSend(v: unknown): v is Send {
  return (
    typeof v === "object" &&
    v !== null &&
    (v as Send).kind === "send" &&
    typeof (v as Send).outbound === "string"
  );
}

/** Run one handler on its own clone of the message. [] = filtered. */
export async function runHandler(
  registry: Registry,
  handlerName: string,
  input: AnyMessage,
  view?: InputView,
): Promise<StepResult<{ sends: Delivery[] }>> {
  const handler = registry.handlers.get(handlerName);
  if (!handler) return unknownHandler(handlerName);
  let result: unknown;
  try {
    result = await handler.fn(view ? view(cloneInput(input)) : cloneInput(input));
  } catch (e) {
    return handlerThrew(handlerName, e);
  }
  return handlerResult(registry, handlerName, result);
}

/** Handler functions seen to return a promise: `runHandlerNow` does not call them again. */
const asyncHandlers = new WeakSet<object>();

/**
 * {@link runHandler} for a handler that finishes synchronously (no `await` inside: a plain transform),
 * so it can run inside the caller's own step. Undefined for an `async` handler, or one that returned a
 * promise (its result is dropped: handlers are pure, the caller runs it the usual way).
 */
export function runHandlerNow(
  registry: Registry,
  handlerName: string,
  input: AnyMessage,
): StepResult<{ sends: Delivery[] }> | undefined {
  const handler = registry.handlers.get(handlerName);
  if (!handler) return unknownHandler(handlerName);
  const fn = handler.fn;
  if (asyncHandlers.has(fn) || fn.constructor.name === "AsyncFunction") return undefined;
  let result: unknown;
  try {
    result = fn(cloneInput(input));
  } catch (e) {
    return handlerThrew(handlerName, e);
  }
  if (isThenable(result)) {
    asyncHandlers.add(fn);
    result.then(undefined, () => undefined);
    return undefined;
  }
  return handlerResult(registry, handlerName, result);
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof (v as PromiseLike<unknown> | null)?.then === "function";
}

function unknownHandler(handlerName: string): StepResult<never> {
  return { ok: false, error: { stage: "transform", message: `unknown handler "${handlerName}"` } };
}

function handlerThrew(handlerName: string, e: unknown): StepResult<never> {
  return {
    ok: false,
    error: { stage: "transform", message: `handler "${handlerName}" threw: ${errorText(e)}` },
  };
}

/** A handler's return value checked: sends to known outbounds, or nothing (filtered). */
function handlerResult(
  registry: Registry,
  handlerName: string,
  result: unknown,
): StepResult<{ sends: Delivery[] }> {
  const list = result === undefined || result === null ? [] : Array.isArray(result) ? result : [result];
  if (!list.every(isSend)) {
    return {
      ok: false,
      error: {
        stage: "transform",
        message: `handler "${handlerName}" must return send(...), an array of sends, or nothing`,
      },
    };
  }
  const unknown = list.filter((s) => !registry.outbounds.has(s.outbound)).map((s) => s.outbound);
  if (unknown.length > 0) {
    return {
      ok: false,
      error: {
        stage: "transform",
        message: `handler "${handlerName}" sent to unknown outbound(s): ${[...new Set(unknown)].join(", ")}`,
      },
    };
  }
  return { ok: true, sends: list.map((s) => ({ outbound: s.outbound, payload: s.payload })) };
}
