/**
 * The Route, Connection and Alert Wizards. model.ts is the pure part (answers → files, step validation,
 * unit-tested in Node); the flows below drive it with native QuickPick/InputBox steps (vscode).
 */
export { runAlertWizard } from "./alertWizard.js";
export { runConnectionWizard } from "./connectionWizard.js";
export * from "./model.js";
export { runRouteWizard } from "./routeWizard.js";
