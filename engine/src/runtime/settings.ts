/**
 * engine.toml: where an engine keeps its runtime state ([store], [store.ssl]), how its API listens
 * ([api]), directory sign-in ([auth.ldap], [auth.ldap.roles]) and where audit entries are forwarded
 * ([audit]). smol-toml (the parser connections.toml uses) reads the values; a line scanner finds where
 * each key sits so every problem names file, line and the fix. Relative paths resolve against the
 * file's folder. No password comes from this file: the database's from MEFOR_STORE_PASSWORD (or pg's own
 * PGPASSWORD / ~/.pgpass), the directory service account's from MEFOR_LDAP_BIND_PASSWORD.
 */
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, resolve } from "node:path";
import { parse as parseToml, TomlError } from "smol-toml";
import {
  type DirectorySettings,
  GROUP_MODES,
  type GroupMode,
  isRole,
  LDAP_BIND_PASSWORD_ENV,
  ROLES,
  type Role,
} from "../auth/index.js";
import type { PgConnectionOptions, PgTlsOptions } from "../store/pg-connection.js";

/** Which database holds the engine's runtime state (queue, auth, config versions). */
export type StoreSettings = (
  | { backend: "sqlite"; path: string }
  | { backend: "postgres"; pg: PgConnectionOptions }
) & {
  /** [store] commit_window_ms: the group commit's window (absent: the store's default). */
  commitWindowMs?: number;
};

export interface ApiSettings {
  host?: string;
  port?: number;
  tlsCert?: string;
  tlsKey?: string;
  allowedHosts?: string[];
  allowedOrigins?: string[];
}

export interface EngineSettings {
  /** The settings file (absolute). */
  file: string;
  /** Absent when the file has no [store] section (then `--db` must say where the store is). */
  store?: StoreSettings;
  api: ApiSettings;
  /** [auth.ldap]: directory sign-in; absent when not configured. */
  ldap?: DirectorySettings;
  /** [audit] forward: where audit entries are copied as JSON lines (`file:PATH`, `syslog+udp://host:port`, `syslog+tcp://host:port`). */
  auditForward: string[];
  /** [cluster]: active-passive HA on one PostgreSQL; absent (single node) unless `enabled = true`. */
  cluster?: ClusterSettings;
}

/** [cluster] (docs/CLUSTERING.md): timings in milliseconds, checked heartbeat < fence < ttl. */
export interface ClusterSettings {
  /** This node's name in the lease and the member list (default: host name). */
  nodeId: string;
  /** How other nodes and clients reach this node's API (NOT_LEADER answers, GET /cluster/nodes). */
  apiUrl?: string;
  heartbeatMs: number;
  /** A leader that could not renew for this long stops intake, claims and deliveries. */
  fenceTimeoutMs: number;
  /** How long a lease lives past its last renewal (the database's clock). */
  leaseTtlMs: number;
  /** False: this node never takes the lease (a witness / maintenance node). */
  promotable: boolean;
  /** How long a node waits after it starts before it may take a free lease. */
  acquireDelayMs: number;
}

export class SettingsError extends Error {
  override name = "SettingsError";
}

/** The environment variable the PostgreSQL password comes from. */
export const STORE_PASSWORD_ENV = "MEFOR_STORE_PASSWORD";

