/**
 * The Route, Connection and Alert Wizards. model.ts is the pure part (answers → files, step validation,
 * unit-tested in Node); the flows below drive it with native QuickPick/InputBox steps (vscode).
 */
export { runAlertWizard } from "./alertWizard.js";
export { runConnectionWizard } from "./connectionWizard.js";
export { runCookbook } from "./cookbookCommand.js";
export { runHandlerWizard } from "./handlerWizard.js";
export * from "./model.js";
export { runRouterWizard } from "./routerWizard.js";
export { runRouteWizard } from "./routeWizard.js";

/** The name of the config explorer item a command was run on (its context menu), if any. */
export function explorerNodeName(arg: unknown): string | undefined {
  const name = (arg as { item?: { name?: unknown } } | undefined)?.item?.name;
  return typeof name === "string" ? name : undefined;
}
