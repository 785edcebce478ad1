/**
 * The OpenLDAP the test services start: provide() starts the test's own slapd (ldap:// and ldaps://
 * with a certificate from a throwaway CA), stop() ends it and removes its database and certificates.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import type { LdapServer } from "../src/slapd.js";
import { slapdService } from "../src/slapd.js";

const portOf = (url: string) => Number(new URL(url).port);

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

/** Whether a TLS handshake verified against `ca` (for 127.0.0.1) succeeds. */
function tlsVerified(port: number, ca: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tlsConnect({ host: "127.0.0.1", port, ca }, () => {
      s.destroy();
      resolve(s.authorized);
    });
    s.once("error", () => resolve(false));
  });
}

describe("test services: slapd", function () {
  this.timeout(600_000); // a first run installs slapd

  it("starts its own slapd (ldap:// and ldaps:// with a throwaway CA) and removes it when stopped", async () => {
    const found = await slapdService.provide();
    const s = JSON.parse(found.value) as LdapServer;
    assert.equal(s.baseDn, "dc=mefor,dc=test");
    assert.ok(await accepts(portOf(s.url)));
    assert.ok(await tlsVerified(portOf(s.ldapsUrl), readFileSync(s.ca, "utf8")));
    await found.stop?.();
    assert.equal(await accepts(portOf(s.url)), false, "nothing listens after stop");
    assert.equal(await accepts(portOf(s.ldapsUrl)), false);
    assert.equal(existsSync(s.ca), false, "its files are removed");
  });
});
