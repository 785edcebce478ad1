/**
 * The Route, Connection and Alert Wizards. model.ts is the pure part (answers → files, step validation,
 * unit-tested in Node); the flows below drive it with native QuickPick/InputBox steps (vscode).
 */

export { explorerNodeName } from "./addModel.js";
export { runAlertWizard } from "./alertWizard.js";
export { runConnectionWizard } from "./connectionWizard.js";
export { runCookbook } from "./cookbookCommand.js";
export { runHandlerWizard } from "./handlerWizard.js";
export * from "./model.js";
export { runRouterWizard } from "./routerWizard.js";
export { runRouteWizard } from "./routeWizard.js";
