/**
 * Pure pieces of the database connector: named parameters (`:name`) compiled to the dialect's
 * placeholders, the binding of a delivery's params to a statement, a driver error mapped to retry or
 * permanent, and a result row turned into JSON. No I/O here.
 */

export type Dialect = "postgres" | "mysql";

/** A statement with its named parameters replaced by the dialect's placeholders. */
export interface CompiledSql {
  /** SQL text for the driver: `$1, $2…` (postgres) or `?` (mysql). */
  text: string;
  /**
   * Named: the param name for each placeholder (postgres: each distinct name once, `$n` = names[n-1];
   * mysql: one per `?` in order, repeats included). Undefined: no named params; the statement takes
   * positional params in the dialect's own syntax (`$1` / `?`), given as an array.
   */
  names?: readonly string[];
}

const NAME_START = /[A-Za-z_]/;
const NAME_PART = /[A-Za-z0-9_]/;

/**
 * Replaces `:name` outside quotes, quoted identifiers and comments. `::` (a PostgreSQL cast) and `:=`
 * (MySQL assignment) are left alone.
 */
export function compileSql(sql: string, dialect: Dialect): CompiledSql {
  const names: string[] = [];
  let out = "";
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    if (c === "'" || c === '"' || c === "`") {
      const end = closingQuote(sql, i, c, dialect);
      out += sql.slice(i, end);
      i = end;
    } else if (c === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i);
      const stop = end === -1 ? n : end;
      out += sql.slice(i, stop);
      i = stop;
    } else if (c === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      const stop = end === -1 ? n : end + 2;
      out += sql.slice(i, stop);
      i = stop;
    } else if (c === ":" && sql[i + 1] === ":") {
      out += "::";
      i += 2;
    } else if (c === ":" && NAME_START.test(sql[i + 1] ?? "") && !NAME_PART.test(sql[i - 1] ?? "")) {
      let j = i + 2;
      while (j < n && NAME_PART.test(sql[j]!)) j++;
      const name = sql.slice(i + 1, j);
      if (dialect === "postgres") {
        let k = names.indexOf(name);
        if (k === -1) k = names.push(name) - 1;
        out += `$${k + 1}`;
      } else {
        names.push(name);
        out += "?";
      }
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  return names.length > 0 ? { text: out, names } : { text: out };
}

/**
 * Index just past the quote closing the one at `start`: a doubled quote is an escaped one, and so is a
 * backslash-quote in MySQL strings (PostgreSQL's standard strings take backslashes literally).
 */
function closingQuote(sql: string, start: number, q: string, dialect: Dialect): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === "\\" && q === "'" && dialect === "mysql") i += 2;
    else if (sql[i] === q && sql[i + 1] === q) i += 2;
    else if (sql[i] === q) return i + 1;
    else i++;
  }
  return sql.length;
}

/** A delivery that can never succeed as written (a bad payload or params): dead-lettered. */
export class BadDeliveryError extends Error {
  override readonly name = "BadDeliveryError";
}

/**
 * The driver's values for `compiled` from a delivery's params: an object for named statements (every
 * name given, no others), an array (or nothing) for positional ones. Objects and arrays inside are
 * sent as JSON text (a json/jsonb/JSON column takes them).
 */
export function bindParams(statement: string, compiled: CompiledSql, params: unknown): unknown[] {
  if (compiled.names === undefined) {
    if (params === undefined || params === null) return [];
    if (!Array.isArray(params))
      throw new BadDeliveryError(`statement '${statement}' takes positional params (an array)`);
    return params.map(toDriverValue);
  }
  if (typeof params !== "object" || params === null || Array.isArray(params))
    throw new BadDeliveryError(`statement '${statement}' takes named params (an object)`);
  const given = params as Record<string, unknown>;
  const wanted = new Set(compiled.names);
  const missing = [...wanted].filter((k) => !Object.hasOwn(given, k));
  if (missing.length > 0)
    throw new BadDeliveryError(
      `statement '${statement}': missing param ${missing.map((k) => `:${k}`).join(", ")}`,
    );
  const extra = Object.keys(given).filter((k) => !wanted.has(k));
  if (extra.length > 0)
    throw new BadDeliveryError(
      `statement '${statement}': unknown param ${extra.map((k) => `:${k}`).join(", ")}`,
    );
  return compiled.names.map((k) => toDriverValue(given[k]));
}

function toDriverValue(v: unknown): unknown {
  if (v === undefined) return null;
  if (v !== null && typeof v === "object") return JSON.stringify(v);
  return v;
}

/** One statement of a delivery: the name declared in the connection's `statements` and its params. */
export interface StatementCall {
  statement: string;
  params?: unknown;
}

/** Reads a delivery payload: `{ statement, params }` or an array of them (one transaction). */
export function parseDelivery(payload: Buffer): StatementCall[] {
  let doc: unknown;
  try {
    doc = JSON.parse(payload.toString("utf8"));
  } catch {
    throw new BadDeliveryError(
      'payload is not JSON: a database outbound takes { "statement": name, "params": … } (use dbStatement())',
    );
  }
  const calls = Array.isArray(doc) ? doc : [doc];
  if (calls.length === 0) throw new BadDeliveryError("payload is an empty list of statements");
  return calls.map((c, i) => {
    const where = Array.isArray(doc) ? ` (item ${i})` : "";
    if (typeof c !== "object" || c === null || Array.isArray(c))
      throw new BadDeliveryError(`payload${where} is not a { statement, params } object`);
    const { statement, params, ...rest } = c as Record<string, unknown>;
    if (typeof statement !== "string" || statement === "")
      throw new BadDeliveryError(`payload${where} has no statement name`);
    const other = Object.keys(rest);
    if (other.length > 0) throw new BadDeliveryError(`payload${where} has unknown key ${other.join(", ")}`);
    return { statement, params };
  });
}

