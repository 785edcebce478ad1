/**
 * Directory sign-in against a real OpenLDAP (the test services' slapd): a directory user signs in
 * with the directory password and is recorded with source "directory"; wrong password, an account
 * disabled the Active Directory way (userAccountControl bit 2, matched with AD's own filter), group
 * changes applied at the next sign-in, nested groups, MFA still required by role, StartTLS and
 * ldaps with the CA, and a directory that does not answer: bounded, audited, and the local
 * break-glass administrator still signs in. On both auth backends.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import type { LdapServer } from "@messagefoundry/test-services";
import {
  type Directory,
  type DirectorySettings,
  escapeFilterValue,
  LdapDirectory,
  type Role,
  roleForGroups,
} from "../../src/auth/index.js";
import { parseEngineSettings } from "../../src/runtime/settings.js";
import { addUser, BACKENDS, type Fixture, PASSWORD, rejectsWith, setup, totpAt } from "./helpers.js";
import { AD_DISABLED, type LdapFixture, SVC_PASSWORD, seedDirectory, USER_PASSWORD } from "./ldap-fixture.js";

let d: LdapFixture;
let server: LdapServer;
const person = (uid: string) => d.person(uid);
const group = (cn: string) => d.group(cn);
const replace = (dn: string, type: string, values: string[]) => d.replace(dn, type, values);

function settings(over: Partial<DirectorySettings> = {}): DirectorySettings {
  const roles = new Map<string, Role>([
    [group("mf-operators"), "operator"],
    [group("mf-viewers"), "viewer"],
    [group("mf-deployers"), "deployer"],
  ]);
  return {
    url: server.url,
    startTls: false,
    bindDn: d.svcDn,
    userBase: d.people,
    userFilter: "(&(objectClass=inetOrgPerson)(uid={username}))",
    disabledFilter: AD_DISABLED,
    groups: "member",
    groupBase: d.groups,
    roles,
    timeoutMs: 5000,
    connectTimeoutMs: 3000,
    ...over,
  };
}

const directory = (over: Partial<DirectorySettings> = {}): Directory =>
  new LdapDirectory(settings(over), SVC_PASSWORD);

async function audit(f: Fixture, action: string): Promise<Record<string, unknown>[]> {
  const entries = await f.auth.listAudit({ action, limit: 100 });
  return entries.map((e) => ({ actor: e.actor, target: e.target, ...(JSON.parse(e.details) as object) }));
}

describe("auth/directory: LDAP sign-in against OpenLDAP", () => {
  before(async function () {
    this.timeout(300_000); // a first run may install slapd
    d = await seedDirectory();
    server = d.server;
  });

  for (const backend of BACKENDS)
    describe(backend, () => {
      let f: Fixture;
      afterEach(() => f?.cleanup());

      it("a directory user signs in with the directory password and is recorded with source directory", async () => {
        f = await setup(backend, {}, { directory: directory() });
        const { session } = await f.auth.login({ username: "alice", password: USER_PASSWORD });
        assert.equal(session.role, "operator");
        const [row] = await f.sql<{ source: string; role: string; password_hash: string }>(
          "SELECT source, role, password_hash FROM auth_users WHERE name = ?",
          "alice",
        );
        assert.deepEqual({ ...row }, { source: "directory", role: "operator", password_hash: "!directory" });
        assert.equal((await f.users.get("alice")).source, "directory");
        const added = await audit(f, "user.add");
        assert.equal(added.length, 1);
        assert.equal(added[0]?.actor, "directory");
        assert.equal(added[0]?.source, "directory");
        assert.equal(added[0]?.dn, person("alice"));
        // A directory user's password is the directory's: the stored marker never matches locally.
        await f.auth.login({ username: "alice", password: USER_PASSWORD });
        await rejectsWith(
          () => f.auth.login({ username: "alice", password: "!directory" }),
          "AUTH_INVALID_CREDENTIALS",
        );
      });

      it("a wrong password, an unknown name or an empty password is refused and audited", async () => {
        f = await setup(backend, {}, { directory: directory() });
        await rejectsWith(
          () => f.auth.login({ username: "alice", password: "wrong-password-1" }),
          "AUTH_INVALID_CREDENTIALS",
        );
        await rejectsWith(
          () => f.auth.login({ username: "nobody", password: USER_PASSWORD }),
          "AUTH_INVALID_CREDENTIALS",
        );
        // An empty password would be an anonymous bind, which the server accepts: never a sign-in.
        await rejectsWith(
          () => f.auth.login({ username: "alice", password: "" }),
          "AUTH_INVALID_CREDENTIALS",
        );
        const reasons = (await audit(f, "auth.login_failed")).map((e) => e.reason);
        assert.deepEqual(reasons, [
          "directory_bad_password",
          "directory_unknown_user",
          "directory_bad_password",
        ]);
        assert.equal(Number(await f.scalar("SELECT COUNT(*) FROM auth_sessions")), 0);
      });

      it("an account disabled in the directory (AD's userAccountControl bit) is refused until enabled again", async () => {
        f = await setup(backend, {}, { directory: directory() });
        await replace(person("dave"), "userAccountControl", ["514"]);
        try {
          await rejectsWith(
            () => f.auth.login({ username: "dave", password: USER_PASSWORD }),
            "AUTH_INVALID_CREDENTIALS",
          );
          assert.deepEqual(
            (await audit(f, "auth.login_failed")).map((e) => e.reason),
            ["directory_disabled"],
          );
        } finally {
          await replace(person("dave"), "userAccountControl", ["512"]);
        }
        const { session } = await f.auth.login({ username: "dave", password: USER_PASSWORD });
        assert.equal(session.role, "operator");
      });

      it("a group change takes effect at the next sign-in; no mapped group is refused and ends sessions", async () => {
        f = await setup(backend, {}, { directory: directory() });
        const first = await f.auth.login({ username: "bob", password: USER_PASSWORD });
        assert.equal(first.session.role, "viewer");
        await replace(group("mf-viewers"), "member", [person("alice")]);
        await replace(group("mf-operators"), "member", [person("alice"), person("dave"), person("bob")]);
        const second = await f.auth.login({ username: "bob", password: USER_PASSWORD });
        assert.equal(second.session.role, "operator");
        // The role is the user's: the earlier session acts as operator from now on too.
        assert.equal((await f.auth.authenticate(first.token)).role, "operator");
        assert.deepEqual(
          (await audit(f, "user.role")).map((e) => [e.from, e.to, e.source]),
          [["viewer", "operator", "directory"]],
        );

        await replace(group("mf-operators"), "member", [person("alice"), person("dave")]);
        await rejectsWith(
          () => f.auth.login({ username: "bob", password: USER_PASSWORD }),
          "AUTH_INVALID_CREDENTIALS",
        );
        assert.deepEqual(
          (await audit(f, "auth.login_failed")).map((e) => e.reason),
          ["directory_no_mapped_group"],
        );
        await rejectsWith(() => f.auth.authenticate(second.token), "AUTH_SESSION_INVALID");
        await replace(group("mf-viewers"), "member", [person("bob")]);
      });

      it("a user filter that matches more than one entry refuses the sign-in (never picks one)", async () => {
        f = await setup(
          backend,
          {},
          { directory: directory({ userFilter: "(|(uid={username})(sn=Synthetic))" }) },
        );
        await rejectsWith(
          () => f.auth.login({ username: "alice", password: USER_PASSWORD }),
          "AUTH_INVALID_CREDENTIALS",
        );
        assert.deepEqual(
          (await audit(f, "auth.login_failed")).map((e) => e.reason),
          ["directory_ambiguous_user"],
        );
      });

      it("a user in no mapped group is refused", async () => {
        f = await setup(backend, {}, { directory: directory() });
        await rejectsWith(
          () => f.auth.login({ username: "erin", password: USER_PASSWORD }),
          "AUTH_INVALID_CREDENTIALS",
        );
        assert.equal(Number(await f.scalar("SELECT COUNT(*) FROM auth_users")), 0);
      });

      it("nested groups map to a role, and that role's MFA is still required (enrolled locally)", async () => {
        f = await setup(backend, {}, { directory: directory() });
        await rejectsWith(
          () => f.auth.login({ username: "carol", password: USER_PASSWORD }),
          "AUTH_MFA_ENROLMENT_REQUIRED",
        );
        const { secret } = await f.users.enrolMfa("cli:root", "carol");
        await rejectsWith(
          () => f.auth.login({ username: "carol", password: USER_PASSWORD }),
          "AUTH_MFA_REQUIRED",
        );
        const { token, session } = await f.auth.login({
          username: "carol",
          password: USER_PASSWORD,
          totp: totpAt(secret, f.clock.t),
        });
        assert.equal(session.role, "deployer");
        // Re-authentication asks the directory too.
        f.clock.advance(60_000);
        await rejectsWith(
          () => f.auth.reauthenticate(token, "wrong-password-1", totpAt(secret, f.clock.t)),
          "AUTH_INVALID_CREDENTIALS",
        );
        const again = await f.auth.reauthenticate(token, USER_PASSWORD, totpAt(secret, f.clock.t));
        assert.equal(again.lastAuthAt, f.clock.t);
      });

      it("memberOf (the overlay, as on Active Directory) gives the direct groups", async () => {
        f = await setup(backend, {}, { directory: directory({ groups: "member-of", groupBase: undefined }) });
        assert.equal(
          (await f.auth.login({ username: "alice", password: USER_PASSWORD })).session.role,
          "operator",
        );
      });

      it("a local user of the same name signs in locally only: the directory is not asked for them", async () => {
        f = await setup(backend, {}, { directory: directory() });
        await addUser(f, "alice", "viewer");
        await rejectsWith(
          () => f.auth.login({ username: "alice", password: USER_PASSWORD }),
          "AUTH_INVALID_CREDENTIALS",
        );
        const { session } = await f.auth.login({ username: "alice", password: PASSWORD });
        assert.equal(session.role, "viewer");
      });

      it("StartTLS and ldaps check the server against the configured CA", async () => {
        const ca = readFileSync(server.ca, "utf8");
        f = await setup(backend, {}, { directory: directory({ startTls: true, ca }) });
        assert.equal(
          (await f.auth.login({ username: "alice", password: USER_PASSWORD })).session.role,
          "operator",
        );
        await f.cleanup();
        f = await setup(backend, {}, { directory: directory({ url: server.ldapsUrl, ca }) });
        assert.equal(
          (await f.auth.login({ username: "alice", password: USER_PASSWORD })).session.role,
          "operator",
        );
        await f.cleanup();
        // Without the CA the certificate is not trusted: the directory is unusable, not bypassed.
        f = await setup(backend, {}, { directory: directory({ url: server.ldapsUrl }) });
        await rejectsWith(
          () => f.auth.login({ username: "alice", password: USER_PASSWORD }),
          "AUTH_DIRECTORY_UNAVAILABLE",
        );
      });

      it("a directory that does not answer: bounded, audited, and the local break-glass administrator signs in", async () => {
        // Accepts connections and never answers: only the timeouts end the attempt.
        const sockets = new Set<Socket>();
        const silent: Server = createServer((s) => sockets.add(s));
        await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
        const { port } = silent.address() as { port: number };
        try {
          f = await setup(
            backend,
            {},
            {
              directory: directory({
                url: `ldap://127.0.0.1:${port}`,
                timeoutMs: 300,
                connectTimeoutMs: 300,
              }),
            },
          );
          await addUser(f, "breakglass", "administrator");
          const { secret } = await f.users.enrolMfa("cli:root", "breakglass");
          await rejectsWith(
            () => f.auth.login({ username: "alice", password: USER_PASSWORD }),
            "AUTH_DIRECTORY_UNAVAILABLE",
          );
          const [entry] = await audit(f, "auth.directory_unavailable");
          assert.equal(entry?.target, "user:alice");
          assert.equal(entry?.directory, `ldap://127.0.0.1:${port}`);
          // Not held against the user: the throttle counts no failure for an unreachable directory.
          assert.deepEqual(
            (await audit(f, "auth.login_failed")).map((e) => e.reason),
            ["directory_unavailable"],
          );
          const { session } = await f.auth.login({
            username: "breakglass",
            password: PASSWORD,
            totp: totpAt(secret, f.clock.t),
          });
          assert.equal(session.role, "administrator");
        } finally {
          for (const s of sockets) s.destroy();
          await new Promise((resolve) => silent.close(resolve));
        }
      });
    });
});

describe("auth/directory: filters and roles (pure)", () => {
  it("escapes a login name per RFC 4515, so it can never widen the user filter", () => {
    assert.equal(escapeFilterValue("a*)(uid=*"), "a\\2a\\29\\28uid=\\2a");
    assert.equal(escapeFilterValue("back\\slash\0"), "back\\5cslash\\00");
    assert.equal(escapeFilterValue("Zoë"), "Zo\\c3\\ab");
  });

  it("maps groups to the most powerful role, comparing DNs as AD and OpenLDAP spell them", () => {
    const roles = new Map<string, Role>([
      ["CN=MF Viewers,DC=example,DC=org", "viewer"],
      ["CN=MF Ops,DC=example,DC=org", "operator"],
    ]);
    assert.equal(
      roleForGroups(["cn=mf viewers, dc=example, dc=org", "cn=MF Ops,dc=EXAMPLE,dc=org"], roles),
      "operator",
    );
    assert.equal(roleForGroups(["cn=other,dc=example,dc=org"], roles), undefined);
  });
});

describe("auth/directory: [auth.ldap] in engine.toml", () => {
  it("reads the section and the group → role map; the service password only from the environment", () => {
    const s = parseEngineSettings(
      [
        "[auth.ldap]",
        'url = "ldap://dc1.example.org:389"',
        "start_tls = true",
        'bind_dn = "CN=svc-mf,OU=Service,DC=example,DC=org"',
        'user_base = "OU=Staff,DC=example,DC=org"',
        'user_filter = "(&(objectClass=user)(sAMAccountName={username}))"',
        `disabled_filter = "${AD_DISABLED}"`,
        'groups = "in-chain"',
        "timeout_ms = 4000",
        "",
        "[auth.ldap.roles]",
        '"CN=MF Admins,OU=Groups,DC=example,DC=org" = "administrator"',
        '"CN=MF Ops,OU=Groups,DC=example,DC=org" = "operator"',
      ].join("\n"),
      "/etc/mf/engine.toml",
    );
    assert.equal(s.ldap?.url, "ldap://dc1.example.org:389");
    assert.equal(s.ldap?.startTls, true);
    assert.equal(s.ldap?.groups, "in-chain");
    assert.equal(s.ldap?.timeoutMs, 4000);
    assert.equal(s.ldap?.connectTimeoutMs, 3000);
    assert.deepEqual(
      [...(s.ldap?.roles ?? [])],
      [
        ["CN=MF Admins,OU=Groups,DC=example,DC=org", "administrator"],
        ["CN=MF Ops,OU=Groups,DC=example,DC=org", "operator"],
      ],
    );
  });

  it("problems are positioned: a password in the file, an unknown role, an unknown key, a bad url", () => {
    const text = [
      "[auth.ldap]",
      'url = "http://dc1.example.org"',
      'bind_password = "hunter2-secret"',
      'user_base = "OU=Staff,DC=example,DC=org"',
      "follow_referrals = true",
      "",
      "[auth.ldap.roles]",
      '"CN=MF Admins,DC=example,DC=org" = "superuser"',
    ].join("\n");
    const err = (() => {
      try {
        parseEngineSettings(text, "/etc/mf/engine.toml");
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    assert.ok(err);
    assert.match(err.message, /engine\.toml:2: url "http:\/\/dc1\.example\.org" is not ldap/);
    assert.match(
      err.message,
      /engine\.toml:3: a password does not belong in the settings file — remove it and set MEFOR_LDAP_BIND_PASSWORD/,
    );
    assert.match(err.message, /engine\.toml:5: unknown key "follow_referrals" in \[auth\.ldap\]/);
    assert.match(
      err.message,
      /engine\.toml:8: group "CN=MF Admins,DC=example,DC=org" maps to "superuser", not a role/,
    );
    assert.doesNotMatch(err.message, /hunter2/);
  });
});
