/**
 * One registry of stable problem codes. The CLI, the API and the language server all speak these;
 * never rename a code — add a new one instead.
 */
import type { Severity } from "./types.js";

export interface CodeInfo {
  severity: Severity;
  /** One line: what the code means (shown by `--help` style listings and docs). */
  title: string;
}

export const CODES = {
  "MF-DUPLICATE-NAME": { severity: "error", title: "Two declarations of the same kind share a name" },
  "MF-UNKNOWN-ROUTER": { severity: "error", title: "An inbound names a router that is not declared" },
  "MF-UNKNOWN-HANDLER": { severity: "error", title: "A router returns a handler that is not declared" },
  "MF-UNKNOWN-OUTBOUND": { severity: "error", title: "A handler sends to an outbound that is not declared" },
  "MF-UNKNOWN-TRANSPORT": { severity: "error", title: "A connection uses a transport that does not exist" },
  "MF-PORT-CLASH": { severity: "error", title: "Two listeners bind the same port" },
  "MF-ENV-MISSING": { severity: "error", title: "An env() value is missing for the selected environment" },
  "MF-ENV-CAST": { severity: "error", title: "An env() value cannot be cast to the requested type" },
  "MF-ENV-UNKNOWN": { severity: "error", title: "The selected environment has no environments/<env>.toml" },
  "MF-SETTINGS-SCHEMA": {
    severity: "error",
    title: "Connection settings do not match the transport's schema",
  },
  "MF-SECRET-LITERAL": {
    severity: "error",
    title: "A secret setting is written as a literal instead of env()",
  },
  "MF-SECRET-IN-FILE": {
    severity: "error",
    title: "A secret's env key has a value in an environments/<env>.toml file",
  },
  "MF-OPTIONS": { severity: "error", title: "Inbound/outbound options are invalid" },
  "MF-UNREACHABLE": { severity: "warning", title: "A node no message can reach" },
  "MF-TOML-SYNTAX": { severity: "error", title: "A TOML file does not parse" },
  "MF-TOML-ENTRY": { severity: "error", title: "A connections.toml entry is malformed" },
  "MF-LOAD-BUNDLE": { severity: "error", title: "A config module does not compile" },
  "MF-LOAD-EXEC": { severity: "error", title: "A config module threw while loading" },
  "MF-LOAD-TIMEOUT": { severity: "error", title: "A staged config did not finish loading in time" },
  "MF-LOAD-LIMIT": { severity: "error", title: "A staged config exceeded its memory limit while loading" },
  "MF-DECLARATION": { severity: "error", title: "A declaration was called with invalid arguments" },
  "MF-TYPECHECK": { severity: "error", title: "TypeScript type error in the config" },
  "MF-FIXTURE": { severity: "error", title: "A tests/ fixture did not produce its expected output" },
  "MF-HL7-PATH": { severity: "error", title: "An HL7 field path does not exist in the message's version" },
  "MF-ALERT": { severity: "error", title: "An alert(...) rule is invalid (condition, duration, notify)" },
  "MF-UNKNOWN-CONNECTION": {
    severity: "error",
    title: "An alert watches or notifies a connection that is not declared",
  },
  "MF-CODESET": {
    severity: "error",
    title: "A code set file is malformed (syntax, a duplicate code, a CSV row without two fields)",
  },
  "MF-UNKNOWN-CODESET": {
    severity: "error",
    title: "codeSet(...) names a code set that has no file under codesets/",
  },
  "MF-LS-INTERNAL": {
    severity: "error",
    title: "The language server failed to analyse a file (a bug: please report it)",
  },
} as const satisfies Record<string, CodeInfo>;

export type ProblemCode = keyof typeof CODES;

export function severityOf(code: ProblemCode): Severity {
  return CODES[code].severity;
}
