/**
 * Database outbound: a delivery names statements declared in the connection's settings and gives
 * their params — `{ "statement": "insert_adt", "params": { … } }`, or a list of them — so no SQL text
 * travels in the queue. All statements of one delivery run in one transaction. Errors of the database
 * or the way to it (refused, reset, deadlock, serialization, lock timeout, too many connections)
 * retry; errors of the delivery (bad JSON, unknown statement, bad params, syntax, constraint) are
 * permanent. The reply recorded with the delivery is JSON: each statement's rowCount and first rows.
 */
import { type DbConnectionSettings, type DbDriver, openDriver } from "./database-driver.js";
import {
  BadDeliveryError,
  bindParams,
  type CompiledSql,
  classifyDbError,
  dbErrorText,
  parseDelivery,
} from "./database-sql.js";
import { OutboundStats } from "./stats.js";
import type { ConnectorLog, OutboundConnector, OutboundState, SendMeta, SendResult } from "./types.js";
import { SerialQueue } from "./util.js";

export interface DatabaseOutboundSettings extends DbConnectionSettings {
  /** Statement name → compiled SQL. */
  statements: ReadonlyMap<string, CompiledSql>;
  /** Rows per statement kept in the recorded reply. Default 100. */
  maxReplyRows: number;
}

export class DatabaseOutbound implements OutboundConnector {
  readonly type = "database";
  private readonly stats = new OutboundStats();
  private readonly queue = new SerialQueue();
  private driver: Promise<DbDriver> | undefined;

  constructor(
    readonly name: string,
    private readonly settings: DatabaseOutboundSettings,
    private readonly log: ConnectorLog,
  ) {}

  get state(): OutboundState {
    return this.stats.snapshot();
  }

  send(payload: Buffer, meta: SendMeta): Promise<SendResult> {
    return this.queue.run(async () => {
      this.stats.bytesOut(payload.length);
      const result = await this.deliver(payload);
      this.stats.result(result.status === "ok", result.error);
      if (result.reply) this.stats.bytesIn(result.reply.length);
      const fields = { connection: this.name, messageId: meta.messageId, status: result.status };
      if (result.status === "ok") this.log.debug(fields, "delivered");
      // The error text has its quoted values redacted (dbErrorText); the pipeline logs and records it.
      // The delivery worker logs the outcome at info+ by class; the text may quote the reply.
      else this.log.debug({ ...fields, error: result.error }, "delivery failed");
      return result;
    });
  }

  async close(): Promise<void> {
    await this.queue.idle();
    const driver = this.driver;
    this.driver = undefined;
    if (driver) await (await driver.catch(() => undefined))?.end().catch(() => undefined);
    this.stats.status = "closed";
  }

  private async deliver(payload: Buffer): Promise<SendResult> {
    const s = this.settings;
    let calls: { sql: CompiledSql; params: unknown[]; name: string }[];
    try {
      calls = parseDelivery(payload).map((c) => {
        const sql = s.statements.get(c.statement);
        if (!sql)
          throw new BadDeliveryError(
            `unknown statement '${c.statement}' (declared: ${[...s.statements.keys()].join(", ")})`,
          );
        return { sql, params: bindParams(c.statement, sql, c.params), name: c.statement };
      });
    } catch (err) {
      return { status: "permanent", error: dbErrorText(err) };
    }
    try {
      this.driver ??= openDriver(s);
      const driver = await this.driver.catch((err: unknown) => {
        this.driver = undefined; // e.g. an unreadable CA file: try again next time
        throw err;
      });
      const results = await driver.transaction(async (session) => {
        const out: { statement: string; rowCount: number; rows: Record<string, unknown>[] }[] = [];
        for (const c of calls) {
          const r = await session.query(c.sql.text, c.params);
          out.push({ statement: c.name, rowCount: r.rowCount, rows: r.rows.slice(0, s.maxReplyRows) });
        }
        return out;
      });
      this.stats.status = "connected";
      return { status: "ok", reply: Buffer.from(replyJson(results)) };
    } catch (err) {
      const status = classifyDbError(s.dialect, err);
      if (status === "retry") this.stats.status = "error";
      return { status, error: dbErrorText(err) };
    }
  }
}

function replyJson(results: unknown): string {
  return JSON.stringify({ results }, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}
