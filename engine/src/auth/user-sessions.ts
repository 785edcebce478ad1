/**
 * Sign-in sessions as people see them: listed per user (an administrator's view) or for oneself, and
 * revoked one by one or all at once. A session is named by the first 16 hex characters of its token's
 * SHA-256 (the `session` reference the audit log already uses): enough to tell sessions apart, never
 * usable as a credential. Revoking is audited with the acting user.
 */
import { AUDIT_ACTIONS } from "./audit-actions.js";
import { AuthError } from "./errors.js";
import type { AuthPolicy } from "./policy.js";
import type { AuthOps, AuthRepository, SessionRecord } from "./repository.js";
import { type Session, sessionRef } from "./session.js";
import type { Work } from "./sql-work.js";

export interface SessionSummary {
  /** The session's reference (16 hex characters). */
  id: string;
  createdAt: number;
  lastSeenAt: number;
  lastAuthAt: number;
  /** When it ends if unused (idle timeout, capped by the absolute one). */
  expiresAt: number;
  /** Address and user agent recorded at sign-in. */
  client: string | null;
  /** The session the request itself runs in. */
  current: boolean;
}

/** A session reference: 16 lower-case hex characters. */
export const SESSION_REF = /^[0-9a-f]{16}$/;

export class UserSessions {
  readonly #repo: AuthRepository;
  readonly #policy: Pick<AuthPolicy, "sessionIdleMs" | "sessionAbsoluteMs">;
  readonly #now: () => number;

  constructor(
    repo: AuthRepository,
    policy: Pick<AuthPolicy, "sessionIdleMs" | "sessionAbsoluteMs">,
    now: () => number = Date.now,
  ) {
    this.#repo = repo;
    this.#policy = policy;
    this.#now = now;
  }

  /** The user's live sessions, newest first; `current` marks the caller's own. */
  list(userId: number, currentId?: string): Promise<SessionSummary[]> {
    const now = this.#now();
    return this.#repo.readTransaction(
      function* (this: UserSessions, tx: AuthOps): Work<SessionSummary[]> {
        return (yield* tx.listUserSessions(userId))
          .map((r) => this.#summary(r, currentId))
          .filter((s) => s.expiresAt > now);
      }.bind(this),
    );
  }

  /** Ends one of the user's sessions by reference; AUTH_SESSION_NOT_FOUND when it is not theirs. */
  revoke(actor: string, user: { id: number; name: string }, ref: string): Promise<void> {
    const now = this.#now();
    return this.#repo.transaction(function* (tx: AuthOps): Work<void> {
      const ended = SESSION_REF.test(ref) ? yield* tx.deleteUserSessionByRef(user.id, ref) : 0;
      if (ended === 0)
        throw new AuthError("AUTH_SESSION_NOT_FOUND", `user "${user.name}" has no session ${ref}`);
      yield* tx.appendAudit(
        {
          actor,
          action: AUDIT_ACTIONS.sessionRevoked,
          target: `user:${user.name}`,
          details: { session: ref },
        },
        now,
      );
    });
  }

  /** Ends the user's sessions, all of them or all but `keep` (the caller's own); returns how many. */
  revokeAll(actor: string, user: { id: number; name: string }, keep?: Session): Promise<number> {
    const now = this.#now();
    return this.#repo.transaction(function* (tx: AuthOps): Work<number> {
      const ended =
        keep === undefined
          ? yield* tx.deleteUserSessions(user.id)
          : yield* tx.deleteOtherSessions(user.id, keep.id);
      yield* tx.appendAudit(
        {
          actor,
          action: AUDIT_ACTIONS.sessionRevoked,
          target: `user:${user.name}`,
          details: { all: true, kept: keep === undefined ? null : sessionRef(keep.id), sessionsEnded: ended },
        },
        now,
      );
      return ended;
    });
  }

  #summary(r: SessionRecord, currentId: string | undefined): SessionSummary {
    return {
      id: sessionRef(r.tokenHash),
      createdAt: r.createdAt,
      lastSeenAt: r.lastSeenAt,
      lastAuthAt: r.lastAuthAt,
      expiresAt: Math.min(
        r.lastSeenAt + this.#policy.sessionIdleMs,
        r.createdAt + this.#policy.sessionAbsoluteMs,
      ),
      client: r.client,
      current: r.tokenHash === currentId,
    };
  }
}
