/**
 * An OpenLDAP directory for the directory sign-in tests: Debian's `slapd` (installed with apt when
 * missing), one instance of the test's own on free 127.0.0.1 ports — ldap:// (StartTLS offered) and
 * ldaps:// — with a throwaway mdb database under `dc=mefor,dc=test`, a certificate from a throwaway CA,
 * the memberof overlay (so `memberOf` works as on Active Directory) and AD's `userAccountControl`
 * attribute (an auxiliary class `mfTestAccount`), whose disabled bit OpenLDAP matches with the same
 * rule AD uses (1.2.840.113556.1.4.803). Tests add their entries as the root DN. Published in
 * MEFOR_TEST_LDAP as JSON (`LdapServer`). A machine's own directory is never touched.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { makeTestCerts } from "./certs.js";
import { aptInstall } from "./debian.js";
import { freePort, waitForPort } from "./net.js";
import type { Service } from "./service.js";
import { stopChild } from "./sshd.js";

const run = promisify(execFile);
const SLAPD = "/usr/sbin/slapd";
const SLAPADD = "/usr/sbin/slapadd";

export interface LdapServer {
  /** ldap://127.0.0.1:port (StartTLS available). */
  url: string;
  /** ldaps://127.0.0.1:port. */
  ldapsUrl: string;
  /** PEM file of the CA that signed the server's certificate (for 127.0.0.1 and localhost). */
  ca: string;
  baseDn: string;
  /** The directory's root DN and its password: tests add, change and delete entries with it. */
  rootDn: string;
  rootPassword: string;
}

function config(dir: string, root: { dn: string; password: string }, base: string): string {
  return [
    "include /etc/ldap/schema/core.schema",
    "include /etc/ldap/schema/cosine.schema",
    "include /etc/ldap/schema/inetorgperson.schema",
    // Active Directory's account flags (bit 2 = disabled), as an auxiliary class any entry may carry.
    "attributetype ( 1.3.6.1.4.1.55555.1.1 NAME 'userAccountControl' EQUALITY integerMatch",
    "  SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )",
    "objectclass ( 1.3.6.1.4.1.55555.2.1 NAME 'mfTestAccount' AUXILIARY MAY userAccountControl )",
    `pidfile ${join(dir, "slapd.pid")}`,
    "modulepath /usr/lib/ldap",
    "moduleload back_mdb",
    "moduleload memberof",
    `TLSCACertificateFile ${join(dir, "ca.pem")}`,
    `TLSCertificateFile ${join(dir, "server.pem")}`,
    `TLSCertificateKeyFile ${join(dir, "server.key")}`,
    "database mdb",
    `suffix "${base}"`,
    `rootdn "${root.dn}"`,
    `rootpw ${root.password}`,
    `directory ${join(dir, "db")}`,
    "maxsize 67108864",
    "overlay memberof",
    // Passwords are for binding only; everything else is readable by any bound or anonymous client.
    "access to attrs=userPassword by self write by anonymous auth by * none",
    "access to * by * read",
    "",
  ].join("\n");
}

export const slapdService: Service = {
  name: "slapd (OpenLDAP)",
  env: "MEFOR_TEST_LDAP",
  async find() {
    return undefined; // always the test's own instance: a machine's directory is never used
  },
  async provide() {
    if (!existsSync(SLAPD)) await aptInstall(["slapd"]);
    const dir = mkdtempSync(join(tmpdir(), "mefor-slapd-"));
    let child: ChildProcess | undefined;
    const cleanup = async () => {
      if (child) await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    };
    try {
      mkdirSync(join(dir, "db"), { mode: 0o700 });
      await makeTestCerts(dir);
      const baseDn = "dc=mefor,dc=test";
      const root = { dn: `cn=admin,${baseDn}`, password: `root-${process.pid}-${Date.now()}` };
      writeFileSync(join(dir, "slapd.conf"), config(dir, root, baseDn), { mode: 0o600 });
      // The suffix entry, loaded offline: tests start from an existing, otherwise empty tree.
      writeFileSync(
        join(dir, "base.ldif"),
        `dn: ${baseDn}\nobjectClass: dcObject\nobjectClass: organization\no: MessageFoundry test\ndc: mefor\n`,
      );
      await run(SLAPADD, ["-f", join(dir, "slapd.conf"), "-l", join(dir, "base.ldif")]);
      const port = await freePort();
      const tlsPort = await freePort();
      const urls = `ldap://127.0.0.1:${port}/ ldaps://127.0.0.1:${tlsPort}/`;
      const output: string[] = [];
      let exited: string | undefined;
      // -d 0: stay in the foreground (so stopChild can stop it) without debug output.
      const started = spawn(SLAPD, ["-d", "0", "-f", join(dir, "slapd.conf"), "-h", urls], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      child = started;
      for (const s of [started.stdout, started.stderr])
        s?.on("data", (d: Buffer) => output.push(d.toString()));
      started.once("exit", (code) => {
        exited = `slapd exited (${code}): ${output.join("").slice(-2000)}`;
      });
      await waitForPort(port, 15_000, () => exited);
      await waitForPort(tlsPort, 15_000, () => exited);
      const server: LdapServer = {
        url: `ldap://127.0.0.1:${port}`,
        ldapsUrl: `ldaps://127.0.0.1:${tlsPort}`,
        ca: join(dir, "ca.pem"),
        baseDn,
        rootDn: root.dn,
        rootPassword: root.password,
      };
      return {
        value: JSON.stringify(server),
        said: `started the test's own slapd (ldap://127.0.0.1:${port} with StartTLS, ldaps on ${tlsPort}, ${baseDn}; stopped and removed after the tests)`,
        stop: cleanup,
      };
    } catch (err) {
      await cleanup();
      throw err;
    }
  },
};
