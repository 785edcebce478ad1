/**
 * The connections form's rules, generated from messagefoundry/graph's JSON Schemas: which inputs a
 * connection gets, how typed text becomes a setting value, and what is wrong with an entry (checked as
 * the user types). Pure; shares the engine's schema checker so the form and the loader agree.
 */
import {
  checkSchema,
  exactlyOneIssues,
  INBOUND_OPTIONS_SCHEMA,
  isEnvRef,
  isTransport,
  type JsonSchema,
  OUTBOUND_OPTIONS_SCHEMA,
  type SettingValue,
  secretSettingValues,
  TRANSPORT_SCHEMAS,
  TRANSPORTS,
} from "messagefoundry/graph";
import type { Direction, FormConnection } from "../protocol/connectionsEditor.js";

export interface FieldSpec {
  /** Where the value lives in the entry: `settings` table or a top-level option. */
  group: "settings" | "options";
  key: string;
  schema: JsonSchema;
  required: boolean;
  /** Only an env reference is allowed (passwords, tokens). */
  secret: boolean;
}

/** One problem with the entry; `path` is `name`, `transport`, `settings.port`, `options.router`... */
export interface FormIssue {
  path: string;
  message: string;
}

export function transportsFor(direction: Direction): string[] {
  return TRANSPORTS.filter((t) => {
    const dirs = (TRANSPORT_SCHEMAS[t] as JsonSchema)["x-mf-directions"];
    return !dirs || dirs.includes(direction);
  });
}

function settingsSchema(transport: string): JsonSchema | undefined {
  return isTransport(transport) ? (TRANSPORT_SCHEMAS[transport] as JsonSchema) : undefined;
}

function optionsSchema(direction: Direction): JsonSchema {
  return direction === "inbound" ? INBOUND_OPTIONS_SCHEMA : OUTBOUND_OPTIONS_SCHEMA;
}

function requiredSettings(schema: JsonSchema, direction: Direction): Set<string> {
  const extra = direction === "inbound" ? schema["x-mf-required-inbound"] : schema["x-mf-required-outbound"];
  return new Set([...(schema.required ?? []), ...(extra ?? [])]);
}

/**
 * The one direction a transport setting applies to, by the schemas' convention: a description that
 * starts with `Inbound` / `Outbound` (e.g. "Outbound: wait this long for the reply") is for that
 * direction only; any other applies to both.
 */
export function settingDirection(schema: JsonSchema): Direction | undefined {
  const text = schema.description ?? "";
  const m = /^(Inbound|Outbound)\b/.exec(text);
  if (!m) return undefined;
  // "Inbound: bind the queue… Outbound: publish to it" describes both sides.
  const other = m[1] === "Inbound" ? "Outbound" : "Inbound";
  if (new RegExp(`\\b${other}\\b`).test(text)) return undefined;
  return m[1] === "Inbound" ? "inbound" : "outbound";
}

/** The options that wire a connection into the graph (an inbound's router): shown first, with the name. */
export function isWiring(spec: FieldSpec): boolean {
  return spec.group === "options" && spec.key === "router";
}

/**
 * The inputs for a connection: its transport's settings for its direction, then its direction's options,
 * wiring first. A setting of the other direction is left out unless `settings` already holds a value for
 * it (so a misplaced value stays visible and removable).
 */
export function fieldsFor(
  direction: Direction,
  transport: string,
  settingsSet: Record<string, SettingValue> = {},
): FieldSpec[] {
  const out: FieldSpec[] = [];
  const settings = settingsSchema(transport);
  if (settings) {
    const required = requiredSettings(settings, direction);
    for (const [key, schema] of Object.entries(settings.properties ?? {})) {
      const only = settingDirection(schema);
      if (only && only !== direction && !(key in settingsSet) && !required.has(key)) continue;
      out.push({
        group: "settings",
        key,
        schema,
        required: required.has(key),
        secret: schema["x-mf-secret"] === true,
      });
    }
  }
  const options = optionsSchema(direction);
  const required = new Set(options.required ?? []);
  const opts: FieldSpec[] = Object.entries(options.properties ?? {}).map(([key, schema]) => ({
    group: "options",
    key,
    schema,
    required: required.has(key),
    secret: false,
  }));
  out.push(...opts.filter(isWiring), ...opts.filter((o) => !isWiring(o)));
  return out;
}

/**
 * Typed text → setting value for a scalar schema. Empty text means "unset" (undefined). Returns an
 * error message instead of a value when the text cannot be that type.
 */
