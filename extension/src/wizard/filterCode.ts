/**
 * A Route Wizard filter → the handler's TypeScript, against the real `messagefoundry/hl7` Message API:
 * `msg.get` (first occurrence), `msg.getAll` (every repetition of a field in every segment) and
 * `msg.segments(name)` with `Segment.get` (one value per occurrence of a repeating segment). The code
 * reads like hand-written code because the developer edits it later. Pure: unit-tested in plain Node.
 */
import { parseFieldPath } from "messagefoundry/hl7";
import type { FilterOp, FilterRule, Quantifier } from "./types.js";

const q = (s: string) => JSON.stringify(s);

/** Ops that compare numbers: their values must be numbers. */
export const NUMERIC_OPS: ReadonlySet<FilterOp> = new Set(["lt", "le", "gt", "ge", "between"]);

const SYMBOL: Partial<Record<FilterOp, string>> = { lt: "<", le: "<=", gt: ">", ge: ">=" };

/** `any OBX-8 is one of H, L` — for the code comment and the wizard's summary. */
export function describeFilter(f: FilterRule): string {
  const who = f.quantifier === "any" ? `any ${f.path}` : f.quantifier === "all" ? `every ${f.path}` : f.path;
  return `${who} ${describeCondition(f)}`;
}

function describeCondition(f: FilterRule): string {
  const v = f.value ?? "";
  switch (f.op) {
    case "equals":
      return `is ${q(v)}`;
    case "notEquals":
      return `is not ${q(v)}`;
    case "oneOf":
      return `is one of ${(f.values ?? []).join(", ")}`;
    case "notOneOf":
      return `is none of ${(f.values ?? []).join(", ")}`;
    case "present":
      return "is not empty";
    case "absent":
      return "is empty";
    case "between":
      return `is between ${v} and ${f.high ?? ""}`;
    default:
      return `is ${SYMBOL[f.op]} ${v}`;
  }
}

/**
 * What an any/every filter ranges over, given where the field repeats. `msg.getAll` reads every
 * repetition in every segment but skips empty fields, so it serves "any … is one of/equals/compares";
 * emptiness, and "every" over a repeating segment, need one value per segment (an empty one included).
 */
export function filterOver(
  repeats: { segment: boolean; field: boolean },
  quantifier: Quantifier,
  op: FilterOp,
): "segments" | "repetitions" {
  if (!repeats.field || op === "present" || op === "absent") return "segments";
  if (!repeats.segment) return "repetitions";
  return quantifier === "any" ? "repetitions" : "segments";
}

/** Lines of the handler body (two-space indent) that return [] when the message is to be filtered out. */
export function filterLines(f: FilterRule): string[] {
  const comment = `  // Keep only messages where ${describeFilter(f)}.`;
  const quantifier = f.quantifier ?? "first";
  if (quantifier === "first") return [comment, `  if (${dropFirst(f)}) return [];`];
  const test = `(v) => ${keep(f, "v")}`;
  const drop =
    quantifier === "any"
      ? `!values.some(${test})`
      : // "every" over nothing would keep a message without the field: require at least one.
        `values.length === 0 || !values.every(${test})`;
  return [comment, `  const values = ${valuesExpr(f)};`, `  if (${drop}) return [];`];
}

/** Every value the quantifier ranges over, as a string[] expression. */
function valuesExpr(f: FilterRule): string {
  if (f.over === "repetitions") return `msg.getAll(${q(f.path)})`;
  const segment = parseFieldPath(f.path).segment;
  const name = segment.toLowerCase();
  return `msg.segments(${q(segment)}).map((${name}) => ${name}.get(${q(f.path)}) ?? "")`;
}

/** The drop condition for the first occurrence, in the plainest form each op allows. */
function dropFirst(f: FilterRule): string {
  const get = `msg.get(${q(f.path)})`;
  switch (f.op) {
    case "equals":
      return `${get} !== ${q(f.value ?? "")}`;
    case "notEquals":
      return `${get} === ${q(f.value ?? "")}`;
    case "present":
      return `!${get}`;
    case "absent":
      return `${get}`;
    case "notOneOf":
      return `${list(f)}.includes(${get} ?? "")`;
    default:
      return `!(${keep(f, `(${get} ?? "")`)})`;
  }
}

/** The keep condition over one string value `v` (an identifier or a parenthesised expression). */
function keep(f: FilterRule, v: string): string {
  const n = `Number.parseFloat(${v})`;
  switch (f.op) {
    case "equals":
      return `${v} === ${q(f.value ?? "")}`;
    case "notEquals":
      return `${v} !== ${q(f.value ?? "")}`;
    case "oneOf":
      return `${list(f)}.includes(${v})`;
    case "notOneOf":
      return `!${list(f)}.includes(${v})`;
    case "present":
      return `${v} !== ""`;
    case "absent":
      return `${v} === ""`;
    case "between":
      return `${n} >= ${num(f.value)} && ${n} <= ${num(f.high)}`;
    default:
      // parseFloat("") is NaN, and NaN compares false: an empty value never passes a comparison.
      return `${n} ${SYMBOL[f.op]} ${num(f.value)}`;
  }
}

function list(f: FilterRule): string {
  return `[${(f.values ?? []).map(q).join(", ")}]`;
}

/** A number as a literal (validated before generation; `NaN` shows up in review if it was not). */
function num(value: string | undefined): string {
  return String(Number(value ?? ""));
}

/** `H, L ,HH` → ["H", "L", "HH"] (commas or spaces; duplicates dropped). */
export function parseValueList(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[\s,]+/)
        .map((v) => v.trim())
        .filter((v) => v !== ""),
    ),
  ];
}

/** What a filter still lacks, or undefined when it can be generated. */
export function checkFilter(f: FilterRule): string | undefined {
  if ((f.op === "equals" || f.op === "notEquals") && f.value === undefined)
    return `the filter on ${f.path} needs a value.`;
  if ((f.op === "oneOf" || f.op === "notOneOf") && (f.values ?? []).length === 0)
    return `the filter on ${f.path} needs at least one value.`;
  if (NUMERIC_OPS.has(f.op)) {
    const bounds = f.op === "between" ? [f.value, f.high] : [f.value];
    const problem = bounds.map(checkNumber).find((p) => p !== undefined);
    if (problem) return `the filter on ${f.path} compares numbers: ${problem}`;
    if (f.op === "between" && Number(f.value) > Number(f.high))
      return `the filter on ${f.path}: the lower bound ${f.value} is above the upper bound ${f.high}.`;
  }
  return undefined;
}

/** A number as typed (`5`, `-1.5`), or why not. */
export function checkNumber(value: string | undefined): string | undefined {
  const v = (value ?? "").trim();
  return /^-?\d+(?:\.\d+)?$/.test(v) ? undefined : `"${v}" is not a number like 5 or 3.5.`;
}
