/**
 * `messagefoundry/graph`: the registry graph model, its validation rules, transport JSON Schemas,
 * renderers and diff. Pure (no I/O) — safe for the language server, the extension and webviews.
 */
export { type AddressRule, parseAddressRule } from "./address.js";
export {
  ALERT_CONDITION_KEYS,
  type AlertCondition,
  type AlertConditionKind,
  type AlertIssue,
  alertRules,
  DEFAULT_ERROR_WINDOW_MS,
  DEFAULT_RENOTIFY_MS,
  formatDuration,
  parseAlertCondition,
  parseDuration,
  renotifyMs,
} from "./alerts.js";
export * from "./codes.js";
export {
  CODESET_FORMATS,
  CODESET_NAME_RE,
  type CodeSetFormat,
  type CodeSetProblem,
  type CodeSetRow,
  type CodeSetText,
  type CsvRecord,
  codeSetFileName,
  codeSetTable,
  DEFAULT_CODE,
  parseCsv,
  readCodeSetText,
} from "./codesets.js";
export { diffGraphs, type EdgeRef, type GraphDiff, type NodeChange, type NodeRef } from "./diff.js";
export {
  type CastResult,
  castEnvValue,
  ENV_CASTS,
  type EnvResolution,
  isEnvRef,
  overrideVarName,
  resolveEnvRef,
} from "./env.js";
export { amqpUrlProblem, cronProblem, timezoneProblem } from "./formats.js";
export { INSECURE_ANY_HOST_KEY, isHostKeySetting, normaliseHostKey } from "./host-key.js";
export { canonicalGraph, graphToDot, graphToJson, graphToMermaid } from "./render.js";
export * from "./rules.js";
export * from "./schemas.js";
export { suggest } from "./suggest.js";
export * from "./types.js";
export { checkSchema, exactlyOneIssues, type SchemaIssue } from "./validate-schema.js";
export { type ValueChange, valueChanges } from "./value-diff.js";
