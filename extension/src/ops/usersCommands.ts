/**
 * Commands of the Users & Sessions view (administrators) and, for everyone, My Sessions and Change
 * Password. One-time passwords and TOTP secrets are shown once in a modal with copy buttons and kept
 * nowhere by the extension. Every change may ask for the password again (the engine wants a recent
 * re-authentication) — the client's re-auth prompt handles that.
 */
import * as vscode from "vscode";
import type { EngineClient } from "../engine/client.js";
import { guardedBy } from "./guarded.js";
import { askNewPassword } from "./passwordPrompts.js";
import type { EngineSession } from "./session.js";
import { credentialsNotice, mySessionPicks, roleChoices } from "./usersModel.js";
import type { UsersNode, UsersTree } from "./usersTree.js";

/** User names the engine accepts (auth/username.ts): letters, digits, `.`, `_`, `-`, `@`. */
const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

/** Shows the shown-once notice until dismissed; each button copies its value. */
async function showOnce(name: string, issued: Parameters<typeof credentialsNotice>[1]): Promise<void> {
  const notice = credentialsNotice(name, issued);
  for (;;) {
    const pick = await vscode.window.showInformationMessage(
      notice.message,
      { modal: true, detail: notice.detail },
      ...notice.copies.map((c) => c.button),
    );
    const copy = notice.copies.find((c) => c.button === pick);
    if (!copy) return;
    try {
      await vscode.env.clipboard.writeText(copy.value);
      vscode.window.setStatusBarMessage(`${copy.button.replace("Copy ", "")} copied`, 3000);
    } catch {
      // A browser-hosted VS Code may refuse the clipboard: the text stays readable in the notice.
      void vscode.window.showWarningMessage("Could not copy; select the text in the notice instead.");
    }
    if (notice.copies.length === 1) return;
  }
}

async function confirm(question: string, action: string): Promise<boolean> {
  return (await vscode.window.showWarningMessage(question, { modal: true }, action)) === action;
}

export function registerUserCommands(deps: { session: EngineSession; tree: UsersTree }): vscode.Disposable[] {
  const { session, tree } = deps;
  const guarded = guardedBy(session);
  /** Runs `work` with a signed-in client, then refreshes the view when it succeeded. */
  const act = async <T>(work: (client: EngineClient) => Promise<T>): Promise<T | undefined> => {
    const client = await session.signedInClient();
    if (!client) return undefined;
    const result = await guarded(() => work(client));
    if (result !== undefined) tree.refresh();
    return result;
  };
  const userOf = (node?: UsersNode) => (node?.kind === "user" ? node.user : undefined);

  return [
    vscode.commands.registerCommand("messagefoundry.users.refresh", () => tree.refresh()),
    vscode.commands.registerCommand("messagefoundry.users.add", async () => {
      const name = await vscode.window.showInputBox({
        title: "Add User (1/2): name",
        prompt: "Sign-in name (letters, digits, . _ - @)",
        ignoreFocusOut: true,
        validateInput: (v) => (USERNAME.test(v.trim()) ? undefined : "Letters, digits, . _ - @ (up to 64)."),
      });
      if (!name) return;
      const role = await vscode.window.showQuickPick(roleChoices(), {
        title: "Add User (2/2): role",
        ignoreFocusOut: true,
      });
      if (!role) return;
      const added = await act((c) => c.addUser(name.trim(), role.label));
      if (added) await showOnce(added.user.name, added);
    }),
    vscode.commands.registerCommand("messagefoundry.users.disable", async (node?: UsersNode) => {
      const user = userOf(node);
      if (user && (await confirm(`Disable ${user.name}? Their sessions end at once.`, "Disable")))
        await act((c) => c.setUserEnabled(user.name, false));
    }),
    vscode.commands.registerCommand("messagefoundry.users.enable", async (node?: UsersNode) => {
      const user = userOf(node);
      if (user) await act((c) => c.setUserEnabled(user.name, true));
    }),
    vscode.commands.registerCommand("messagefoundry.users.setRole", async (node?: UsersNode) => {
      const user = userOf(node);
      if (!user) return;
      const role = await vscode.window.showQuickPick(roleChoices(user.role), {
        title: `Role of ${user.name}`,
        ignoreFocusOut: true,
      });
      if (role && role.label !== user.role) await act((c) => c.setUserRole(user.name, role.label));
    }),
    vscode.commands.registerCommand("messagefoundry.users.resetPassword", async (node?: UsersNode) => {
      const user = userOf(node);
      if (!user || !(await confirm(`Reset the password of ${user.name}? Their sessions end.`, "Reset")))
        return;
      const reset = await act((c) => c.resetPassword(user.name));
      if (reset) await showOnce(user.name, reset);
    }),
    vscode.commands.registerCommand("messagefoundry.users.resetMfa", async (node?: UsersNode) => {
      const user = userOf(node);
      if (
        !user ||
        !(await confirm(`Reset MFA of ${user.name}? The old authenticator stops working.`, "Reset"))
      )
        return;
      const reset = await act((c) => c.resetMfa(user.name));
      if (reset) await showOnce(user.name, reset);
    }),
    vscode.commands.registerCommand("messagefoundry.users.revokeSession", async (node?: UsersNode) => {
      if (node?.kind !== "session") return;
      await act(async (c) => {
        await c.revokeUserSession(node.user, node.session.id);
        return true;
      });
    }),
    vscode.commands.registerCommand("messagefoundry.users.revokeAllSessions", async (node?: UsersNode) => {
      const user = userOf(node);
      if (user && (await confirm(`End every session of ${user.name}?`, "End sessions")))
        await act((c) => c.revokeUserSessions(user.name));
    }),
    vscode.commands.registerCommand("messagefoundry.engine.mySessions", async () => {
      const client = await session.signedInClient();
      const sessions = client && (await guarded(() => client.mySessions()));
      if (!client || !sessions) return;
      const pick = await vscode.window.showQuickPick(mySessionPicks(sessions), {
        title: `My sessions on ${session.current()?.name ?? "the engine"}`,
        placeHolder: "Pick a session to end it (this one stays)",
      });
      if (pick?.all) {
        const ended = await guarded(() => client.revokeMyOtherSessions());
        if (ended !== undefined) vscode.window.setStatusBarMessage(`${ended} session(s) ended`, 3000);
      } else if (pick?.sessionId !== undefined) {
        const id = pick.sessionId;
        if ((await guarded(() => client.revokeMySession(id).then(() => true))) === true)
          vscode.window.setStatusBarMessage("Session ended", 3000);
      }
    }),
    vscode.commands.registerCommand("messagefoundry.engine.changePassword", async () => {
      const client = await session.signedInClient();
      if (!client) return;
      const current = await vscode.window.showInputBox({
        title: "Change password",
        prompt: "Current password",
        password: true,
        ignoreFocusOut: true,
      });
      if (!current) return;
      const next = await askNewPassword("Change password");
      if (!next) return;
      const totp = (await client.session()).user.mfa
        ? await vscode.window.showInputBox({
            title: "Change password",
            prompt: "Authenticator code (TOTP), if the engine asks for one; leave empty otherwise",
            ignoreFocusOut: true,
          })
        : undefined;
      const done = await guarded(() =>
        client.changePassword({ currentPassword: current, newPassword: next, ...(totp && { totp }) }),
      );
      if (done) void vscode.window.showInformationMessage("Password changed; your other sessions ended.");
    }),
  ];
}
