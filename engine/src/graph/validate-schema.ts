/** A small JSON Schema checker covering the subset our transport schemas use. Pure. */
import { parseAddressRule } from "./address.js";
import { amqpUrlProblem, cronProblem, hl7FieldPathProblem, timezoneProblem } from "./formats.js";
import { isHostKeySetting } from "./host-key.js";
import type { JsonSchema } from "./schemas.js";
import { suggest } from "./suggest.js";

export interface SchemaIssue {
  /** Setting path, e.g. `port` or `headers.X-Api`; empty for the object itself. */
  path: string;
  message: string;
}

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

/** String formats beyond ip-or-cidr: each returns why a value is not of the format, or undefined. */
const FORMATS: Record<
  "cron" | "timezone" | "amqp-url" | "ssh-host-key" | "hl7-field-path",
  (v: string) => string | undefined
> = {
  cron: (v) => {
    const why = cronProblem(v);
    return why === undefined ? undefined : `is not a valid cron expression: ${why}`;
  },
  timezone: timezoneProblem,
  "hl7-field-path": hl7FieldPathProblem,
  "amqp-url": amqpUrlProblem,
  "ssh-host-key": (v) =>
    isHostKeySetting(v)
      ? undefined
      : 'must be the host key\'s SHA-256 fingerprint ("SHA256:" and 43 base64 characters, as ssh-keygen -lf prints it) or "insecure-accept-any"',
};

/**
 * Check `value` against `schema`. `skip(value)` returns true for values that cannot be judged yet
 * (unresolved env references), which are then accepted.
 */
export function checkSchema(
  schema: JsonSchema,
  value: unknown,
  skip: (v: unknown) => boolean = () => false,
  path = "",
): SchemaIssue[] {
  if (skip(value)) return [];
  const issues: SchemaIssue[] = [];
  const actual = typeOf(value);
  if (schema.type !== undefined) {
    const ok = schema.type === actual || (schema.type === "number" && actual === "integer");
    if (!ok) return [{ path, message: `expected ${schema.type}, got ${actual}` }];
  }
  if (schema.enum !== undefined && !schema.enum.includes(value as string)) {
    issues.push({ path, message: `must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}` });
  }
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum)
      issues.push({ path, message: `must be ≥ ${schema.minimum}` });
    if (schema.maximum !== undefined && value > schema.maximum)
      issues.push({ path, message: `must be ≤ ${schema.maximum}` });
  }
  if (typeof value === "string" && schema.minLength !== undefined && value.length < schema.minLength) {
    issues.push({ path, message: "must not be empty" });
  }
  if (typeof value === "string" && schema.format === "ip-or-cidr" && parseAddressRule(value) === undefined) {
    issues.push({ path, message: "must be an IP address or CIDR block (e.g. 10.20.0.0/16)" });
  }
  if (typeof value === "string" && schema.format !== undefined && schema.format !== "ip-or-cidr") {
    const why = FORMATS[schema.format](value);
    if (why !== undefined) issues.push({ path, message: why });
  }
  if (actual === "array" && schema.items !== undefined) {
    (value as unknown[]).forEach((item, i) => {
      issues.push(...checkSchema(schema.items as JsonSchema, item, skip, join(path, String(i))));
    });
  }
  if (actual === "object") {
    const obj = value as Record<string, unknown>;
    for (const key of schema.required ?? []) {
      if (obj[key] === undefined) issues.push({ path: join(path, key), message: "is required" });
    }
    for (const rule of schema["x-mf-required-when"] ?? []) {
      if (obj[rule.key] === rule.equals && obj[rule.require] === undefined && !skip(obj[rule.key]))
        issues.push({
          path: join(path, rule.require),
          message: `is required when ${rule.key} is "${rule.equals}"`,
        });
    }
    for (const group of schema["x-mf-any-of"] ?? []) {
      if (group.every((k) => obj[k] === undefined))
        issues.push({ path: join(path, group[0]!), message: `set ${group.join(" or ")}` });
    }
    const props = schema.properties ?? {};
    for (const [key, v] of Object.entries(obj)) {
      if (v === undefined) continue;
      const sub = props[key];
      if (sub !== undefined) issues.push(...checkSchema(sub, v, skip, join(path, key)));
      else if (schema.additionalProperties === false) {
        const close = suggest(key, Object.keys(props));
        issues.push({
          path: join(path, key),
          message: `is not a known setting${close !== undefined ? ` (did you mean "${close}"?)` : ""}`,
        });
      } else if (typeof schema.additionalProperties === "object") {
        issues.push(...checkSchema(schema.additionalProperties, v, skip, join(path, key)));
      }
    }
  }
  return issues;
}

/** A schema's `x-mf-exactly-one`: none given, or a second one given (reported at that setting). */
export function exactlyOneIssues(
  schema: JsonSchema,
  settings: Readonly<Record<string, unknown>>,
): SchemaIssue[] {
  const oneOf = schema["x-mf-exactly-one"];
  if (oneOf === undefined) return [];
  const given = oneOf.filter((k) => settings[k] !== undefined);
  if (given.length === 0) return [{ path: "", message: `need one of ${oneOf.join(", ")}` }];
  return given.slice(1).map((key) => ({
    path: key,
    message: `cannot go with ${given[0]}: set exactly one of ${oneOf.join(", ")}`,
  }));
}
