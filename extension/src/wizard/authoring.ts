/**
 * The wizards that edit existing modules with the TypeScript compiler API (Router / Handler Wizards,
 * Clone Connection, Insert Recipe…). Loaded on first use (a dynamic import from extension.ts), so the
 * compiler is not loaded when the extension activates.
 */
export { runCloneConnection } from "./cloneConnection.js";
export { runCookbook } from "./cookbookCommand.js";
export { runHandlerWizard } from "./handlerWizard.js";
export { runRouterWizard } from "./routerWizard.js";
