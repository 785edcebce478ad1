/**
 * Directory sign-in (LDAP / Active Directory), the pure part: its settings, RFC 4515 filter escaping,
 * DN comparison and the group → role mapping. The I/O (ldapts) is in ldap-directory.ts; the
 * AuthService only sees the {@link Directory} port, so its sign-in logic is the same for any directory.
 */
import { ROLES, type Role } from "./permissions.js";

/**
 * How a user's groups are found:
 * - `member-of`: the user entry's `memberOf` attribute (AD, OpenLDAP with the memberof overlay); direct groups only.
 * - `member`: a search under `groupBase` for groups whose `member` is the user, repeated for the groups
 *   found (nested groups, up to {@link NESTED_GROUP_DEPTH} levels): any LDAP server.
 * - `in-chain`: AD's LDAP_MATCHING_RULE_IN_CHAIN (`member:1.2.840.113556.1.4.1941:=`): the server
 *   resolves nesting in one search.
 */
export const GROUP_MODES = ["member-of", "member", "in-chain"] as const;
export type GroupMode = (typeof GROUP_MODES)[number];

export const NESTED_GROUP_DEPTH = 8;

/** The environment variable the service account's password comes from (never the settings file). */
export const LDAP_BIND_PASSWORD_ENV = "MEFOR_LDAP_BIND_PASSWORD";

export interface DirectorySettings {
  /** ldaps://host:636, or ldap://host:389 (then `startTls` should be true). */
  url: string;
  /** Upgrade an ldap:// connection with StartTLS before anything is sent. */
  startTls: boolean;
  /** PEM of the CA that signed the directory's certificate (read from the `ca` file). */
  ca?: string;
  /** The service account that searches for users; anonymous search when absent. */
  bindDn?: string;
  userBase: string;
  /** With `{username}` where the (escaped) login name goes, e.g. `(&(objectClass=user)(sAMAccountName={username}))`. */
  userFilter: string;
  /** A user matching this filter too is refused, e.g. AD's `(userAccountControl:1.2.840.113556.1.4.803:=2)`. */
  disabledFilter?: string;
  groups: GroupMode;
  /** Where groups are searched (`member`, `in-chain`); defaults to `userBase`. */
  groupBase?: string;
  /** Group DN → role. A user in several mapped groups gets the most powerful role (ROLES order). */
  roles: ReadonlyMap<string, Role>;
  /** Bound for each directory operation, and for connecting. */
  timeoutMs: number;
  connectTimeoutMs: number;
}

/** Why the directory refused a sign-in (audited as the login failure's reason). */
export type DirectoryRefusal =
  | "unknown_user"
  | "bad_password"
  | "disabled"
  | "no_mapped_group"
  | "ambiguous_user";

export type DirectoryOutcome =
  | { ok: true; dn: string; role: Role; groups: string[] }
  | { ok: false; reason: DirectoryRefusal };

/** What the AuthService needs from a directory. Throws {@link DirectoryUnavailableError} when it cannot ask. */
export interface Directory {
  /** Checks the password by binding as the user and maps the user's groups to a role. */
  authenticate(username: string, password: string): Promise<DirectoryOutcome>;
  /** For audit entries: the server without credentials. */
  readonly describe: string;
}

/** The directory could not be asked (down, timed out, TLS refused, service bind refused). */
export class DirectoryUnavailableError extends Error {
  override name = "DirectoryUnavailableError";
}

/** RFC 4515 §3: a value inside a search filter, with `* ( ) \ NUL` (and non-ASCII bytes) escaped. */
export function escapeFilterValue(value: string): string {
  let out = "";
  for (const byte of Buffer.from(value, "utf8")) {
    const c = String.fromCharCode(byte);
    out += byte < 0x20 || byte > 0x7e || "*()\\".includes(c) ? `\\${byte.toString(16).padStart(2, "0")}` : c;
  }
  return out;
}

/** The user filter with the escaped login name in place of every `{username}`. */
export function userFilterFor(template: string, username: string): string {
  return template.split("{username}").join(escapeFilterValue(username));
}

/** A DN in a comparable form: lower-case, no spaces around `,` and `=` (AD and OpenLDAP spell DNs differently). */
export function normalizeDn(dn: string): string {
  return dn
    .trim()
    .replace(/\s*([,=])\s*/g, "$1")
    .toLowerCase();
}

/** The role for these groups: the most powerful mapped one, or undefined when none is mapped. */
export function roleForGroups(groups: readonly string[], roles: ReadonlyMap<string, Role>): Role | undefined {
  const mapped = new Map<string, Role>([...roles].map(([dn, role]) => [normalizeDn(dn), role]));
  let best: Role | undefined;
  for (const g of groups) {
    const role = mapped.get(normalizeDn(g));
    if (role !== undefined && (best === undefined || ROLES.indexOf(role) < ROLES.indexOf(best))) best = role;
  }
  return best;
}
