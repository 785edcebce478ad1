/** The config explorer: model.ts (graph → groups, pure) and tree.ts (the view). */
export { type ExplorerGroup, type ExplorerItem, explorerGroups } from "./model.js";
export { ConfigExplorer } from "./tree.js";
