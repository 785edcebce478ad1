/** engine.toml: [store] / [store.ssl] / [api], positioned errors, relative paths, the password rule. */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadEngineSettings, parseEngineSettings, SettingsError } from "../../src/runtime/index.js";
import { tempDir } from "./helpers.js";

const FILE = "/etc/messagefoundry/engine.toml";

function refused(text: string, ...patterns: RegExp[]): void {
  assert.throws(
    () => parseEngineSettings(text, FILE, {}),
    (err: unknown) => {
      assert.ok(err instanceof SettingsError, String(err));
      for (const p of patterns) assert.match(err.message, p);
      return true;
    },
  );
}

describe("runtime: engine.toml settings", () => {
  it("reads a PostgreSQL store with TLS, the API, and the password from MEFOR_STORE_PASSWORD only", () => {
    const t = tempDir();
    try {
      writeFileSync(join(t.dir, "ca.pem"), "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
      const file = join(t.dir, "engine.toml");
      writeFileSync(
        file,
        `# production engine
[store]
backend = "postgres"
host = "db.example.test"
port = 5433
database = "messagefoundry"
user = "mefor"
schema = "engine_a"
pool_size = 8

[store.ssl]
mode = "verify-full"
ca = "ca.pem"

[api]
host = "0.0.0.0"
port = 8443
tls_cert = "certs/api.pem"
tls_key = "certs/api.key"
allowed_hosts = ["engine.example.test"]
allowed_origins = ["https://dash.example.test"]
`,
      );
      const s = loadEngineSettings(file, { MEFOR_STORE_PASSWORD: "s3cret-from-env" });
      assert.equal(s.store?.backend, "postgres");
      if (s.store?.backend !== "postgres") return;
      const { ssl, ...pg } = s.store.pg;
      assert.deepEqual(pg, {
        applicationName: "messagefoundry",
        host: "db.example.test",
        port: 5433,
        database: "messagefoundry",
        user: "mefor",
        schema: "engine_a",
        poolSize: 8,
        password: "s3cret-from-env",
      });
      assert.ok(ssl !== false && ssl !== undefined);
      assert.match(ssl.ca ?? "", /BEGIN CERTIFICATE/);
      assert.equal(ssl.skipHostnameCheck, undefined);
      assert.deepEqual(s.api, {
        host: "0.0.0.0",
        port: 8443,
        tlsCert: join(t.dir, "certs/api.pem"),
        tlsKey: join(t.dir, "certs/api.key"),
        allowedHosts: ["engine.example.test"],
        allowedOrigins: ["https://dash.example.test"],
      });
    } finally {
      t.cleanup();
    }
  });

  it("a SQLite store's path resolves against the settings file's folder", () => {
    const s = parseEngineSettings('[store]\nbackend = "sqlite"\npath = "state/engine.db"\n', FILE, {});
    assert.deepEqual(s.store, { backend: "sqlite", path: "/etc/messagefoundry/state/engine.db" });
    assert.deepEqual(parseEngineSettings('[store]\npath = "/var/lib/mf.db"\n', FILE, {}).store, {
      backend: "sqlite",
      path: "/var/lib/mf.db",
    });
  });

  it("[store] commit_window_ms is read for either backend, within 0..100 ms", () => {
    const window = (toml: string) => parseEngineSettings(toml, FILE, {}).store?.commitWindowMs;
    assert.equal(window('[store]\npath = "mf.db"\ncommit_window_ms = 0\n'), 0);
    assert.equal(window('[store]\nbackend = "postgres"\ncommit_window_ms = 5\n'), 5);
    assert.equal(window('[store]\npath = "mf.db"\n'), undefined, "absent: the store's default");
    refused(
      '[store]\npath = "mf.db"\n\ncommit_window_ms = 500\n',
      /engine\.toml:4: commit_window_ms 500 is out of range/,
      /0\.\.100/,
    );
  });

  it("ssl modes map to pg's TLS options", () => {
    const mode = (m: string) => {
      const s = parseEngineSettings(`[store]\nbackend = "postgres"\n[store.ssl]\nmode = "${m}"\n`, FILE, {});
      return s.store?.backend === "postgres" ? s.store.pg.ssl : undefined;
    };
    assert.equal(mode("disable"), false);
    assert.deepEqual(mode("require"), { rejectUnauthorized: false });
    assert.deepEqual(mode("verify-ca"), { skipHostnameCheck: true });
    assert.deepEqual(mode("verify-full"), {});
    refused(
      `[store]\nbackend = "postgres"\n[store.ssl]\nmode = "prefer"\n`,
      /engine\.toml:4: unknown ssl mode "prefer"/,
    );
  });

  it("an unknown key names file, line and the known keys", () => {
    refused(
      '[store]\nbackend = "postgres"\n\nhots = "db"\n',
      /engine\.toml:4: unknown key "hots" in \[store\]/,
      /known keys: backend, path, host/,
    );
    refused('[api]\nport = 8765\nbind = "x"\n', /engine\.toml:3: unknown key "bind" in \[api\]/);
  });

  it("an unknown section is an error (e.g. [replication], which the engine does not know)", () => {
    refused(
      "[replication]\nnode = 1\n",
      /engine\.toml:1: unknown section \[replication\]/,
      /\[store\], \[store\.ssl\], \[api\], \[auth\.ldap\], \[auth\.ldap\.roles\], \[audit\] and \[cluster\]/,
    );
  });

  it("a wrong type says what was expected", () => {
    refused(
      '[store]\nbackend = "postgres"\nport = "5432"\n',
      /engine\.toml:3: port must be an integer — not string/,
    );
    refused('[api]\nallowed_hosts = "a"\n', /engine\.toml:2: allowed_hosts must be an array of strings/);
  });

  it("refuses a password in the file and says where it goes; the value never appears in the message", () => {
    refused(
      '[store]\nbackend = "postgres"\nuser = "mefor"\npassword = "hunter2-not-here"\n',
      /engine\.toml:4: a password does not belong in the settings file/,
      /MEFOR_STORE_PASSWORD/,
    );
    try {
      parseEngineSettings('[store]\nbackend = "postgres"\npassword = "hunter2-not-here"\n', FILE, {});
    } catch (err) {
      assert.doesNotMatch((err as Error).message, /hunter2/);
    }
  });

  it("postgres-only keys on a sqlite store, and a TOML syntax error, are positioned", () => {
    refused(
      '[store]\nbackend = "sqlite"\npath = "x.db"\nhost = "db"\n',
      /engine\.toml:4: host is for backend = "postgres"/,
    );
    refused('[store]\nbackend = "postgres"\nport = \n', /engine\.toml:3: /, /fix the TOML syntax/);
  });
});

describe("runtime: engine.toml [cluster]", () => {
  const PG = '[store]\nbackend = "postgres"\nhost = "db.example.test"\n';

  it("reads the cluster settings with their defaults (10 s < 20 s < 30 s) and the node's API URL", () => {
    const s = parseEngineSettings(
      `${PG}\n[cluster]\nenabled = true\nnode_id = "engine-a"\napi_url = "https://engine-a.example.test:8765/"\n`,
      FILE,
      {},
    );
    assert.deepEqual(s.cluster, {
      nodeId: "engine-a",
      apiUrl: "https://engine-a.example.test:8765",
      heartbeatMs: 10_000,
      fenceTimeoutMs: 20_000,
      leaseTtlMs: 30_000,
      promotable: true,
      acquireDelayMs: 0,
    });
    const short = parseEngineSettings(
      `${PG}\n[cluster]\nenabled = true\nnode_id = "b"\nheartbeat_seconds = 1\nleader_fence_timeout_seconds = 2\nleader_lease_ttl_seconds = 3\npromotable = false\nacquire_delay_seconds = 0.5\n`,
      FILE,
      {},
    );
    assert.equal(short.cluster?.heartbeatMs, 1000);
    assert.equal(short.cluster?.leaseTtlMs, 3000);
    assert.equal(short.cluster?.promotable, false);
    assert.equal(short.cluster?.acquireDelayMs, 500);
    // enabled = false (or no [cluster]): a single node.
    assert.equal(parseEngineSettings(`${PG}\n[cluster]\nenabled = false\n`, FILE, {}).cluster, undefined);
  });

  it("refuses heartbeat >= fence or fence >= ttl, SQLite, and unknown keys, naming the line and the fix", () => {
    refused(
      `${PG}\n[cluster]\nenabled = true\nheartbeat_seconds = 10\nleader_fence_timeout_seconds = 30\nleader_lease_ttl_seconds = 30\n`,
      /engine\.toml:9: heartbeat_seconds \(10\) < leader_fence_timeout_seconds \(30\) < leader_lease_ttl_seconds \(30\) does not hold/,
      /fence itself before its lease can expire/,
    );
    refused(
      `${PG}\n[cluster]\nenabled = true\nheartbeat_seconds = 20\n`,
      /engine\.toml:7: heartbeat_seconds \(20\) < leader_fence_timeout_seconds \(20\)/,
    );
    refused(
      '[store]\nbackend = "sqlite"\npath = "e.db"\n\n[cluster]\nenabled = true\n',
      /engine\.toml:6: a cluster needs a shared server database; backend = "sqlite" cannot cluster/,
      /backend = "postgres"/,
    );
    refused("[cluster]\nenabled = true\n", /engine\.toml:2: a cluster needs \[store\]/);
    refused(
      `${PG}\n[cluster]\nenabled = true\nlease_seconds = 3\n`,
      /engine\.toml:7: unknown key "lease_seconds" in \[cluster\]/,
    );
    refused(`${PG}\n[cluster]\nenabled = true\nnode_id = "a b"\n`, /node_id "a b" is not a plain name/);
  });
});
