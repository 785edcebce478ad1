/**
 * Reading the sandbox child's answer. Config code shares the child's process, so the answer may be
 * forged: it is parsed as JSON and checked field by field before the loader builds a graph from it,
 * and what comes back to the caller is bounded (a few KB per text, a fixed number of problems).
 */
import type { Problem } from "../graph/index.js";
import type { Callsite, Declarations } from "./collector.js";
import type { Thrown } from "./execute.js";
import { pointLocation } from "./locations.js";

/** At most this many declarations of all kinds together (a config repo declares hundreds). */
export const MAX_DECLARATIONS = 10_000;
/** Each problem's message and hint is cut to this many characters. */
export const MAX_TEXT_CHARS = 2048;
/** At most this many problems are returned (the last one says how many were left out). */
export const MAX_PROBLEMS = 200;

export type CheckedAnswer =
  | { ok: true; declarations: Declarations; thrown: Thrown | undefined }
  | { ok: false; problem: Problem };

export function loadProblem(code: string, message: string, hint: string): Problem {
  return { code, severity: "error", message, hint, location: pointLocation("", 1, 1) };
}

const FORGED = loadProblem(
  "MF-LOAD-EXEC",
  "config loading returned an answer that is not a config load (was it written by config code?)",
  "Config code must only declare; it must not write to the loader's file descriptors.",
);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === "string";
const isInt = (v: unknown): boolean => Number.isSafeInteger(v);
const optional = (v: unknown, check: (x: unknown) => boolean): boolean => v === undefined || check(v);
const oneOf =
  (...values: string[]) =>
  (v: unknown): boolean =>
    isStr(v) && values.includes(v);

const isSite = (v: unknown): v is Callsite => isObj(v) && isStr(v.file) && isInt(v.line) && isInt(v.column);
const isLocation = (v: unknown): boolean =>
  isObj(v) && isStr(v.file) && isInt(v.line) && isInt(v.column) && isInt(v.endLine) && isInt(v.endColumn);
const isOrigin = oneOf("ts", "toml");

function isConnection(v: unknown): boolean {
  return (
    isObj(v) &&
    oneOf("inbound", "outbound")(v.kind) &&
    isStr(v.name) &&
    isOrigin(v.origin) &&
    optional(v.site, isSite) &&
    isStr(v.transport) &&
    isObj(v.settings) &&
    isObj(v.options)
  );
}

function isFunction(v: unknown): boolean {
  return (
    isObj(v) &&
    oneOf("router", "handler")(v.kind) &&
    isStr(v.name) &&
    isOrigin(v.origin) &&
    optional(v.site, isSite)
  );
}

function isEnvUse(v: unknown): boolean {
  return (
    isObj(v) &&
    isStr(v.key) &&
    typeof v.hasDefault === "boolean" &&
    optional(v.site, isSite) &&
    optional(v.cast, oneOf("string", "int", "float", "bool", "json")) &&
    optional(v.secret, (x) => typeof x === "boolean")
  );
}

function isDeclProblem(v: unknown): boolean {
  return (
    isObj(v) &&
    isStr(v.message) &&
    optional(v.hint, isStr) &&
    optional(v.site, isSite) &&
    optional(v.location, isLocation)
  );
}

function isAlert(v: unknown): boolean {
  return isObj(v) && isStr(v.name) && optional(v.site, isSite) && isObj(v.when) && Array.isArray(v.notify);
}

function isThrown(v: unknown): v is Thrown {
  return isObj(v) && isStr(v.message) && optional(v.site, isSite);
}

function arrayOf(v: unknown, check: (x: unknown) => boolean): boolean {
  return Array.isArray(v) && v.every(check);
}

/** Parses and checks the child's answer text. */
export function checkAnswer(text: string): CheckedAnswer {
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    return { ok: false, problem: FORGED };
  }
  if (isObj(answer) && isStr(answer.notPlain)) {
    return {
      ok: false,
      problem: loadProblem(
        "MF-LOAD-EXEC",
        `config settings are not plain data: ${answer.notPlain}`,
        "Settings must be JSON values.",
      ),
    };
  }
  if (!isObj(answer) || !isObj(answer.declarations) || !optional(answer.thrown, isThrown))
    return { ok: false, problem: FORGED };
  const d = answer.declarations;
  const lists = [d.connections, d.functions, d.envUses, d.problems, d.alerts];
  const count = lists.reduce<number>((n, l) => n + (Array.isArray(l) ? l.length : 0), 0);
  if (count > MAX_DECLARATIONS) {
    return {
      ok: false,
      problem: loadProblem(
        "MF-LOAD-LIMIT",
        `config made ${count} declarations; the limit is ${MAX_DECLARATIONS}`,
        "Split the config, or declare connections in connections.toml.",
      ),
    };
  }
  const valid =
    arrayOf(d.connections, isConnection) &&
    arrayOf(d.functions, isFunction) &&
    arrayOf(d.envUses, isEnvUse) &&
    arrayOf(d.problems, isDeclProblem) &&
    optional(d.alerts, (x) => arrayOf(x, isAlert));
  if (!valid) return { ok: false, problem: FORGED };
  return {
    ok: true,
    declarations: d as unknown as Declarations,
    thrown: answer.thrown as Thrown | undefined,
  };
}

function cut(text: string): string {
  if (text.length <= MAX_TEXT_CHARS) return text;
  return `${text.slice(0, MAX_TEXT_CHARS)}… [truncated: ${text.length - MAX_TEXT_CHARS} more characters]`;
}

/** Problems with bounded texts, at most MAX_PROBLEMS of them (the last says how many more there were). */
export function boundProblems(problems: readonly Problem[]): Problem[] {
  const shown = problems.length > MAX_PROBLEMS ? problems.slice(0, MAX_PROBLEMS - 1) : problems;
  const out = shown.map((p) => ({
    ...p,
    message: cut(p.message),
    ...(p.hint !== undefined && { hint: cut(p.hint) }),
  }));
  if (problems.length > MAX_PROBLEMS) {
    out.push(
      loadProblem(
        "MF-LOAD-LIMIT",
        `${problems.length - shown.length} more problems not shown (truncated at ${MAX_PROBLEMS})`,
        "Fix the problems above and stage again to see the rest.",
      ),
    );
  }
  return out;
}
