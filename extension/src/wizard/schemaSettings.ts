/**
 * Settings the wizards ask for transports without hand-written steps (sftp, ftp, ftps, …), read from the
 * transport's JSON Schema in messagefoundry/graph: its required settings for the direction, and one of
 * each "set one of" group. Secret settings are asked as env:KEY only (secrets never sit in a file). Pure.
 */
import { isTransport, type JsonSchema, TRANSPORT_SCHEMAS } from "messagefoundry/graph";
import type { Direction, SettingInput } from "./types.js";

/** Transports whose settings the wizard steps ask by hand (connectionSteps.ts); the others follow their schema. */
export const HAND_WRITTEN: ReadonlySet<string> = new Set([
  "mllp",
  "tcp",
  "http",
  "rest",
  "file",
  "loopback",
  "soap",
  "smtp",
  "amqp",
  "timer",
  "database",
]);

export interface SchemaSetting {
  key: string;
  description: string;
  type: "string" | "integer";
  secret: boolean;
  /** The schema's enum, when the value is one of a list. */
  choices?: readonly string[];
}

/** The settings to ask for `transport` in `direction`, in the schema's order; [] for an unknown transport. */
export function schemaSettings(transport: string, direction: Direction): SchemaSetting[] {
  if (!isTransport(transport)) return [];
  const schema: JsonSchema = TRANSPORT_SCHEMAS[transport];
  const props: Record<string, JsonSchema> = schema.properties ?? {};
  const keys = new Set<string>([
    ...(schema.required ?? []),
    ...((direction === "inbound" ? schema["x-mf-required-inbound"] : schema["x-mf-required-outbound"]) ?? []),
  ]);
  for (const group of schema["x-mf-any-of"] ?? []) if (!group.some((k) => keys.has(k))) keys.add(group[0]!);
  return [...keys].map((key) => {
    const p = props[key] ?? {};
    return {
      key,
      description: p.description ?? key,
      type: p.type === "integer" ? "integer" : "string",
      secret: p["x-mf-secret"] === true,
      ...(p.enum !== undefined ? { choices: p.enum.map(String) } : {}),
    };
  });
}

/** Why a typed value does not fit the setting, or undefined. `env:KEY` always fits, and is required for secrets. */
export function checkSchemaSetting(s: SchemaSetting, typed: string): string | undefined {
  const v = typed.trim();
  if (/^env:[A-Za-z_][A-Za-z0-9_]*$/.test(v)) return undefined;
  if (s.secret) return `${s.key} is a secret: write env:KEY (its value comes from MEFOR_VALUE_KEY).`;
  if (v === "") return "A value is required (or env:KEY).";
  if (s.type === "integer" && !/^\d+$/.test(v)) return "A whole number (or env:KEY).";
  if (s.choices && !s.choices.includes(v)) return `One of ${s.choices.join(", ")} (or env:KEY).`;
  return undefined;
}

/** The typed value as a setting: numbers for integer settings, text otherwise (env:KEY kept as typed). */
export function schemaSettingValue(s: SchemaSetting, typed: string): SettingInput {
  const v = typed.trim();
  return s.type === "integer" && /^\d+$/.test(v) ? Number(v) : v;
}
