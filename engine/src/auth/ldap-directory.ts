/**
 * The {@link Directory} over a real LDAP server (OpenLDAP, Active Directory) with ldapts. Each sign-in
 * opens its own connections (one as the service account to find the user and groups, one to bind as
 * the user), each bounded by the settings' timeouts, and closes them: nothing is kept between sign-ins,
 * so a directory that comes back is used at once and a group change applies at the next sign-in.
 */
import { Client, InvalidCredentialsError, type SearchOptions, SizeLimitExceededError } from "ldapts";
import {
  type Directory,
  type DirectoryOutcome,
  type DirectorySettings,
  DirectoryUnavailableError,
  escapeFilterValue,
  NESTED_GROUP_DEPTH,
  normalizeDn,
  roleForGroups,
  userFilterFor,
} from "./directory.js";

/** AD's LDAP_MATCHING_RULE_IN_CHAIN: membership through any depth of nesting, resolved by the server. */
const IN_CHAIN = "1.2.840.113556.1.4.1941";

export class LdapDirectory implements Directory {
  readonly describe: string;
  readonly #s: DirectorySettings;
  readonly #bindPassword: string | undefined;

  /** `bindPassword` comes from MEFOR_LDAP_BIND_PASSWORD (never the settings file). */
  constructor(settings: DirectorySettings, bindPassword: string | undefined) {
    this.#s = settings;
    this.#bindPassword = bindPassword;
    this.describe = settings.url;
  }

  async authenticate(username: string, password: string): Promise<DirectoryOutcome> {
    // An empty password would be an unauthenticated bind, which LDAP servers accept (RFC 4513 §5.1.2).
    if (password === "") return { ok: false, reason: "bad_password" };
    const found = await this.#session(async (client) => {
      await this.#serviceBind(client);
      const searched = await client
        .search(this.#s.userBase, {
          scope: "sub",
          filter: userFilterFor(this.#s.userFilter, username),
          attributes: ["dn", "memberOf"],
          sizeLimit: 2,
        })
        .catch((error: unknown) => {
          // More entries than the limit: the filter does not name one user.
          if (error instanceof SizeLimitExceededError) return undefined;
          throw error;
        });
      if (searched === undefined) return "ambiguous_user";
      const { searchEntries } = searched;
      if (searchEntries.length !== 1) return searchEntries.length === 0 ? "unknown_user" : "ambiguous_user";
      const entry = searchEntries[0] as { dn: string; memberOf?: string | string[] | Buffer | Buffer[] };
      if (this.#s.disabledFilter && (await this.#matches(client, entry.dn, this.#s.disabledFilter)))
        return "disabled";
      return { dn: entry.dn, groups: await this.#groups(client, entry.dn, entry.memberOf) };
    });
    if (typeof found === "string") return { ok: false, reason: found };
    const bound = await this.#session(async (client) => {
      try {
        await client.bind(found.dn, password);
        return true;
      } catch (error) {
        if (error instanceof InvalidCredentialsError) return false;
        throw error;
      }
    });
    if (!bound) return { ok: false, reason: "bad_password" };
    const role = roleForGroups(found.groups, this.#s.roles);
    if (role === undefined) return { ok: false, reason: "no_mapped_group" };
    return { ok: true, dn: found.dn, role, groups: found.groups };
  }

  /** Runs `work` on a fresh connection (StartTLS first when asked) and always closes it. */
  async #session<T>(work: (client: Client) => Promise<T>): Promise<T> {
    // A fresh object each time: startTLS writes the socket into the options it is given. Given to the
    // constructor only for ldaps:// (on ldap:// it breaks the later StartTLS upgrade).
    const tls = () => (this.#s.ca !== undefined ? { ca: this.#s.ca } : {});
    const client = new Client({
      url: this.#s.url,
      timeout: this.#s.timeoutMs,
      connectTimeout: this.#s.connectTimeoutMs,
      ...(this.#s.url.startsWith("ldaps:") ? { tlsOptions: tls() } : {}),
    });
    try {
      if (this.#s.startTls) await client.startTLS(tls());
      return await work(client);
    } catch (error) {
      if (error instanceof DirectoryUnavailableError) throw error;
      throw new DirectoryUnavailableError(`directory ${this.describe}: ${(error as Error).message}`);
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }

  async #serviceBind(client: Client): Promise<void> {
    if (this.#s.bindDn === undefined) return;
    if (!this.#bindPassword)
      throw new DirectoryUnavailableError(
        "the directory's service account has no password: set MEFOR_LDAP_BIND_PASSWORD in the engine's environment",
      );
    try {
      await client.bind(this.#s.bindDn, this.#bindPassword);
    } catch (error) {
      throw new DirectoryUnavailableError(
        `directory ${this.describe}: the service account bind was refused (${(error as Error).message})`,
      );
    }
  }

  /** Whether the entry at `dn` matches `filter` (a base-scope search). */
  async #matches(client: Client, dn: string, filter: string): Promise<boolean> {
    const { searchEntries } = await client.search(dn, { scope: "base", filter, attributes: ["dn"] });
    return searchEntries.length > 0;
  }

  async #groups(client: Client, userDn: string, memberOf: unknown): Promise<string[]> {
    const base = this.#s.groupBase ?? this.#s.userBase;
    const search = async (filter: string): Promise<string[]> => {
      const opts: SearchOptions = { scope: "sub", filter, attributes: ["dn"] };
      return (await client.search(base, opts)).searchEntries.map((e) => e.dn);
    };
    if (this.#s.groups === "member-of")
      return (Array.isArray(memberOf) ? memberOf : memberOf === undefined ? [] : [memberOf]).map(String);
    if (this.#s.groups === "in-chain") return search(`(member:${IN_CHAIN}:=${escapeFilterValue(userDn)})`);
    // `member`: walk up the nesting level by level; `seen` stops cycles.
    const seen = new Map<string, string>();
    let frontier = [userDn];
    for (let depth = 0; depth < NESTED_GROUP_DEPTH && frontier.length > 0; depth++) {
      const filter = `(|${frontier.map((dn) => `(member=${escapeFilterValue(dn)})`).join("")})`;
      frontier = [];
      for (const dn of await search(filter)) {
        if (seen.has(normalizeDn(dn))) continue;
        seen.set(normalizeDn(dn), dn);
        frontier.push(dn);
      }
    }
    return [...seen.values()];
  }
}
