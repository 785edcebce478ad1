/**
 * Engine commands: pick the engine, sign in/out, start/stop a connection, browse and open messages
 * (the raw body is fetched — and audited by the engine — only when the user opens one), replay, and
 * roll back the running config.
 */

import * as vscode from "vscode";
import { type EngineClient, rawText } from "../engine/client.js";
import { atLeader, clusterStatusOf } from "../engine/cluster.js";
import { runRollback, versionLabel } from "../promote/index.js";
import { ParseTreePanel } from "../views/parseTreePanel.js";
import { askRemovedQueued } from "../views/removedQueuedPrompt.js";
import { whereItWent } from "./clusterView.js";
import { addTarget } from "./engineState.js";
import { findMessages } from "./findMessages.js";
import { guardedBy } from "./guarded.js";
import type { Grants } from "./permissions.js";
import type { EngineSession } from "./session.js";
import type { ConnectionsTree, DeadLettersTree, EngineNode } from "./trees.js";

export function registerEngineCommands(deps: {
  extensionUri: vscode.Uri;
  session: EngineSession;
  connections: ConnectionsTree;
  deadLetters: DeadLettersTree;
  /** What the signed-in user may do (the engine watch's last answer). */
  grants: () => Grants;
  /** The current target is a cluster (the engine watch's last answer). */
  clustered: () => boolean;
  /** The Engine Nodes view, reloaded after a stepdown. */
  cluster: { refresh(): void };
}): vscode.Disposable[] {
  const { session } = deps;
  const refreshAll = () => {
    deps.connections.refresh();
    deps.deadLetters.refresh();
  };
  const guarded = guardedBy(session);
  /** A write goes to the leader of a clustered target (a standby would refuse it with NOT_LEADER). */
  const onLeader = async <T>(client: EngineClient, work: (leader: EngineClient) => Promise<T>) =>
    (await atLeader(client, work)).result;
  const messageId = (node: EngineNode | undefined): number | undefined =>
    node?.kind === "message" ? node.message.id : node?.kind === "deadLetter" ? node.row.messageId : undefined;

  const openMessage = async (id: number, label: string) => {
    const client = await session.signedInClient();
    if (!client) return;
    const raw = await guarded(() => client.rawMessage(id));
    if (raw === undefined) return;
    ParseTreePanel.show(deps.extensionUri, { text: rawText(raw), baseOffset: 0, title: label });
  };

  return [
    vscode.commands.registerCommand("messagefoundry.engine.menu", async () => {
      const target = session.current();
      const token = target ? await session.token(target) : undefined;
      const pick = await vscode.window.showQuickPick(
        [
          { label: "$(server) Select engine…", id: "select" },
          token
            ? { label: "$(sign-out) Sign out", id: "signOut" }
            : { label: "$(sign-in) Sign in…", id: "signIn" },
          ...(token
            ? [
                { label: "$(vm) My sessions…", id: "mySessions" },
                { label: "$(key) Change password…", id: "changePassword" },
              ]
            : []),
          // Offered only to roles the engine would let do it.
          ...(deps.grants().has("messages:read") ? [{ label: "$(search) Find messages…", id: "find" }] : []),
          ...(deps.grants().has("config:deploy")
            ? [{ label: "$(history) Roll back config…", id: "rollback" }]
            : []),
          ...(deps.grants().has("config:deploy") && deps.clustered()
            ? [{ label: "$(debug-step-out) Step down leader…", id: "stepDown" }]
            : []),
        ],
        {
          placeHolder: target
            ? `${target.name} (${target.environment}) — ${target.url}`
            : "No engine configured",
        },
      );
      if (pick) await vscode.commands.executeCommand(`messagefoundry.engine.${pick.id}`);
    }),
    vscode.commands.registerCommand("messagefoundry.engine.select", () => session.select()),
    vscode.commands.registerCommand("messagefoundry.engine.add", () => addEngineTarget(session)),
    vscode.commands.registerCommand("messagefoundry.engine.signIn", async () => {
      if (await session.signIn()) refreshAll();
    }),
    vscode.commands.registerCommand("messagefoundry.engine.signOut", () => session.signOut()),
    vscode.commands.registerCommand("messagefoundry.engine.refresh", refreshAll),
    vscode.commands.registerCommand("messagefoundry.connection.start", async (node?: EngineNode) => {
      if (node?.kind !== "connection") return;
      const client = await session.signedInClient();
      if (
        client &&
        (await guarded(() => onLeader(client, (c) => c.startConnection(node.status.name)))) !== undefined
      )
        refreshAll();
    }),
    vscode.commands.registerCommand("messagefoundry.connection.stop", async (node?: EngineNode) => {
      if (node?.kind !== "connection") return;
      const client = await session.signedInClient();
      if (
        client &&
        (await guarded(() => onLeader(client, (c) => c.stopConnection(node.status.name)))) !== undefined
      )
        refreshAll();
    }),
    vscode.commands.registerCommand("messagefoundry.message.open", async (node?: EngineNode) => {
      const id = messageId(node);
      if (id !== undefined) await openMessage(id, `Message ${id} (${session.current()?.name ?? "engine"})`);
    }),
    vscode.commands.registerCommand("messagefoundry.message.replay", async (node?: EngineNode) => {
      const id = messageId(node);
      if (id === undefined) return;
      const ok = await vscode.window.showWarningMessage(`Replay message ${id}?`, { modal: true }, "Replay");
      if (ok !== "Replay") return;
      const client = await session.signedInClient();
      if (client && (await guarded(() => onLeader(client, (c) => c.replay(id)))) !== undefined) {
        vscode.window.setStatusBarMessage(`Message ${id} queued for replay`, 3000);
        refreshAll();
      }
    }),
    vscode.commands.registerCommand("messagefoundry.engine.find", async () => {
      const client = await session.signedInClient();
      if (client) await findMessages({ client, guarded, open: (id) => openMessage(id, `Message ${id}`) });
    }),
    vscode.commands.registerCommand("messagefoundry.engine.stepDown", async () => {
      const client = await session.signedInClient();
      const name = session.current()?.name ?? "the engine";
      if (!client) return;
      const status = await guarded(() => clusterStatusOf(client));
      if (!status) return;
      if (!status.clustered) {
        void vscode.window.showInformationMessage(
          `${name} is a single engine, not a cluster: it has no leader to step down.`,
        );
        return;
      }
      const ok = await vscode.window.showWarningMessage(
        `Step down the leader of ${name}? It stops intake and hands over to a standby within about one heartbeat; senders reconnect through the VIP.`,
        { modal: true },
        "Step Down",
      );
      if (ok !== "Step Down") return;
      // The leader, not necessarily the node the target reaches; re-authentication is asked for there.
      const sent = await guarded(() => atLeader(client, (leader) => leader.stepDown()));
      if (!sent) return;
      void vscode.window.showInformationMessage(
        `Leader ${sent.node.nodeId} stepped down${sent.node.followed ? ` (${sent.node.followed.apiUrl})` : ""}: a standby takes over within about one heartbeat.`,
      );
      deps.cluster.refresh();
      session.configChanged();
    }),
    vscode.commands.registerCommand("messagefoundry.engine.rollback", async () => {
      const client = await session.signedInClient();
      if (!client) return;
      const result = await runRollback({
        client,
        askRemovedQueued: (items) => askRemovedQueued(items, "rollback"),
        pickVersion: async (history, active) => {
          const pick = await vscode.window.showQuickPick(
            history
              .filter((h) => h.versionId !== active?.versionId)
              .map((h) => ({
                label: h.versionId,
                description: [h.promotedBy, h.promotedAt].filter(Boolean).join(" · "),
                version: h,
              })),
            // Kept open when focus moves (a webview taking focus back would otherwise cancel it unseen).
            {
              placeHolder: `Roll back from ${active?.versionId ?? "the running config"} to…`,
              ignoreFocusOut: true,
            },
          );
          if (!pick) return undefined;
          const ok = await vscode.window.showWarningMessage(
            `Roll back ${session.current()?.name ?? "the engine"} to ${pick.label}?`,
            { modal: true },
            "Roll back",
          );
          return ok === "Roll back" ? pick.version : undefined;
        },
      });
      if (result.ok) {
        session.configChanged();
        void vscode.window.showInformationMessage(
          `Config ${versionLabel(result.active)} is now active${whereItWent(result.node, session.current()?.name ?? "the target")}.`,
        );
      } else if (result.message !== "Rollback cancelled.")
        void vscode.window.showErrorMessage(result.message);
    }),
  ];
}

