/**
 * Pure models behind the views, usable in plain Node (the extension host uses toml-form to apply the
 * connections editor's intents and promote-flow to drive Stage → Promote). No DOM, no vscode.
 */
export * from "./connection-form.js";
export * from "./graph-layout.js";
export * from "./hl7-diff.js";
export * from "./parse-tree.js";
export * from "./parse-tree-names.js";
export * from "./promote-flow.js";
export * from "./toml-form.js";
