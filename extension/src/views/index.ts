/** Webview hosts: one class per view bundle (dist/webviews/<id>.js), all through viewHost.ts's CSP and channel. */
export { ConnectionsEditorProvider } from "./connectionsEditor.js";
export { GraphPanel, openLocation } from "./graphPanel.js";
export { ParseTreePanel } from "./parseTreePanel.js";
export { PromotePanel } from "./promotePanel.js";
export { REVIEW_SCHEME, ReviewDocuments, registerReviewDocuments } from "./reviewDocuments.js";
export { sourcesArg, TeeComparePanel } from "./teeComparePanel.js";
export { TestBenchPanel } from "./testBenchPanel.js";