/**
 * Adds an engine target to the `messagefoundry.engines` user setting through three inputs (name, URL,
 * environment) and makes it the current one. Tokens never go there: signing in stores them as secrets.
 */
async function addEngineTarget(session: EngineSession): Promise<void> {
  const config = vscode.workspace.getConfiguration("messagefoundry");
  const taken = new Set(session.targets().map((t) => t.name));
  const name = await vscode.window.showInputBox({
    title: "Add Engine Target (1/3): name",
    prompt: "A name for this engine, e.g. local, staging, prod",
    value: taken.has("local") ? "" : "local",
    ignoreFocusOut: true,
    validateInput: (v) =>
      v.trim() === ""
        ? "Give it a name."
        : taken.has(v.trim())
          ? `"${v.trim()}" is already a target.`
          : undefined,
  });
  if (!name) return;
  const url = await vscode.window.showInputBox({
    title: "Add Engine Target (2/3): URL",
    prompt: "The engine's API base URL",
    value: "http://127.0.0.1:8765",
    ignoreFocusOut: true,
    validateInput: (v) => {
      try {
        return ["http:", "https:"].includes(new URL(v.trim()).protocol) ? undefined : "Use an http(s) URL.";
      } catch {
        return "Use an http(s) URL, e.g. http://127.0.0.1:8765.";
      }
    },
  });
  if (!url) return;
  const environment = await vscode.window.showInputBox({
    title: "Add Engine Target (3/3): environment",
    prompt: "The environment this engine runs (environments/<env>.toml), e.g. dev",
    value: "dev",
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim() === "" ? "Name the environment, e.g. dev." : undefined),
  });
  if (!environment) return;
  const r = addTarget(config.get("engines"), {
    name: name.trim(),
    url: url.trim(),
    environment: environment.trim(),
  });
  if ("error" in r) {
    void vscode.window.showErrorMessage(r.error);
    return;
  }
  await config.update("engines", r.value, vscode.ConfigurationTarget.Global);
  await session.use(name.trim());
}