/** `strings`: one string or an array of them. */
type Kind = "string" | "integer" | "number" | "boolean" | "string[]" | "strings";
const SECTIONS: Readonly<Record<string, Readonly<Record<string, Kind>>>> = {
  store: {
    backend: "string",
    path: "string",
    host: "string",
    port: "integer",
    database: "string",
    user: "string",
    schema: "string",
    pool_size: "integer",
    commit_window_ms: "integer",
  },
  "store.ssl": { mode: "string", ca: "string", servername: "string" },
  api: {
    host: "string",
    port: "integer",
    tls_cert: "string",
    tls_key: "string",
    allowed_hosts: "string[]",
    allowed_origins: "string[]",
  },
  auth: {},
  "auth.ldap": {
    url: "string",
    start_tls: "boolean",
    ca: "string",
    bind_dn: "string",
    user_base: "string",
    user_filter: "string",
    disabled_filter: "string",
    groups: "string",
    group_base: "string",
    timeout_ms: "integer",
    connect_timeout_ms: "integer",
  },
  audit: { forward: "strings" },
  cluster: {
    enabled: "boolean",
    node_id: "string",
    api_url: "string",
    heartbeat_seconds: "number",
    leader_fence_timeout_seconds: "number",
    leader_lease_ttl_seconds: "number",
    promotable: "boolean",
    acquire_delay_seconds: "number",
  },
};
/** Sections whose keys are free (checked by their own code). */
const FREE_SECTIONS = new Set(["auth.ldap.roles"]);
const PG_ONLY = ["host", "port", "database", "user", "schema", "pool_size"] as const;
const SSL_MODES = ["disable", "require", "verify-ca", "verify-full"] as const;

