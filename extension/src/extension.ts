/**
 * MessageFoundry for VS Code — the thin client. Activation (lazy: a workspace with connections.toml,
 * an environments/ folder or a messagefoundry.config setting, or an .hl7 file) wires up the language
 * server, the commands, the custom editor, the panels and the engine views. Language work happens in
 * the server; config code only ever runs in the engine's CLI.
 */
import * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";
import { registerCodeSetCommands } from "./codesets/index.js";
import { ConfigExplorer } from "./explorer/index.js";
import { createLanguageClient, startLanguageClient } from "./lsp/index.js";
import {
  ActiveVersionSource,
  AlertsTree,
  ClusterTree,
  ConnectionsTree,
  DeadLettersTree,
  EngineSession,
  EngineStatusBar,
  EngineWatch,
  registerEngineCommands,
} from "./ops/index.js";
import { LocalEngineController, registerLocalEngineCommands } from "./ops/localEngine.js";
import { registerUserCommands } from "./ops/usersCommands.js";
import { UsersTree } from "./ops/usersTree.js";
import { registerSendCommand } from "./send/sendCommand.js";
import { makeCliRunner, type Services } from "./services.js";
import {
  CodeSetEditorProvider,
  ConnectionsEditorProvider,
  GraphPanel,
  LoadTestPanel,
  openLocation,
  ParseTreePanel,
  PromotePanel,
  registerReviewDocuments,
  StepsPanel,
  sourcesArg,
  TeeComparePanel,
  TestBenchPanel,
} from "./views/index.js";
import { openStepsTarget } from "./views/stepsCommand.js";
import { explorerNodeName, runAlertWizard, runConnectionWizard, runRouteWizard } from "./wizard/index.js";

/** The wizards that load the TypeScript compiler, imported on first use (not at activation). */
const authoring = () => import("./wizard/authoring.js");

import { pickConfigDir } from "./workspace/index.js";

