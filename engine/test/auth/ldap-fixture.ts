/**
 * A throwaway subtree in the test services' OpenLDAP: a service account, five synthetic people and
 * groups (one nested), added as the root DN. Each call makes its own `ou=run-…`, so suites and reruns
 * against one slapd never collide.
 */
import { randomBytes } from "node:crypto";
import { type LdapServer, ldapServer } from "@messagefoundry/test-services";
import { Attribute, Change, Client } from "ldapts";

export const SVC_PASSWORD = "svc-directory-secret";
export const USER_PASSWORD = "directory-password-1";
/** Active Directory's "account disabled" filter (userAccountControl bit 2), which OpenLDAP matches too. */
export const AD_DISABLED = "(userAccountControl:1.2.840.113556.1.4.803:=2)";

export interface LdapFixture {
  server: LdapServer;
  /** The subtree's DN. */
  run: string;
  svcDn: string;
  people: string;
  groups: string;
  person(uid: string): string;
  group(cn: string): string;
  /** Replaces an attribute's values as the root DN (a group change, a disabled account). */
  replace(dn: string, type: string, values: string[]): Promise<void>;
}

/**
 * alice and dave in mf-operators, bob in mf-viewers, carol in team-release (a member of mf-deployers),
 * erin only in an unmapped group; everyone's password is USER_PASSWORD, userAccountControl 512.
 */
export async function seedDirectory(): Promise<LdapFixture> {
  const server = await ldapServer();
  const run = `ou=run-${randomBytes(4).toString("hex")},${server.baseDn}`;
  const people = `ou=people,${run}`;
  const groups = `ou=groups,${run}`;
  const person = (uid: string) => `uid=${uid},${people}`;
  const group = (cn: string) => `cn=${cn},${groups}`;
  const asRoot = async <T>(work: (c: Client) => Promise<T>): Promise<T> => {
    const c = new Client({ url: server.url, timeout: 5000 });
    try {
      await c.bind(server.rootDn, server.rootPassword);
      return await work(c);
    } finally {
      await c.unbind();
    }
  };
  await asRoot(async (c) => {
    await c.add(run, { objectClass: "organizationalUnit", ou: run.slice(3, run.indexOf(",")) });
    await c.add(people, { objectClass: "organizationalUnit", ou: "people" });
    await c.add(groups, { objectClass: "organizationalUnit", ou: "groups" });
    await c.add(`cn=svc,${run}`, {
      objectClass: ["inetOrgPerson"],
      cn: "svc",
      sn: "service",
      userPassword: SVC_PASSWORD,
    });
    for (const uid of ["alice", "bob", "carol", "dave", "erin"])
      await c.add(person(uid), {
        objectClass: ["inetOrgPerson", "mfTestAccount"],
        uid,
        cn: uid,
        sn: "Synthetic",
        userPassword: USER_PASSWORD,
        userAccountControl: "512",
      });
    const groupOf = (cn: string, members: string[]) =>
      c.add(group(cn), { objectClass: "groupOfNames", cn, member: members });
    await groupOf("mf-operators", [person("alice"), person("dave")]);
    await groupOf("mf-viewers", [person("bob")]);
    await groupOf("team-release", [person("carol")]);
    await groupOf("mf-deployers", [group("team-release")]);
    await groupOf("unmapped", [person("erin")]);
  });
  return {
    server,
    run,
    svcDn: `cn=svc,${run}`,
    people,
    groups,
    person,
    group,
    replace: (dn, type, values) =>
      asRoot((c) =>
        c.modify(dn, new Change({ operation: "replace", modification: new Attribute({ type, values }) })),
      ),
  };
}
