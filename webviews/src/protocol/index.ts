/**
 * The typed host ↔ view protocol, one union per direction per view, plus the page/CSP every view is
 * loaded into. Imported by the extension host (extension/) and by the view bundles; pure TypeScript,
 * no DOM and no vscode API.
 */
export type * from "./codeSetEditor.js";
export * from "./common.js";
export type * from "./connectionsEditor.js";
export type * from "./graph.js";
export * from "./html.js";
export type * from "./loadTest.js";
export type * from "./parseTree.js";
export type * from "./promote.js";
export type * from "./steps.js";
export type * from "./teeCompare.js";
export type * from "./testBench.js";