/** Line of each `[section]` header and `key =` (by `section.key`), for positioned errors. */
function lineIndex(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  let section = "";
  text.split(/\r?\n/).forEach((line, i) => {
    const header = /^\s*\[\s*([A-Za-z0-9_.-]+)\s*\]/.exec(line);
    if (header) {
      section = header[1] ?? "";
      if (!lines.has(section)) lines.set(section, i + 1);
      return;
    }
    // Bare keys, and basic-string keys such as a group DN in [auth.ldap.roles].
    const kv = /^\s*([A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*")\s*=/.exec(line);
    const key = kv?.[1]?.startsWith('"') ? (JSON.parse(kv[1]) as string) : kv?.[1];
    const name = section ? `${section}.${key}` : key;
    if (kv && name && !lines.has(name)) lines.set(name, i + 1);
  });
  return lines;
}

function kindOf(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (typeof v === "bigint" || (typeof v === "number" && Number.isInteger(v))) return "integer";
  return v instanceof Date ? "date" : typeof v === "object" ? "table" : typeof v;
}

function fits(v: unknown, kind: Kind): boolean {
  if (kind === "string") return typeof v === "string";
  if (kind === "integer") return kindOf(v) === "integer";
  if (kind === "number") return typeof v === "number" || typeof v === "bigint";
  if (kind === "boolean") return typeof v === "boolean";
  if (kind === "strings" && typeof v === "string") return true;
  return Array.isArray(v) && v.every((x) => typeof x === "string");
}

const KIND_TEXT: Readonly<Record<Kind, string>> = {
  string: "a string",
  integer: "an integer",
  number: "a number",
  boolean: "true or false",
  "string[]": "an array of strings",
  strings: "a string or an array of strings",
};

/** Reads and checks engine.toml; throws SettingsError listing every problem (file:line: what; fix). */
export function loadEngineSettings(file: string, env: NodeJS.ProcessEnv = process.env): EngineSettings {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new SettingsError(`${file}: cannot read the settings file: ${(error as Error).message}`);
  }
  return parseEngineSettings(text, path, env);
}

/** {@link loadEngineSettings} over text already read; `file` is used for messages and relative paths. */
export function parseEngineSettings(
  text: string,
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): EngineSettings {
  let data: Record<string, unknown>;
  try {
    data = parseToml(text) as Record<string, unknown>;
  } catch (e) {
    const where = e instanceof TomlError ? `${file}:${e.line}` : file;
    const msg = e instanceof TomlError ? (e.message.split("\n")[0] ?? "") : String(e);
    throw new SettingsError(`${where}: ${msg} — fix the TOML syntax (https://toml.io)`);
  }
  const lines = lineIndex(text);
  const problems: string[] = [];
  // A key not found by the scanner (e.g. in an inline table) points at its section.
  const at = (name: string) =>
    `${file}:${lines.get(name) ?? lines.get(name.slice(0, Math.max(0, name.lastIndexOf(".")))) ?? 1}`;
  const problem = (name: string, what: string, fix: string) => problems.push(`${at(name)}: ${what} — ${fix}`);

  // Checked shape: section → key → value (only known keys of the right type survive).
  const values: Record<string, Record<string, unknown>> = {};
  const visit = (section: string, table: Record<string, unknown>) => {
    const known = SECTIONS[section];
    const out: Record<string, unknown> = {};
    values[section] = out;
    for (const [key, value] of Object.entries(table)) {
      const name = section ? `${section}.${key}` : key;
      if ((SECTIONS[name] || FREE_SECTIONS.has(name)) && kindOf(value) === "table") {
        if (FREE_SECTIONS.has(name)) values[name] = value as Record<string, unknown>;
        else visit(name, value as Record<string, unknown>);
        continue;
      }
      if (!known) {
        problem(
          name,
          section ? `unknown key "${key}"` : `unknown section [${key}]`,
          `engine.toml has [store], [store.ssl], [api], [auth.ldap], [auth.ldap.roles], [audit] and [cluster]; remove or rename it`,
        );
        continue;
      }
      if (key === "password" || key === "bind_password") {
        problem(
          name,
          "a password does not belong in the settings file",
          section === "auth.ldap"
            ? `remove it and set ${LDAP_BIND_PASSWORD_ENV} in the engine's environment`
            : `remove it and set ${STORE_PASSWORD_ENV} in the engine's environment (or use PGPASSWORD / ~/.pgpass)`,
        );
        continue;
      }
      const kind = known[key];
      if (!kind) {
        problem(name, `unknown key "${key}" in [${section}]`, `known keys: ${Object.keys(known).join(", ")}`);
        continue;
      }
      if (!fits(value, kind)) {
        problem(name, `${key} must be ${KIND_TEXT[kind]}`, `not ${kindOf(value)}`);
        continue;
      }
      out[key] = typeof value === "bigint" ? Number(value) : value;
    }
  };
  visit("", data);

  const folder = dirname(file);
  const rel = (p: string) => resolve(folder, p);
  const str = (section: string, key: string) => values[section]?.[key] as string | undefined;
  const int = (section: string, key: string) => values[section]?.[key] as number | undefined;

  let store: StoreSettings | undefined;
  const s = values.store;
  if (s) {
    const backend = str("store", "backend") ?? "sqlite";
    if (backend === "sqlite") {
      for (const key of PG_ONLY)
        if (s[key] !== undefined) problem(`store.${key}`, `${key} is for backend = "postgres"`, "remove it");
      if (values["store.ssl"]) problem("store.ssl", '[store.ssl] is for backend = "postgres"', "remove it");
      const path = str("store", "path");
      if (path === undefined) problem("store", 'backend = "sqlite" needs path', 'add path = "engine.db"');
      else store = { backend: "sqlite", path: rel(path) };
    } else if (backend === "postgres") {
      if (s.path !== undefined) problem("store.path", 'path is for backend = "sqlite"', "remove it");
      const port = int("store", "port");
      if (port !== undefined && (port < 1 || port > 65535))
        problem("store.port", `port ${port} is out of range`, "use 1..65535");
      const poolSize = int("store", "pool_size");
      if (poolSize !== undefined && (poolSize < 1 || poolSize > 1000))
        problem("store.pool_size", `pool_size ${poolSize} is out of range`, "use 1..1000");
      const schema = str("store", "schema");
      if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema))
        problem(
          "store.schema",
          `schema "${schema}" is not a plain name`,
          "use lower-case letters, digits and _",
        );
      const pg: PgConnectionOptions = { applicationName: "messagefoundry" };
      const host = str("store", "host");
      const database = str("store", "database");
      const user = str("store", "user");
      if (host !== undefined) pg.host = host;
      if (port !== undefined) pg.port = port;
      if (database !== undefined) pg.database = database;
      if (user !== undefined) pg.user = user;
      if (schema !== undefined) pg.schema = schema;
      if (poolSize !== undefined) pg.poolSize = poolSize;
      const password = env[STORE_PASSWORD_ENV];
      if (password) pg.password = password;
      const ssl = sslOptions(values["store.ssl"], rel, (key, what, fix) =>
        problem(`store.ssl.${key}`, what, fix),
      );
      if (ssl !== undefined) pg.ssl = ssl;
      store = { backend: "postgres", pg };
    } else {
      problem("store.backend", `unknown backend "${backend}"`, 'use "sqlite" or "postgres"');
    }
    const window = int("store", "commit_window_ms");
    if (window !== undefined && (window < 0 || window > 100))
      problem("store.commit_window_ms", `commit_window_ms ${window} is out of range`, "use 0..100");
    else if (window !== undefined && store) store.commitWindowMs = window;
  } else if (values["store.ssl"]) {
    problem("store.ssl", "[store.ssl] without [store]", 'add [store] with backend = "postgres"');
  }

  const api: ApiSettings = {};
  const a = values.api ?? {};
  const host = str("api", "host");
  const port = int("api", "port");
  if (port !== undefined && (port < 0 || port > 65535))
    problem("api.port", `port ${port} is out of range`, "use 0..65535");
  if (host !== undefined) api.host = host;
  if (port !== undefined) api.port = port;
  const cert = str("api", "tls_cert");
  const key = str("api", "tls_key");
  if (cert !== undefined) api.tlsCert = rel(cert);
  if (key !== undefined) api.tlsKey = rel(key);
  if (a.allowed_hosts !== undefined) api.allowedHosts = a.allowed_hosts as string[];
  if (a.allowed_origins !== undefined) api.allowedOrigins = a.allowed_origins as string[];

  const ldap = ldapSettings(values, rel, problem);
  const forward = values.audit?.forward as string | string[] | undefined;
  const targets = forward === undefined ? [] : typeof forward === "string" ? [forward] : forward;
  for (const target of targets) {
    const why = auditTargetProblem(target);
    if (why) problem("audit.forward", why, AUDIT_TARGET_FIX);
  }
  // A relative file resolves against the settings file's folder, like every other path here.
  const auditForward = targets.map((t) => (t.startsWith("file:") ? `file:${rel(t.slice(5))}` : t));

  const cluster = clusterSettings(values.cluster, store, env, problem);

  if (problems.length > 0) throw new SettingsError(problems.join("\n"));
  return {
    file,
    ...(store ? { store } : {}),
    api,
    ...(ldap ? { ldap } : {}),
    auditForward,
    ...(cluster ? { cluster } : {}),
  };
}

