/**
 * The wizards' pure model: answers → generated files, and each step's validation against a graph.
 * No vscode import here (or below), so it is unit-tested in plain Node.
 */
export {
  type AlertAnswers,
  type AlertConditionKey,
  addAlertToModule,
  alertCall,
  alertWhen,
  CONDITION_CHOICES,
  type ConditionChoice,
  checkAlertName,
  checkConditionValue,
  checkRenotify,
  suggestAlertName,
  validateAlert,
} from "./alertModel.js";
export {
  checkFilter,
  checkNumber,
  describeFilter,
  filterLines,
  filterOver,
  NUMERIC_OPS,
  parseValueList,
} from "./filterCode.js";
export { appendToToml, connectionToml, generateConnection, generateRoute } from "./generate.js";
export { InputValidation } from "./inputValidation.js";
export { type NextStep, ROUTE_NEXT_STEPS, routeWrittenMessage } from "./nextSteps.js";
export { CONNECTIONS_EDITOR_VIEW_TYPE, howToOpen, type OpenAction, type OpenTab } from "./openPlan.js";
export { checkSchemaSetting, HAND_WRITTEN, type SchemaSetting, schemaSettings } from "./schemaSettings.js";
export { acceptedPicks, questionTitle } from "./stepRules.js";
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
  suggestFreeNames,
  suggestNames,
  validateConnection,
  validateHandler,
  validateRoute,
} from "./validate.js";
