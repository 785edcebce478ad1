/**
 * Database connector (PostgreSQL, MySQL/MariaDB): settings and factories. The source polls a query
 * (database-inbound.ts); the destination runs named statements (database-outbound.ts).
 */
import type { DbConnectionSettings } from "./database-driver.js";
import { DatabaseInbound, type DatabaseInboundSettings } from "./database-inbound.js";
import { DatabaseOutbound, type DatabaseOutboundSettings } from "./database-outbound.js";
import { type CompiledSql, compileSql, type Dialect } from "./database-sql.js";
import { SettingsReader } from "./settings.js";
import { readTlsClient } from "./tls.js";
import type { ConnectorDefinition, RawSettings } from "./types.js";

export const DEFAULT_PORTS: Record<Dialect, number> = { postgres: 5432, mysql: 3306 };

function readConnection(r: SettingsReader): DbConnectionSettings {
  const given = r.oneOf("dialect", ["postgres", "mysql", "mariadb"] as const, "postgres");
  const dialect: Dialect = given === "mariadb" ? "mysql" : given;
  return {
    dialect,
    host: r.str("host"),
    port: r.has("port") ? r.int("port", { min: 1, max: 65535 }) : DEFAULT_PORTS[dialect],
    database: r.str("database"),
    user: r.str("user"),
    password: r.optStr("password"),
    tls: readTlsClient(r),
    poolSize: r.int("poolSize", { def: 4, min: 1, max: 100 }),
    connectTimeoutMs: r.int("connectTimeoutMs", { def: 10_000, min: 1 }),
  };
}

function compile(r: SettingsReader, key: string, sql: string, dialect: Dialect): CompiledSql {
  const compiled = compileSql(sql, dialect);
  if (compiled.text.trim() === "") r.fail(key, "is empty");
  return compiled;
}

export function readDatabaseInbound(name: string, raw: RawSettings): DatabaseInboundSettings {
  const r = new SettingsReader(name, raw);
  const conn = readConnection(r);
  const query = compile(r, "query", r.str("query"), conn.dialect);
  const markColumn = r.optStr("markColumn");
  const markProcessedSql = r.optStr("markProcessed");
  if ((markColumn === undefined) === (markProcessedSql === undefined))
    r.fail("markColumn", "set exactly one of markColumn (a high-water mark) or markProcessed (a statement)");
  const unknown = (query.names ?? []).filter((n) => n !== "mark");
  if (unknown.length > 0) r.fail("query", `only :mark may be a parameter (got :${unknown[0]})`);
  if (markColumn !== undefined && query.names === undefined)
    r.fail("query", "must read the high-water mark as :mark (e.g. WHERE id > :mark ORDER BY id)");
  if (markColumn === undefined && query.names !== undefined)
    r.fail("query", ":mark needs markColumn (with markProcessed the query selects unprocessed rows)");
  return {
    ...conn,
    query,
    pollIntervalMs: r.int("pollIntervalMs", { def: 5000, min: 10 }),
    markColumn,
    markStart: r.has("markStart") ? String(r.raw.markStart) : undefined,
    markProcessed:
      markProcessedSql === undefined
        ? undefined
        : compile(r, "markProcessed", markProcessedSql, conn.dialect),
    payloadColumn: r.optStr("payloadColumn"),
  };
}

export function readDatabaseOutbound(name: string, raw: RawSettings): DatabaseOutboundSettings {
  const r = new SettingsReader(name, raw);
  const conn = readConnection(r);
  const texts = r.stringMap("statements");
  if (Object.keys(texts).length === 0)
    r.fail("statements", "declare at least one named statement (name = SQL text)");
  const statements = new Map<string, CompiledSql>();
  for (const [k, sql] of Object.entries(texts))
    statements.set(k, compile(r, `statements.${k}`, sql, conn.dialect));
  return { ...conn, statements, maxReplyRows: r.int("maxReplyRows", { def: 100, min: 0 }) };
}

export const databaseConnector: ConnectorDefinition = {
  inbound: (name, raw, deps) => new DatabaseInbound(name, readDatabaseInbound(name, raw), deps.cursors),
  outbound: (name, raw, deps) => new DatabaseOutbound(name, readDatabaseOutbound(name, raw), deps.log),
};
