/**
 * How an engine reaches its PostgreSQL: one type for the settings file, the store and the runtime-state
 * repositories, and one mapping to node-postgres' pool config. The password is never part of a settings
 * file: the loader takes it from MEFOR_STORE_PASSWORD, or pg reads PGPASSWORD / ~/.pgpass itself.
 */
import type { ConnectionOptions } from "node:tls";
import type pg from "pg";

export interface PgTlsOptions {
  /** PEM of the CA that signed the server's certificate (the system's CAs when absent). */
  ca?: string;
  /** false: encrypt without checking the certificate (`require`); true (default): verify it. */
  rejectUnauthorized?: boolean;
  /** Check the certificate against this name instead of `host` (`verify-full`). */
  servername?: string;
  /** Check the chain but not the name (`verify-ca`). */
  skipHostnameCheck?: boolean;
}

export interface PgConnectionOptions {
  /** `postgres://user@host:port/db` — tests; the settings file uses the discrete fields. */
  connectionString?: string;
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  /** Only ever from MEFOR_STORE_PASSWORD (see above). */
  password?: string;
  /** false or absent: no TLS. */
  ssl?: PgTlsOptions | false;
  /** Schema holding the engine's tables (created when missing); default `public`. */
  schema?: string;
  poolSize?: number;
  /** Shown in pg_stat_activity. */
  applicationName?: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/;

/** The schema name, checked: it is spliced into `search_path` and `CREATE SCHEMA`. */
export function pgSchema(o: PgConnectionOptions): string {
  const schema = o.schema ?? "public";
  if (!SCHEMA_NAME.test(schema))
    throw new Error(`invalid schema name ${JSON.stringify(schema)}: use lower-case letters, digits and _`);
  return schema;
}

function tlsConfig(ssl: PgTlsOptions): ConnectionOptions {
  const tls: ConnectionOptions = { rejectUnauthorized: ssl.rejectUnauthorized !== false };
  if (ssl.ca !== undefined) tls.ca = ssl.ca;
  if (ssl.servername !== undefined) tls.servername = ssl.servername;
  if (ssl.skipHostnameCheck) tls.checkServerIdentity = () => undefined;
  return tls;
}

/** node-postgres pool config for these options (`max` defaults to `fallbackPoolSize`). */
export function pgPoolConfig(o: PgConnectionOptions, fallbackPoolSize = 4): pg.PoolConfig {
  const config: pg.PoolConfig = {
    max: o.poolSize ?? fallbackPoolSize,
    options: `-c search_path=${pgSchema(o)}`,
    application_name: o.applicationName ?? "messagefoundry",
  };
  if (o.connectionString !== undefined) config.connectionString = o.connectionString;
  if (o.host !== undefined) config.host = o.host;
  if (o.port !== undefined) config.port = o.port;
  if (o.database !== undefined) config.database = o.database;
  if (o.user !== undefined) config.user = o.user;
  if (o.password !== undefined) config.password = o.password;
  if (o.ssl) config.ssl = tlsConfig(o.ssl);
  return config;
}

/**
 * A client checked out of `pool` for several statements. pg-pool listens for a client's 'error' only
 * while it is idle in the pool, so a connection the server ends while the client is out (between two
 * statements: an administrator, a failover's `pg_terminate_backend` after a pause) emitted an unheard
 * 'error' event, and that ends the process. Here it is heard while the client is out (the statement
 * that follows rejects anyway), and `release` stops listening.
 */
export async function checkOut(pool: pg.Pool): Promise<pg.PoolClient> {
  const client = await pool.connect();
  const heard = () => undefined;
  client.on("error", heard);
  const release = client.release;
  client.release = (err?: Error | boolean) => {
    client.removeListener("error", heard);
    release.call(client, err);
  };
  return client;
}
