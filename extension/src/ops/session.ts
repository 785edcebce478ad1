/**
 * The engine the extension is talking to: targets from `messagefoundry.engines`, the chosen one kept in
 * workspace state, and its token in SecretStorage (never in settings or logs). Sign-in asks for the
 * username, password and — when the engine requires it — a TOTP code.
 */

import type { ReauthRequest } from "messagefoundry/api";
import * as vscode from "vscode";
import { EngineClient, EngineError } from "../engine/client.js";
import { type EngineTarget, parseTargets, tokenKey } from "../engine/targets.js";
import { changeIfReset } from "./passwordPrompts.js";

const CURRENT_KEY = "messagefoundry.currentEngine";

/**
 * The local engine this window started (ops/localEngine.ts): a target that exists only while it runs,
 * with its one-run token and password held in memory (never in SecretStorage or settings).
 */
export interface LocalTarget {
  target: EngineTarget;
  token: string;
  password: string;
}

export class EngineSession implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when the target, the token or the target list changes. */
  readonly onDidChange = this.changed.event;
  private readonly configChangedEmitter = new vscode.EventEmitter<void>();
  /** Fires after this window promoted or rolled back the engine's config. */
  readonly onDidChangeConfig = this.configChangedEmitter.event;
  private readonly disposables: vscode.Disposable[] = [this.changed, this.configChangedEmitter];
  private local: LocalTarget | undefined;

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly state: vscode.Memento,
  ) {
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration("messagefoundry.engines")) this.changed.fire();
      }),
      secrets.onDidChange((e) => {
        if (e.key.startsWith("messagefoundry.token:")) this.changed.fire();
      }),
    );
  }

  targets(): EngineTarget[] {
    const { targets, problems } = parseTargets(
      vscode.workspace.getConfiguration("messagefoundry").get("engines"),
    );
    if (problems.length > 0) void vscode.window.showWarningMessage(problems.join(" "));
    return this.local ? [this.local.target, ...targets] : targets;
  }

  /** The local engine came up (the views switch to it) or went away (back to the configured targets). */
  async setLocal(local: LocalTarget | undefined): Promise<void> {
    const was = this.local;
    this.local = local;
    if (local) await this.state.update(CURRENT_KEY, local.target.name);
    else if (was && this.state.get<string>(CURRENT_KEY) === was.target.name)
      await this.state.update(CURRENT_KEY, undefined);
    this.changed.fire();
  }

  private isLocal(target: EngineTarget): boolean {
    return this.local !== undefined && this.local.target.url === target.url;
  }

  current(): EngineTarget | undefined {
    const all = this.targets();
    const name = this.state.get<string>(CURRENT_KEY);
    return all.find((t) => t.name === name) ?? all[0];
  }

  async select(): Promise<EngineTarget | undefined> {
    const target = await this.pick("Which engine?");
    if (target) {
      await this.state.update(CURRENT_KEY, target.name);
      this.changed.fire();
    }
    return target;
  }

  /** Makes `name` the engine the views show (e.g. a target just added). */
  async use(name: string): Promise<void> {
    await this.state.update(CURRENT_KEY, name);
    this.changed.fire();
  }

  async pick(placeHolder: string): Promise<EngineTarget | undefined> {
    const all = this.targets();
    if (all.length <= 1) return all[0];
    const items = all.map((t) => ({ label: t.name, description: `${t.environment} · ${t.url}`, target: t }));
    return (await vscode.window.showQuickPick(items, { placeHolder, ignoreFocusOut: true }))?.target;
  }

  async token(target: EngineTarget): Promise<string | undefined> {
    if (this.local && this.isLocal(target)) return this.local.token;
    return this.secrets.get(tokenKey(target));
  }

  /**
   * A client for the target with its stored token (which may be missing or expired). A sensitive
   * action the engine answers with REAUTH_REQUIRED asks for the password (and TOTP) and is retried.
   */
  async client(target = this.current()): Promise<EngineClient | undefined> {
    if (!target) return undefined;
    return new EngineClient({
      url: target.url,
      token: await this.token(target),
      // The local engine's one-run password answers re-authentication: no prompt on a local engine.
      reauth: (req) =>
        this.local && this.isLocal(target)
          ? Promise.resolve({ password: this.local.password })
          : this.askReauth(target, req),
    });
  }

  /** The engine now runs another config version (promote, rollback). */
  configChanged(): void {
    this.configChangedEmitter.fire();
  }

  private async askReauth(
    target: EngineTarget,
    req: { user: string; mfa: boolean },
  ): Promise<ReauthRequest | undefined> {
    const title = `Confirm it's you — ${target.name}`;
    const password = await vscode.window.showInputBox({
      title,
      prompt: `Password for ${req.user} (needed to stage, promote, roll back, view or replay messages)`,
      password: true,
      ignoreFocusOut: true,
    });
    if (!password) return undefined;
    if (!req.mfa) return { password };
    const totp = await vscode.window.showInputBox({
      title,
      prompt: "Authenticator code (TOTP)",
      validateInput: (v) => (v === "" || /^\d{6,8}$/.test(v) ? undefined : "Enter the 6-digit code."),
      ignoreFocusOut: true,
    });
    return totp ? { password, totp } : undefined;
  }

  /** A client that is signed in: the stored token, or a sign-in now. Undefined when the user gives up. */
  async signedInClient(target = this.current()): Promise<EngineClient | undefined> {
    if (!target) return undefined;
    const client = await this.client(target);
    if (client?.token) return client;
    return (await this.signIn(target)) ? this.client(target) : undefined;
  }

  async signIn(target = this.current()): Promise<boolean> {
    if (!target) return false;
    const username = await vscode.window.showInputBox({
      title: `Sign in to ${target.name}`,
      prompt: `User name on ${target.url}`,
      ignoreFocusOut: true,
    });
    if (!username) return false;
    const password = await vscode.window.showInputBox({
      title: `Sign in to ${target.name}`,
      prompt: `Password for ${username}`,
      password: true,
      ignoreFocusOut: true,
    });
    if (password === undefined) return false;
    const client = new EngineClient({ url: target.url });
    try {
      await this.store(target, await client.login({ username, password }));
      await changeIfReset(client, password);
      return true;
    } catch (err) {
      if (err instanceof EngineError && err.code === "MFA_REQUIRED") {
        const totp = await vscode.window.showInputBox({
          title: `Sign in to ${target.name}`,
          prompt: "Authenticator code (TOTP)",
          validateInput: (v) => (v === "" || /^\d{6,8}$/.test(v) ? undefined : "Enter the 6-digit code."),
          ignoreFocusOut: true,
        });
        if (!totp) return false;
        try {
          await this.store(target, await client.login({ username, password, totp }));
          await changeIfReset(client, password);
          return true;
        } catch (again) {
          void vscode.window.showErrorMessage(`Sign-in failed: ${messageOf(again)}`);
          return false;
        }
      }
      void vscode.window.showErrorMessage(`Sign-in failed: ${messageOf(err)}`);
      return false;
    }
  }

  async signOut(target = this.current()): Promise<void> {
    if (!target) return;
    const client = await this.client(target);
    if (client?.token) await client.logout().catch(() => undefined);
    await this.secrets.delete(tokenKey(target));
  }

  /** Forget a token the engine refused, so the next action asks to sign in. */
  async forget(target: EngineTarget): Promise<void> {
    await this.secrets.delete(tokenKey(target));
  }

  private async store(target: EngineTarget, token: string): Promise<void> {
    await this.secrets.store(tokenKey(target), token);
    vscode.window.setStatusBarMessage(`Signed in to ${target.name}`, 3000);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