/** The default [cluster] timings (seconds): heartbeat < fence < ttl. */
export const CLUSTER_DEFAULTS = { heartbeat: 10, fence: 20, ttl: 30 } as const;

/** [cluster] → settings when `enabled = true`; checks the timings' order and the store. */
function clusterSettings(
  c: Record<string, unknown> | undefined,
  store: StoreSettings | undefined,
  env: NodeJS.ProcessEnv,
  problem: Problem,
): ClusterSettings | undefined {
  if (c?.enabled !== true || !c) return undefined;
  if (store?.backend !== "postgres")
    problem(
      "cluster.enabled",
      store
        ? 'a cluster needs a shared server database; backend = "sqlite" cannot cluster'
        : "a cluster needs [store] with a shared server database",
      'set [store] backend = "postgres" (every node on the same database), or enabled = false',
    );
  const seconds = (key: string, fallback: number) => {
    const v = (c[key] as number | undefined) ?? fallback;
    if (!(v > 0 && v <= 3600))
      problem(`cluster.${key}`, `${key} ${v} is out of range`, "use 0 < seconds <= 3600");
    return v;
  };
  const heartbeat = seconds("heartbeat_seconds", CLUSTER_DEFAULTS.heartbeat);
  const fence = seconds("leader_fence_timeout_seconds", CLUSTER_DEFAULTS.fence);
  const ttl = seconds("leader_lease_ttl_seconds", CLUSTER_DEFAULTS.ttl);
  if (!(heartbeat < fence && fence < ttl)) {
    // The line of a value given that breaks the order (else [cluster]'s enabled line).
    const keys =
      heartbeat >= fence
        ? ["leader_fence_timeout_seconds", "heartbeat_seconds"]
        : ["leader_lease_ttl_seconds", "leader_fence_timeout_seconds"];
    const key = keys.find((k) => c[k] !== undefined) ?? "enabled";
    problem(
      `cluster.${key}`,
      `heartbeat_seconds (${heartbeat}) < leader_fence_timeout_seconds (${fence}) < leader_lease_ttl_seconds (${ttl}) does not hold`,
      "a leader must fence itself before its lease can expire: e.g. 10, 20, 30",
    );
  }
  const delay = (c.acquire_delay_seconds as number | undefined) ?? 0;
  if (!(delay >= 0 && delay <= 3600))
    problem("cluster.acquire_delay_seconds", `acquire_delay_seconds ${delay} is out of range`, "use 0..3600");
  const nodeId = (c.node_id as string | undefined) ?? env.HOSTNAME ?? hostname();
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(nodeId))
    problem(
      "cluster.node_id",
      `node_id "${nodeId}" is not a plain name`,
      "use 1-64 letters, digits, _ . : -",
    );
  const apiUrl = c.api_url as string | undefined;
  if (apiUrl !== undefined && !/^https?:\/\/[^/\s]+\/?$/.test(apiUrl))
    problem(
      "cluster.api_url",
      `api_url "${apiUrl}" is not http(s)://host:port`,
      'e.g. "https://engine-a.example.org:8765"',
    );
  return {
    nodeId,
    ...(apiUrl !== undefined ? { apiUrl: apiUrl.replace(/\/$/, "") } : {}),
    heartbeatMs: Math.round(heartbeat * 1000),
    fenceTimeoutMs: Math.round(fence * 1000),
    leaseTtlMs: Math.round(ttl * 1000),
    promotable: (c.promotable as boolean | undefined) ?? true,
    acquireDelayMs: Math.round(delay * 1000),
  };
}

