/**
 * The wizards' pure model: answers → generated files, and each step's validation against a graph.
 * No vscode import here (or below), so it is unit-tested in plain Node.
 */
export { appendToToml, connectionToml, generateConnection, generateRoute } from "./generate.js";
export { InputValidation } from "./inputValidation.js";
export { CONNECTIONS_EDITOR_VIEW_TYPE, howToOpen, type OpenAction, type OpenTab } from "./openPlan.js";
export { checkSchemaSetting, HAND_WRITTEN, type SchemaSetting, schemaSettings } from "./schemaSettings.js";
export * from "./types.js";
export {
  checkConnectionName,
  checkFieldPath,
  checkFunctionName,
  checkModuleFile,
  checkPort,
  PREFIX,
  parseEnvInput,
  parseMessageTypes,
  type StepIssue,
  suggestNames,
  validateConnection,
  validateHandler,
  validateRoute,
} from "./validate.js";
