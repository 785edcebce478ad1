/**
 * The Users & Sessions view and the My Sessions command, as plain data: what a user row and a session
 * row say, which actions a row offers, and the shown-once notice for a one-time password or a TOTP
 * enrolment. Pure (no vscode): the tree and the commands render what these return.
 */
import type { AddUserResult, MfaEnrolment, SessionView, UserView } from "messagefoundry/api";
import { ROLES } from "messagefoundry/api";

/** One line under the name: role, state, MFA, sessions. */
export function userDescription(u: UserView): string {
  const parts = [u.role];
  if (u.disabled) parts.push("disabled");
  parts.push(u.mfaEnrolled ? "MFA on" : "no MFA");
  if (u.mustChangePassword) parts.push("must change password");
  if (u.lockedUntil) parts.push("locked");
  parts.push(u.activeSessions === 1 ? "1 session" : `${u.activeSessions} sessions`);
  return parts.join(" · ");
}

export function userTooltip(u: UserView): string {
  return [
    `${u.name} — ${u.role}${u.disabled ? " (disabled)" : ""}`,
    `MFA: ${u.mfaEnrolled ? "enrolled" : "not enrolled"}`,
    `Last sign-in: ${u.lastLoginAt ?? "never"}`,
    `Password changed: ${u.passwordChangedAt}${u.mustChangePassword ? " (one-time: must be changed)" : ""}`,
    ...(u.lockedUntil ? [`Locked after failed sign-ins until ${u.lockedUntil}`] : []),
  ].join("\n");
}

/** `user.enabled` / `user.disabled`: package.json offers Disable or Enable from it. */
export function userContext(u: UserView): "user.enabled" | "user.disabled" {
  return u.disabled ? "user.disabled" : "user.enabled";
}

/** "this session · 127.0.0.1 node · since 09:00:00Z · seen 09:12:00Z". */
export function sessionDescription(s: SessionView): string {
  return [
    s.current ? "this session" : undefined,
    s.client ?? "unknown client",
    `since ${s.createdAt}`,
    `seen ${s.lastSeenAt}`,
  ]
    .filter((p): p is string => p !== undefined)
    .join(" · ");
}

/** The label of a session row: its short id. */
export function sessionLabel(s: SessionView): string {
  return `Session ${s.id.slice(0, 8)}`;
}

/** What the My Sessions pick offers: every other session, revocable; this one listed, not revocable. */
export interface SessionPick {
  label: string;
  description: string;
  /** undefined for this session and for "end all others". */
  sessionId?: string;
  all?: true;
}

export function mySessionPicks(sessions: readonly SessionView[]): SessionPick[] {
  const others = sessions.filter((s) => !s.current);
  const picks: SessionPick[] = sessions.map((s) => ({
    label: `${s.current ? "$(check) " : "$(close) "}${sessionLabel(s)}`,
    description: sessionDescription(s),
    ...(!s.current && { sessionId: s.id }),
  }));
  if (others.length > 1)
    picks.push({
      label: "$(close-all) End all other sessions",
      description: `${others.length} sessions`,
      all: true,
    });
  return picks;
}

/** Roles to pick from, the user's current one first-marked. */
export function roleChoices(current?: string): { label: string; description?: string }[] {
  return ROLES.map((role) => ({ label: role, ...(role === current && { description: "current" }) }));
}

/** A value shown once with a button that copies it. */
export interface ShownOnce {
  button: string;
  value: string;
}

/**
 * The notice after adding a user or resetting a password or MFA: the text to show (once — the engine
 * keeps no copy) and the values to copy.
 */
export function credentialsNotice(
  name: string,
  issued: { oneTimePassword?: string; mfa?: MfaEnrolment } & Partial<Pick<AddUserResult, "user">>,
): { message: string; detail: string; copies: ShownOnce[] } {
  const copies: ShownOnce[] = [];
  const lines: string[] = [];
  if (issued.oneTimePassword) {
    lines.push(`One-time password: ${issued.oneTimePassword}`, `${name} must change it at the next sign-in.`);
    copies.push({ button: "Copy password", value: issued.oneTimePassword });
  }
  if (issued.mfa) {
    lines.push(
      `Authenticator secret: ${issued.mfa.secret}`,
      "Give it (or the otpauth:// URI) to the user for their authenticator app.",
    );
    copies.push({ button: "Copy MFA URI", value: issued.mfa.uri });
  }
  lines.push("This is shown once: the engine keeps no readable copy. Hand it over through a safe channel.");
  const what = issued.oneTimePassword && issued.mfa ? "password and MFA" : issued.mfa ? "MFA" : "password";
  return { message: `New ${what} for ${name}`, detail: lines.join("\n"), copies };
}

/** A new password twice; the second must match. Undefined when they differ (say so to the user). */
export function confirmedPassword(first: string | undefined, second: string | undefined): string | undefined {
  return first !== undefined && first !== "" && first === second ? first : undefined;
}