/** SQLSTATE classes / codes (PostgreSQL) that pass: connection trouble, contention, resources, shutdown. */
const PG_TRANSIENT_CLASSES = ["08", "53", "57P", "58"];
const PG_TRANSIENT_CODES = new Set([
  "40001", // serialization_failure
  "40P01", // deadlock_detected
  "55P03", // lock_not_available
  "55006", // object_in_use
  "57014", // query_canceled (statement_timeout)
  "28000", // invalid_authorization_specification: a config fix, not the message's fault
  "28P01", // invalid_password
  "3D000", // invalid_catalog_name (database missing): as above
]);

/** MySQL/MariaDB error codes that pass. */
const MYSQL_TRANSIENT = new Set([
  "ER_LOCK_DEADLOCK",
  "ER_LOCK_WAIT_TIMEOUT",
  "ER_CON_COUNT_ERROR",
  "ER_TOO_MANY_USER_CONNECTIONS",
  "ER_SERVER_SHUTDOWN",
  "ER_QUERY_INTERRUPTED",
  "ER_CONNECTION_KILLED",
  "ER_NET_READ_ERROR",
  "ER_NET_READ_INTERRUPTED",
  "ER_NET_WRITE_INTERRUPTED",
  "ER_NET_ERROR_ON_WRITE",
  "ER_LOCK_TABLE_FULL",
  "ER_OUT_OF_RESOURCES",
  "ER_ACCESS_DENIED_ERROR",
  "ER_DBACCESS_DENIED_ERROR",
  "ER_BAD_DB_ERROR",
  "ER_CLIENT_INTERACTION_TIMEOUT",
  "ER_STATEMENT_TIMEOUT",
  "PROTOCOL_CONNECTION_LOST",
  "PROTOCOL_SEQUENCE_TIMEOUT",
  "POOL_CLOSED",
]);

/**
 * retry: the database or the way to it is the problem (connection refused/reset/lost, timeouts,
 * deadlock, serialization failure, lock timeout, too many connections, shutdown, login refused);
 * permanent: the statement or its data is (syntax, constraint violation, bad value, unknown column).
 * An error without a database code is a network or driver error: retry.
 */
export function classifyDbError(dialect: Dialect, err: unknown): "retry" | "permanent" {
  if (err instanceof BadDeliveryError) return "permanent";
  const e = err as { code?: unknown; fatal?: unknown; sqlState?: unknown };
  const code = typeof e?.code === "string" ? e.code : undefined;
  if (dialect === "postgres") {
    if (code === undefined || !/^[0-9A-Z]{5}$/.test(code)) return "retry";
    if (PG_TRANSIENT_CODES.has(code) || PG_TRANSIENT_CLASSES.some((p) => code.startsWith(p))) return "retry";
    return "permanent";
  }
  if (e?.fatal === true) return "retry";
  if (code === undefined || !code.startsWith("ER_")) return "retry";
  if (MYSQL_TRANSIENT.has(code)) return "retry";
  const state = typeof e.sqlState === "string" ? e.sqlState : "";
  return state.startsWith("08") || state === "40001" ? "retry" : "permanent";
}

/**
 * A short error text without values. The pipeline records it and logs it, so the values a driver quotes
 * (MySQL's `Duplicate entry 'MRN1' for key …`, `Incorrect integer value: 'x'`; PostgreSQL's
 * `invalid input syntax for type integer: "x"`, `value "9…" is out of range`) become `…`; names of
 * columns, keys and constraints stay.
 */
export function dbErrorText(err: unknown): string {
  if (!(err instanceof Error)) return redactValues(String(err));
  const code = (err as { code?: unknown }).code;
  const msg = redactValues(err.message || err.name);
  return typeof code === "string" && !msg.includes(code) ? `${code}: ${msg}` : msg;
}

export function redactValues(msg: string): string {
  return msg
    .replace(/(Duplicate entry |\bvalue |:\s*)(['"])(?:(?!\2).|\2\2)*\2/g, "$1…")
    .replace(/(Duplicate entry |\bvalue |:\s*)(['"])[^'"]*$/g, "$1…");
}

/** A result row as JSON: Dates as ISO text, bigints as text, binary as base64. */
export function rowJson(row: Record<string, unknown>): string {
  return JSON.stringify(row, (_k, v: unknown) => {
    if (typeof v === "bigint") return v.toString();
    if (v !== null && typeof v === "object" && (v as { type?: unknown }).type === "Buffer") {
      return Buffer.from((v as { data: number[] }).data).toString("base64");
    }
    return v;
  });
}

/** A column value as a cursor (high-water mark) text. */
export function markText(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (v instanceof Date) return v.toISOString();
  if (Buffer.isBuffer(v)) return v.toString("hex");
  return String(v);
}
