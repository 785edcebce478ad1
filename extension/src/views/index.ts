/** Webview hosts: one class per view bundle (dist/webviews/<id>.js), all through viewHost.ts's CSP and channel. */
export { CODESET_EDITOR_VIEW_TYPE, CodeSetEditorProvider } from "./codeSetEditor.js";
export { ConnectionsEditorProvider } from "./connectionsEditor.js";
export { GraphPanel, openLocation } from "./graphPanel.js";
export { LoadTestPanel } from "./loadTestPanel.js";
export { ParseTreePanel } from "./parseTreePanel.js";
export { PromotePanel } from "./promotePanel.js";
export { REVIEW_SCHEME, ReviewDocuments, registerReviewDocuments } from "./reviewDocuments.js";
export { StepsPanel } from "./stepsPanel.js";
export { sourcesArg, TeeComparePanel } from "./teeComparePanel.js";
export { TestBenchPanel } from "./testBenchPanel.js";