type Problem = (name: string, what: string, fix: string) => void;

const AUDIT_TARGET_FIX =
  'use "file:/var/log/mf-audit.jsonl", "syslog+udp://host:514" or "syslog+tcp://host:514"';

/** Why an `[audit] forward` target is not one the engine can write to, or undefined. */
export function auditTargetProblem(target: string): string | undefined {
  if (target.startsWith("file:")) return target.length > 5 ? undefined : "file: needs a path";
  const m = /^syslog\+(udp|tcp):\/\/([^/:]+|\[[^\]]+\]):(\d+)\/?$/.exec(target);
  if (!m) return `unknown audit forward target "${target}"`;
  const port = Number(m[3]);
  return port >= 1 && port <= 65535 ? undefined : `port ${port} is out of range`;
}

/** [auth.ldap] and [auth.ldap.roles] → directory settings (the CA file is read here). */
function ldapSettings(
  values: Record<string, Record<string, unknown>>,
  rel: (p: string) => string,
  problem: Problem,
): DirectorySettings | undefined {
  const l = values["auth.ldap"];
  const roleTable = values["auth.ldap.roles"];
  if (!l) {
    if (roleTable) problem("auth.ldap.roles", "[auth.ldap.roles] without [auth.ldap]", "add [auth.ldap]");
    return undefined;
  }
  const str = (key: string) => l[key] as string | undefined;
  const url = str("url");
  if (url === undefined)
    problem("auth.ldap", "[auth.ldap] needs url", 'add url = "ldaps://dc1.example.org:636"');
  else if (!/^ldaps?:\/\/[^/]+\/?$/.test(url))
    problem(
      "auth.ldap.url",
      `url "${url}" is not ldap://host[:port] or ldaps://host[:port]`,
      "give the server only",
    );
  const startTls = (l.start_tls as boolean | undefined) ?? false;
  if (startTls && url?.startsWith("ldaps:"))
    problem("auth.ldap.start_tls", "start_tls is for ldap:// (ldaps:// is TLS from the start)", "remove it");
  const userBase = str("user_base");
  if (userBase === undefined)
    problem("auth.ldap", "[auth.ldap] needs user_base", 'add user_base = "OU=Staff,DC=example,DC=org"');
  const userFilter = str("user_filter") ?? "(uid={username})";
  if (!userFilter.includes("{username}"))
    problem(
      "auth.ldap.user_filter",
      "user_filter has no {username}",
      'e.g. "(&(objectClass=user)(sAMAccountName={username}))"',
    );
  const groups = (str("groups") ?? "member-of") as GroupMode;
  if (!(GROUP_MODES as readonly string[]).includes(groups))
    problem("auth.ldap.groups", `unknown groups mode "${groups}"`, `use one of ${GROUP_MODES.join(", ")}`);
  const timeout = (key: string, fallback: number) => {
    const v = (l[key] as number | undefined) ?? fallback;
    if (v < 100 || v > 60_000)
      problem(`auth.ldap.${key}`, `${key} ${v} is out of range`, "use 100..60000 (ms)");
    return v;
  };
  const roles = new Map<string, Role>();
  for (const [dn, role] of Object.entries(roleTable ?? {})) {
    if (isRole(role)) roles.set(dn, role);
    else
      problem(
        `auth.ldap.roles.${dn}`,
        `group "${dn}" maps to ${JSON.stringify(role)}, not a role`,
        `use one of ${ROLES.join(", ")}`,
      );
  }
  if (roles.size === 0 && !roleTable)
    problem(
      "auth.ldap",
      "[auth.ldap] has no [auth.ldap.roles]: no directory user could sign in",
      'add [auth.ldap.roles] with "group DN" = "role" lines',
    );
  let ca: string | undefined;
  const caFile = str("ca");
  if (caFile !== undefined) {
    try {
      ca = readFileSync(rel(caFile), "utf8");
    } catch (error) {
      problem(
        "auth.ldap.ca",
        `cannot read the CA file: ${(error as Error).message}`,
        "give the PEM file of the directory's CA",
      );
    }
  }
  const settings: DirectorySettings = {
    url: url ?? "",
    startTls,
    userBase: userBase ?? "",
    userFilter,
    groups,
    roles,
    timeoutMs: timeout("timeout_ms", 5000),
    connectTimeoutMs: timeout("connect_timeout_ms", 3000),
  };
  if (ca !== undefined) settings.ca = ca;
  for (const [key, field] of [
    ["bind_dn", "bindDn"],
    ["disabled_filter", "disabledFilter"],
    ["group_base", "groupBase"],
  ] as const) {
    const v = str(key);
    if (v !== undefined) settings[field] = v;
  }
  return settings;
}

/** [store.ssl] → pg TLS options (the `ca` file is read here). */
function sslOptions(
  ssl: Record<string, unknown> | undefined,
  rel: (p: string) => string,
  problem: (key: string, what: string, fix: string) => void,
): PgTlsOptions | false | undefined {
  if (!ssl) return undefined;
  const mode = (ssl.mode as string | undefined) ?? "verify-full";
  if (!(SSL_MODES as readonly string[]).includes(mode)) {
    problem("mode", `unknown ssl mode "${mode}"`, `use one of ${SSL_MODES.join(", ")}`);
    return undefined;
  }
  if (mode === "disable") return false;
  if (mode === "require") return { rejectUnauthorized: false };
  const tls: PgTlsOptions = {};
  if (typeof ssl.ca === "string") {
    try {
      tls.ca = readFileSync(rel(ssl.ca), "utf8");
    } catch (error) {
      problem(
        "ca",
        `cannot read the CA file: ${(error as Error).message}`,
        "give the PEM file of the server's CA",
      );
    }
  }
  if (typeof ssl.servername === "string") tls.servername = ssl.servername;
  if (mode === "verify-ca") tls.skipHostnameCheck = true;
  return tls;
}
