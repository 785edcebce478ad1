/**
 * What the signed-in user may do on the engine, as VS Code context keys and view decisions: a deployer
 * sees no message views it cannot read and no Stop/Start buttons it cannot use. The permissions come
 * from the engine (GET /auth/session: the role's permissions), never from a role table kept here, so a
 * change of role on the engine is followed at the next probe. Pure: no vscode.
 */

/** Context key → the engine permission it mirrors (package.json `when` clauses use the keys). */
export const PERMISSION_KEYS = {
  "messagefoundry.can.monitor": "monitoring:read",
  "messagefoundry.can.readMessages": "messages:read",
  "messagefoundry.can.viewRaw": "messages:raw",
  "messagefoundry.can.replay": "messages:replay",
  "messagefoundry.can.controlConnections": "connections:control",
  "messagefoundry.can.stage": "config:stage",
  "messagefoundry.can.deploy": "config:deploy",
  "messagefoundry.can.manageUsers": "users:manage",
} as const;

export type PermissionKey = keyof typeof PERMISSION_KEYS;

/** The user's grants; `undefined` permissions = not signed in (nothing is granted). */
export class Grants {
  private readonly set: ReadonlySet<string>;

  constructor(permissions: readonly string[] | undefined) {
    this.set = new Set(permissions ?? []);
  }

  has(permission: string): boolean {
    return this.set.has(permission);
  }

  /** Every context key with its value, for `setContext`. */
  contextKeys(): Record<PermissionKey, boolean> {
    const out = {} as Record<PermissionKey, boolean>;
    for (const [key, permission] of Object.entries(PERMISSION_KEYS) as [PermissionKey, string][])
      out[key] = this.set.has(permission);
    return out;
  }

  /** A connection expands to its recent messages only for roles that may list them. */
  get listsMessages(): boolean {
    return this.has("messages:read");
  }

  /** Opening a message shows its body: a raw view. */
  get opensMessages(): boolean {
    return this.has("messages:raw");
  }

  /** The start/stop button a connection in `state` offers, if the role may use it. */
  controlFor(state: string): "start" | "stop" | undefined {
    if (!this.has("connections:control") || state === "removed") return undefined;
    return state === "running" ? "stop" : "start";
  }

  /** The Users & Sessions view (administrators). */
  get managesUsers(): boolean {
    return this.has("users:manage");
  }

  /** Whether the Dead Letters view has anything to show this role. */
  get seesDeadLetters(): boolean {
    return this.has("messages:read");
  }
}

export const NO_GRANTS = new Grants(undefined);
