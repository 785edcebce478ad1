/**
 * The database connector's TLS against a real server that speaks it: the test's own mariadbd with a
 * certificate from a throwaway CA (openssl). The CA given in `tls.ca` is trusted and the server's name
 * checked; an unknown CA or a name the certificate does not carry is refused (the delivery retries).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startMariadb } from "@messagefoundry/test-services";
import mysql from "mysql2/promise";
import { createOutbound, type OutboundConnector } from "../../src/transports/index.js";

const ssl = (...args: string[]) => execFileSync("openssl", args, { stdio: "ignore" });

/** A server certificate for `name` signed by the CA in `dir`, written as server.pem / server.key. */
function serverCertificate(dir: string, name: string): void {
  const at = (f: string) => join(dir, f);
  ssl(
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    `/CN=${name}`,
    "-keyout",
    at("server.key"),
    "-out",
    at("server.csr"),
  );
  writeFileSync(at("san.ext"), `subjectAltName=DNS:${name}\n`);
  ssl(
    "x509",
    "-req",
    "-in",
    at("server.csr"),
    "-CA",
    at("ca.pem"),
    "-CAkey",
    at("ca.key"),
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    at("san.ext"),
    "-out",
    at("server.pem"),
  );
  for (const f of ["server.pem", "server.key"]) chmodSync(at(f), 0o644);
}

/** A throwaway CA and a certificate for `localhost`, in a folder the server's user can read. */
function certificates(): { dir: string; ca: string; cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), "mf-db-tls-"));
  chmodSync(dir, 0o755);
  const at = (f: string) => join(dir, f);
  ssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "2",
    "-subj",
    "/CN=MF Test CA",
    "-keyout",
    at("ca.key"),
    "-out",
    at("ca.pem"),
  );
  chmodSync(at("ca.pem"), 0o644);
  serverCertificate(dir, "localhost");
  return { dir, ca: at("ca.pem"), cert: at("server.pem"), key: at("server.key") };
}

describe("database connector: TLS (own MariaDB with a test CA)", function () {
  this.timeout(120_000);
  let certs: ReturnType<typeof certificates>;
  let server: Awaited<ReturnType<typeof startMariadb>>;
  const open: OutboundConnector[] = [];

  before(async function () {
    this.timeout(300_000);
    certs = certificates();
    server = await startMariadb([
      `--ssl-ca=${certs.ca}`,
      `--ssl-cert=${certs.cert}`,
      `--ssl-key=${certs.key}`,
    ]);
    const c = await mysql.createConnection({ uri: server.url });
    // mariadb-install-db adds anonymous users; ''@'localhost' would take a TCP login from localhost.
    const [anonymous] = await c.query("SELECT CONVERT(Host USING utf8) AS h FROM mysql.user WHERE User = ''");
    for (const { h } of anonymous as { h: string }[]) await c.query("DROP USER ''@?", [h]);
    await c.query("CREATE DATABASE tls_check");
    await c.query("CREATE TABLE tls_check.t (n INT)");
    // Only over TLS: a connection without it is refused at login.
    await c.query("CREATE USER 'tls_only'@'%' REQUIRE SSL");
    await c.query("GRANT ALL ON tls_check.* TO 'tls_only'@'%'");
    await c.end();
  });
  after(async () => {
    for (const ob of open) await ob.close();
    await server?.stop();
    rmSync(certs.dir, { recursive: true, force: true });
  });

  const outbound = (host: string, tls: Record<string, unknown> | undefined) => {
    const ob = createOutbound("database", "OB_TLS_DB", {
      dialect: "mysql",
      host,
      port: server.port,
      database: "tls_check",
      user: "tls_only",
      ...(tls ? { tls } : {}),
      statements: { insert: "INSERT INTO tls_check.t (n) VALUES (:n)" },
    });
    open.push(ob);
    return ob;
  };
  const send = (ob: OutboundConnector, n: number) =>
    ob.send(Buffer.from(JSON.stringify({ statement: "insert", params: { n } })), { messageId: String(n) });

  it("trusts the CA given in tls.ca and delivers over TLS", async () => {
    const r = await send(outbound("localhost", { ca: certs.ca }), 1);
    assert.equal(r.status, "ok", r.error);
  });

  it("refuses an untrusted certificate and a login without TLS; the delivery retries", async () => {
    const untrusted = await send(outbound("localhost", {}), 3);
    assert.equal(untrusted.status, "retry");
    assert.match(untrusted.error ?? "", /self[- ]signed|unable to verify|certificate/i);
    const plain = await send(outbound("localhost", undefined), 4);
    assert.equal(plain.status, "retry");
    assert.match(plain.error ?? "", /Access denied/);
  });

  it("checks the server's name: a certificate for another name is refused, even from the trusted CA", async () => {
    // Same CA, a certificate for another host; MariaDB takes it without a restart.
    serverCertificate(certs.dir, "db.example.invalid");
    const c = await mysql.createConnection({ uri: server.url });
    await c.query("FLUSH SSL");
    await c.end();
    const r = await send(outbound("localhost", { ca: certs.ca }), 5);
    assert.equal(r.status, "retry");
    assert.match(r.error ?? "", /altnames|does not match|not in the cert/i);
  });
});
