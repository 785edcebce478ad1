/**
 * API tokens for automation (a CI pipeline that promotes cannot answer an MFA prompt): named, scoped
 * to permissions the creator holds, expiring, revocable, audited, and shown once — only the SHA-256
 * of a token is stored. A token acts as its owner within its scope; the owner's current role still
 * bounds it (a demoted or disabled owner's tokens lose what the owner lost). It can never manage
 * users or tokens, and it may do actions that need a recent re-authentication (stage, promote,
 * rollback, raw view, replay) only when made `sensitive` — its creation needed one instead.
 */
import { AUDIT_ACTIONS } from "./audit-actions.js";
import { AuthError } from "./errors.js";
import { isPermission, isRole, PERMISSIONS, type Permission } from "./permissions.js";
import type { ApiTokenRecord, AuthOps, AuthRepository, UserRecord } from "./repository.js";
import { holds, type Session, sessionRef } from "./session.js";
import type { Work } from "./sql-work.js";
import { hashToken, newApiToken } from "./tokens.js";

/** The longest a token may live. */
export const API_TOKEN_MAX_DAYS = 366;
const DAY_MS = 86_400_000;

export interface NewApiTokenRequest {
  name: string;
  /** The scope; each must be held by the creator. `messages:raw` only when listed here. */
  permissions: readonly string[];
  expiresInDays: number;
  sensitive?: boolean | undefined;
}

export interface CreatedApiToken {
  /** The bearer token. Shown once; only its hash is stored. */
  token: string;
  record: ApiTokenRecord;
}

/** What authenticating an API token found. */
export type LiveToken = { token: ApiTokenRecord; user: UserRecord } | "invalid" | "expired";

/** Refuses a request signed in with an API token (user and token management need a person). */
export function requirePersonalSession(session: Pick<Session, "credential">, what: string): void {
  if (session.credential === "token") {
    throw new AuthError("AUTH_TOKEN_NOT_ALLOWED", `an API token cannot ${what}; sign in as a user`);
  }
}

/** Checks a request against the creator's session: name, scope within its permissions, lifetime. */
function checkRequest(session: Session, req: NewApiTokenRequest): Permission[] {
  const name = req.name.trim();
  if (name === "" || name.length > 64 || /\p{Cc}/u.test(name)) {
    throw new AuthError("AUTH_TOKEN_SCOPE", "a token name is 1 to 64 printable characters");
  }
  if (
    !Number.isInteger(req.expiresInDays) ||
    req.expiresInDays < 1 ||
    req.expiresInDays > API_TOKEN_MAX_DAYS
  ) {
    throw new AuthError(
      "AUTH_TOKEN_SCOPE",
      `expiresInDays must be a whole number from 1 to ${API_TOKEN_MAX_DAYS}`,
    );
  }
  if (req.permissions.length === 0) {
    throw new AuthError("AUTH_TOKEN_SCOPE", "name the permissions the token may use");
  }
  for (const p of req.permissions) {
    if (!isPermission(p) || !holds(session, p)) {
      throw new AuthError(
        "AUTH_TOKEN_SCOPE",
        `you cannot give a token ${JSON.stringify(p)}: you do not hold it`,
      );
    }
  }
  return PERMISSIONS.filter((p) => req.permissions.includes(p));
}

export class ApiTokens {
  readonly #repo: AuthRepository;
  readonly #now: () => number;

  constructor(repo: AuthRepository, opts: { now?: () => number } = {}) {
    this.#repo = repo;
    this.#now = opts.now ?? Date.now;
  }

  /** Makes a token for the session's user (a personal session only; the route also wants a recent re-auth). */
  async create(session: Session, req: NewApiTokenRequest): Promise<CreatedApiToken> {
    requirePersonalSession(session, "create API tokens");
    const permissions = checkRequest(session, req);
    const now = this.#now();
    const token = newApiToken();
    const draft = {
      tokenHash: hashToken(token),
      userId: session.userId,
      name: req.name.trim(),
      permissions,
      sensitive: req.sensitive === true,
      createdAt: now,
      expiresAt: now + req.expiresInDays * DAY_MS,
    };
    const record = await this.#repo.transaction(function* (tx: AuthOps): Work<ApiTokenRecord> {
      const created = yield* tx.insertApiToken(draft);
      yield* tx.appendAudit(
        {
          actor: session.username,
          action: AUDIT_ACTIONS.tokenCreated,
          target: `user:${session.username}`,
          details: {
            tokenId: created.id,
            name: created.name,
            permissions,
            sensitive: created.sensitive,
            expiresAt: new Date(created.expiresAt).toISOString(),
            session: sessionRef(session.id),
          },
        },
        now,
      );
      return created;
    });
    return { token, record };
  }

  list(userId: number): Promise<ApiTokenRecord[]> {
    return this.#repo.readTransaction((tx) => tx.listApiTokens(userId));
  }

  /** Revokes one of the user's tokens; AUTH_TOKEN_NOT_FOUND when it is not theirs. Revoking twice is a no-op. */
  revoke(actor: string, user: Pick<UserRecord, "id" | "name">, tokenId: number): Promise<void> {
    const now = this.#now();
    return this.#repo.transaction(function* (tx: AuthOps): Work<void> {
      const found = (yield* tx.listApiTokens(user.id)).find((t) => t.id === tokenId);
      if (!found) throw new AuthError("AUTH_TOKEN_NOT_FOUND", `user "${user.name}" has no token ${tokenId}`);
      if (found.revokedAt !== null) return;
      yield* tx.updateApiToken(found.id, { revokedAt: now });
      yield* tx.appendAudit(
        {
          actor,
          action: AUDIT_ACTIONS.tokenRevoked,
          target: `user:${user.name}`,
          details: { tokenId: found.id, name: found.name },
        },
        now,
      );
    });
  }
}

/** The token and its owner when the token is usable now (recording its use when `touch`). */
export function* liveApiToken(tx: AuthOps, tokenHash: string, now: number, touch: boolean): Work<LiveToken> {
  const token = yield* tx.findApiToken(tokenHash);
  if (!token || token.revokedAt !== null) return "invalid";
  if (now >= token.expiresAt) return "expired";
  const user = yield* tx.findUserById(token.userId);
  if (!user || user.disabled || !isRole(user.role)) return "invalid";
  if (touch) {
    yield* tx.updateApiToken(token.id, { lastUsedAt: now });
    token.lastUsedAt = now;
  }
  return { token, user };
}
