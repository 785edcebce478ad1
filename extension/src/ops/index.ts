/** Operating a running engine from VS Code: session (targets, SecretStorage token), status bar, trees, commands. */
export { ActiveVersionSource } from "./activeVersion.js";
export { AlertsTree } from "./alertsTree.js";
export { type AlertRow, type AlertsViewModel, alertsView } from "./alertView.js";
export { ClusterTree } from "./clusterTree.js";
export { registerEngineCommands } from "./commands.js";
export { EngineWatch } from "./engineWatch.js";
export { EngineSession, messageOf } from "./session.js";
export { EngineStatusBar } from "./statusBar.js";
export { ConnectionsTree, DeadLettersTree, type EngineNode } from "./trees.js";