let client: LanguageClient | undefined;
let localEngine: LocalEngineController | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel("MessageFoundry", { log: true });
  const session = new EngineSession(context.secrets, context.workspaceState);
  const activeVersion = new ActiveVersionSource(session);
  const services: Services = {
    extensionUri: context.extensionUri,
    languageClient: () => client,
    engine: session,
    activeVersion,
    output,
    cli: makeCliRunner(context.extensionUri, output),
  };
  const watch = new EngineWatch(session);
  const local = new LocalEngineController(context.extensionUri, session);
  localEngine = local;
  const connections = new ConnectionsTree(session, watch);
  const deadLetters = new DeadLettersTree(session, watch);
  const users = new UsersTree(session, watch);
  const alerts = new AlertsTree(session, watch);
  const cluster = new ClusterTree(session, watch);
  const statusBar = new EngineStatusBar(session, activeVersion);
  const configExplorer = new ConfigExplorer(services);
  const connectionsView = vscode.window.createTreeView("messagefoundry.connections", {
    treeDataProvider: connections,
  });
  connectionsView.onDidChangeVisibility((e) => connections.setVisible(e.visible));
  // The engine came up, went away, or the user signed in: reload both views (and the live feed).
  const engineChanged = watch.onDidChange(() => {
    // Which engine the views show (the local engine while it runs).
    connectionsView.description = session.current()?.name;
    connections.setVisible(connectionsView.visible);
    connections.refresh();
    deadLetters.refresh();
    alerts.refresh();
  });

  /** Runs a command that needs a config dir; says so instead of failing silently when there is none. */
  const withConfig =
    (fn: (dir: vscode.Uri, arg?: unknown) => Promise<void> | void) => async (arg?: unknown) => {
      // A Uri (explorer folder, a file) or a config explorer item (its config dir) says which config.
      const itemDir = (arg as { dir?: unknown } | undefined)?.dir;
      const hint = arg instanceof vscode.Uri ? arg : itemDir instanceof vscode.Uri ? itemDir : undefined;
      const dir = await pickConfigDir(client, hint);
      if (!dir) return;
      try {
        await fn(dir, arg);
      } catch (err) {
        output.error(err instanceof Error ? err.message : String(err));
        void vscode.window.showErrorMessage(err instanceof Error ? err.message : String(err));
      }
    };

  context.subscriptions.push(
    output,
    session,
    watch,
    engineChanged,
    connections,
    deadLetters,
    connectionsView,
    vscode.window.registerTreeDataProvider("messagefoundry.deadLetters", deadLetters),
    users,
    vscode.window.registerTreeDataProvider(UsersTree.viewId, users),
    ...registerUserCommands({ session, tree: users }),
    alerts,
    vscode.commands.registerCommand("messagefoundry.alerts.refresh", () => alerts.refresh()),
    cluster,
    vscode.commands.registerCommand("messagefoundry.cluster.refresh", () => cluster.refresh()),
    configExplorer,
    vscode.window.registerTreeDataProvider(ConfigExplorer.viewId, configExplorer),
    vscode.commands.registerCommand("messagefoundry.config.refresh", () => configExplorer.refresh()),
    vscode.commands.registerCommand(ConfigExplorer.revealCommand, openLocation),
    activeVersion,
    statusBar,
    // A failover or stepdown seen on the live feed: show the new roles at once.
    connections.onDidChangeRole(() => {
      cluster.refresh();
      void statusBar.refresh();
      watch.probeNow();
    }),
    local,
    ...registerLocalEngineCommands(local, () => pickConfigDir(client)),
    registerSendCommand({ local, state: context.workspaceState, output, cli: services.cli }),
    ConnectionsEditorProvider.register(context.extensionUri),
    CodeSetEditorProvider.register(context.extensionUri),
    ...registerCodeSetCommands(withConfig),
    registerReviewDocuments(),
    ...registerEngineCommands({
      extensionUri: context.extensionUri,
      session,
      connections,
      deadLetters,
      grants: () => watch.grants,
      clustered: () => watch.clustered,
      cluster,
    }),
    vscode.commands.registerCommand(
      "messagefoundry.wizard.route",
      withConfig((dir) => runRouteWizard(services, dir)),
    ),
    vscode.commands.registerCommand(
      "messagefoundry.wizard.connection",
      withConfig((dir) => runConnectionWizard(services, dir)),
    ),
    vscode.commands.registerCommand(
      "messagefoundry.wizard.alert",
      withConfig((dir) => runAlertWizard(services, dir)),
    ),
    vscode.commands.registerCommand(
      "messagefoundry.wizard.router",
      withConfig(async (dir, arg) =>
        (await authoring()).runRouterWizard(services, dir, explorerNodeName(arg)),
      ),
    ),
    vscode.commands.registerCommand(
      "messagefoundry.wizard.handler",
      withConfig(async (dir, arg) =>
        (await authoring()).runHandlerWizard(services, dir, explorerNodeName(arg)),
      ),
    ),
    vscode.commands.registerCommand(
      "messagefoundry.wizard.cloneConnection",
      withConfig(async (dir, arg) =>
        (await authoring()).runCloneConnection(services, dir, explorerNodeName(arg)),
      ),
    ),
    vscode.commands.registerCommand("messagefoundry.cookbook.insert", (arg?: unknown) =>
      // From the palette: the config of the module being edited.
      withConfig(async (dir) => (await authoring()).runCookbook(services, dir))(
        arg ?? vscode.window.activeTextEditor?.document.uri,
      ),
    ),
    vscode.commands.registerCommand(
      "messagefoundry.graph.show",
      withConfig((dir) => GraphPanel.show(services, dir)),
    ),
    vscode.commands.registerCommand(
      "messagefoundry.testBench.show",
      withConfig((dir, arg) =>
        TestBenchPanel.show(services, dir, arg instanceof vscode.Uri ? arg : undefined),
      ),
    ),
    vscode.commands.registerCommand(
      "messagefoundry.loadTest.show",
      withConfig((dir) => LoadTestPanel.show(services, dir, context.workspaceState)),
    ),
    vscode.commands.registerCommand(
      "messagefoundry.promote",
      withConfig((dir) => PromotePanel.show(services, dir)),
    ),
    vscode.commands.registerCommand("messagefoundry.steps.show", async (...args: unknown[]) => {
      try {
        const target = await openStepsTarget(client, args);
        if (target) StepsPanel.show(services, target);
        else
          void vscode.window.showInformationMessage(
            "Put the cursor in a router or handler (or pick one in the Config view or the graph) to open it as Steps.",
          );
      } catch (err) {
        void vscode.window.showErrorMessage(err instanceof Error ? err.message : String(err));
      }
    }),
    vscode.commands.registerCommand("messagefoundry.tee.compare", async (arg?: unknown) => {
      try {
        await TeeComparePanel.pickAndShow(services, sourcesArg(arg));
      } catch (err) {
        void vscode.window.showErrorMessage(err instanceof Error ? err.message : String(err));
      }
    }),
    vscode.commands.registerCommand("messagefoundry.parseTree.show", async (arg?: unknown) => {
      let editor = vscode.window.activeTextEditor;
      if (arg instanceof vscode.Uri && editor?.document.uri.toString() !== arg.toString()) {
        editor = await vscode.window.showTextDocument(arg);
      }
      if (!editor) {
        void vscode.window.showInformationMessage("Open an .hl7 or .x12 file (or select a message) first.");
        return;
      }
      ParseTreePanel.show(context.extensionUri, ParseTreePanel.fromEditor(editor));
    }),
    vscode.commands.registerCommand("messagefoundry.server.restart", async () => {
      if (client) await startLanguageClient(client, output, true);
    }),
  );

  client = createLanguageClient(context);
  // The config explorer asks the server for the graph: refresh it whenever the server (re)starts.
  context.subscriptions.push(client.onDidChangeState(() => configExplorer.refresh()));
  try {
    await startLanguageClient(client, output);
  } catch (err) {
    // The commands that do not need the server (engine, parse tree) keep working.
    output.error(`The language server did not start: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export async function deactivate(): Promise<void> {
  // A graceful stop: the local engine drains and deletes its token before VS Code goes.
  await localEngine?.stop();
  localEngine = undefined;
  await client?.stop();
  client = undefined;
}