export function parseInput(schema: JsonSchema, text: string): { value?: SettingValue; error?: string } {
  const t = text.trim();
  if (t === "") return {};
  switch (schema.type) {
    case "integer":
      return /^-?\d+$/.test(t) ? { value: Number(t) } : { error: "must be a whole number" };
    case "number":
      return Number.isFinite(Number(t)) ? { value: Number(t) } : { error: "must be a number" };
    case "boolean":
      return t === "true" || t === "false" ? { value: t === "true" } : { error: "must be true or false" };
    case "array": {
      // A list is typed as comma-separated items, e.g. allowFrom: "10.20.0.0/16, 192.168.1.20".
      const items = t.split(",").map((x) => parseInput(schema.items ?? { type: "string" }, x.trim()));
      const bad = items.find((i) => i.error !== undefined);
      if (bad) return { error: `each item ${bad.error}` };
      return { value: items.flatMap((i) => (i.value === undefined ? [] : [i.value])) };
    }
    case "object": {
      // A map without fixed keys (database statements, REST headers) is typed as a JSON object.
      let v: unknown;
      try {
        v = JSON.parse(t);
      } catch {
        return { error: 'must be a JSON object, e.g. {"name": "value"}' };
      }
      return typeof v === "object" && v !== null && !Array.isArray(v)
        ? { value: v as SettingValue }
        : { error: 'must be a JSON object, e.g. {"name": "value"}' };
    }
    default:
      return { value: text };
  }
}

/** Text shown in an input for a value (env references are edited as their key). */
export function formatValue(value: SettingValue | undefined): string {
  if (value === undefined || value === null) return "";
  if (isEnvRef(value)) return value.env;
  if (Array.isArray(value)) return value.map(formatValue).join(", ");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

const NAME_PREFIX: Record<Direction, string> = { inbound: "IB_", outbound: "OB_" };

/** Everything wrong with one entry, in form order. `others` are the document's other connections. */
export function validateConnection(
  conn: FormConnection,
  others: readonly FormConnection[],
  envKeys?: readonly string[],
): FormIssue[] {
  const issues: FormIssue[] = [];
  if (conn.name.trim() === "") issues.push({ path: "name", message: "is required" });
  else if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(conn.name)) {
    issues.push({ path: "name", message: "use letters, digits and _ (e.g. IB_ACME_ADT)" });
  } else if (!conn.name.startsWith(NAME_PREFIX[conn.direction])) {
    issues.push({
      path: "name",
      message: `${conn.direction} names start with ${NAME_PREFIX[conn.direction]} by convention`,
    });
  }
  if (others.some((o) => o !== conn && o.direction === conn.direction && o.name === conn.name)) {
    issues.push({ path: "name", message: `another ${conn.direction} is named "${conn.name}"` });
  }
  const settings = settingsSchema(conn.transport);
  if (!settings) {
    issues.push({ path: "transport", message: `must be one of ${transportsFor(conn.direction).join(", ")}` });
  } else {
    if (!transportsFor(conn.direction).includes(conn.transport)) {
      issues.push({
        path: "transport",
        message: `${conn.transport} cannot be used for an ${conn.direction}`,
      });
    }
    for (const i of [
      ...checkSchema(settings, conn.settings, isEnvRef),
      ...exactlyOneIssues(settings, conn.settings),
    ])
      issues.push({ path: i.path === "" ? "settings" : `settings.${i.path}`, message: i.message });
    for (const key of requiredSettings(settings, conn.direction)) {
      if (conn.settings[key] === undefined && !(settings.required ?? []).includes(key)) {
        issues.push({ path: `settings.${key}`, message: `is required for an ${conn.direction}` });
      }
    }
    // The loader's walk (MF-SECRET-LITERAL): nested secrets too (tls.passphrase, each REST header).
    for (const { path, value } of secretSettingValues(conn.transport, conn.settings)) {
      if (value !== undefined && !isEnvRef(value)) {
        issues.push({
          path: `settings.${path.join(".")}`,
          message: 'is a secret: use an env reference ({ env = "KEY" })',
        });
      }
    }
  }
  for (const i of checkSchema(optionsSchema(conn.direction), conn.fields, isEnvRef)) {
    issues.push({ path: `options.${i.path}`, message: i.message });
  }
  if (envKeys) {
    const check = (group: string, values: Record<string, SettingValue>) => {
      for (const [key, v] of Object.entries(values)) {
        if (isEnvRef(v) && !envKeys.includes(v.env)) {
          issues.push({
            path: `${group}.${key}`,
            message: `env key "${v.env}" is not defined in any environment file`,
          });
        }
      }
    };
    check("settings", conn.settings);
    check("options", conn.fields);
  }
  return issues;
}
