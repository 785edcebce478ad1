/**
 * Database inbound: runs `query` every `pollIntervalMs` and hands each row to the intake as one
 * message (the row as JSON, or one column's value). Rows are handed over one at a time, in the order
 * the query returns them; after `receive` resolved (the row is committed in the store) the source
 * records it as done:
 *
 * - high-water mark (`markColumn`): the row's value of that column becomes the mark, kept in the
 *   store's connector cursor; the query reads `:mark` (e.g. `WHERE id > :mark ORDER BY id LIMIT 100`).
 * - mark-as-processed (`markProcessed`): a statement run with the row's columns as named params
 *   (e.g. `UPDATE outbox SET done = true WHERE id = :id`).
 *
 * A crash between the commit and the mark re-reads the row (at-least-once), never loses it. When
 * `receive` rejects (nothing committed) the poll stops there and the row is read again next time.
 * A mark-as-processed statement that fails is kept and run again before the next query.
 */
import { type DbConnectionSettings, type DbDriver, openDriver } from "./database-driver.js";
import { bindParams, type CompiledSql, dbErrorText, markText, rowJson } from "./database-sql.js";
import { InboundStats } from "./stats.js";
import type { ConnectorCursors, InboundConnector, InboundContext, InboundState } from "./types.js";

export interface DatabaseInboundSettings extends DbConnectionSettings {
  query: CompiledSql;
  pollIntervalMs: number;
  /** High-water mark column (mode "mark"). */
  markColumn?: string;
  /** The mark before the first row was ever read. */
  markStart?: string;
  /** Mark-as-processed statement (mode "processed"); params are the row's columns. */
  markProcessed?: CompiledSql;
  /** Send this column's value (text or bytes) instead of the row as JSON. */
  payloadColumn?: string;
}

export class DatabaseInbound implements InboundConnector {
  readonly type = "database";
  private readonly stats = new InboundStats();
  private ctx: InboundContext | undefined;
  private driver: DbDriver | undefined;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private stopping = false;
  /** The mark in force (high-water mode); also the one to save when saving it failed. */
  private mark: string | undefined;
  private markUnsaved = false;
  /** Rows committed whose mark-as-processed statement has not run yet. */
  private readonly unmarked: Record<string, unknown>[] = [];
  private lastError: string | undefined;

  constructor(
    readonly name: string,
    private readonly settings: DatabaseInboundSettings,
    private readonly cursors: ConnectorCursors | undefined,
  ) {}

  get state(): InboundState {
    return this.stats.snapshot();
  }

  async start(ctx: InboundContext): Promise<void> {
    const s = this.settings;
    if (s.markColumn !== undefined) {
      if (!this.cursors)
        throw new Error(`database inbound ${this.name}: a high-water mark needs the engine's store`);
      this.mark = (await this.cursors.get(this.name)) ?? s.markStart;
    }
    this.ctx = ctx;
    this.stopping = false;
    this.driver = await openDriver(s);
    this.stats.status = "listening";
    ctx.log.info(
      { connection: this.name, transport: this.type, host: s.host, database: s.database },
      "database inbound polling",
    );
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.polling;
    await this.driver?.end().catch(() => undefined);
    this.driver = undefined;
    this.stats.status = "stopped";
    this.ctx?.log.info({ connection: this.name, transport: this.type }, "inbound stopped");
  }

  private schedule(ms: number): void {
    if (this.stopping) return;
    this.timer = setTimeout(() => {
      this.polling = this.poll()
        .then(
          () => this.recovered(),
          (err: unknown) => this.failed(err),
        )
        .finally(() => this.schedule(this.settings.pollIntervalMs));
    }, ms);
  }

  private recovered(): void {
    if (this.lastError !== undefined)
      this.ctx?.log.info({ connection: this.name }, "database reachable again");
    this.lastError = undefined;
    this.stats.status = "listening";
  }

  private failed(err: unknown): void {
    const text = dbErrorText(err);
    if (text !== this.lastError)
      this.ctx?.log.error({ connection: this.name, error: text }, "database poll failed; will retry");
    this.lastError = text;
    this.stats.status = "error";
    this.stats.error(text);
  }

  /** One poll: finish earlier marks, query, then receive and mark row by row. Throws on database errors. */
  private async poll(): Promise<void> {
    const s = this.settings;
    const driver = this.driver!;
    await this.flushMarks();
    const params =
      s.query.names === undefined ? [] : bindParams("query", s.query, { mark: this.mark ?? null });
    const { rows } = await driver.query(s.query.text, params);
    for (const row of rows) {
      if (this.stopping) return;
      this.checkMarkable(row);
      const payload = this.payloadOf(row);
      this.stats.bytesIn(payload.length);
      this.stats.message();
      try {
        await this.ctx!.receive(payload, { transport: "database", contentType: this.contentType() });
      } catch (err) {
        // Nothing committed: stop here so the row (and those after it) is read again, in order.
        this.ctx!.log.error({ connection: this.name, error: dbErrorText(err) }, "intake failed; will retry");
        return;
      }
      await this.markDone(row);
    }
  }

  /**
   * Refuses rows that could never be marked before any is received: each would be read (and ingested)
   * again on every poll. The poll fails with the reason; nothing is received until the config is fixed.
   */
  private checkMarkable(row: Record<string, unknown>): void {
    const s = this.settings;
    if (s.markColumn !== undefined && markText(row[s.markColumn]) === undefined)
      throw new Error(`the query's rows have no value in markColumn "${s.markColumn}"`);
    const missing = (s.markProcessed?.names ?? []).filter((k) => !Object.hasOwn(row, k));
    if (missing.length > 0)
      throw new Error(`markProcessed uses :${missing.join(", :")}, which the query's rows do not have`);
  }

  /** After the commit: advance the mark, or run the mark-as-processed statement (kept if it fails). */
  private async markDone(row: Record<string, unknown>): Promise<void> {
    const s = this.settings;
    if (s.markColumn !== undefined) {
      const v = markText(row[s.markColumn]);
      if (v === undefined) return;
      this.mark = v;
      this.markUnsaved = true;
      await this.saveMark();
    } else if (s.markProcessed) {
      this.unmarked.push(row);
      await this.flushMarks();
    }
  }

  private async saveMark(): Promise<void> {
    if (!this.markUnsaved || this.mark === undefined) return;
    await this.cursors!.set(this.name, this.mark);
    this.markUnsaved = false;
  }

  /** Runs the pending mark-as-processed statements in order; throws (keeping the rest) on failure. */
  private async flushMarks(): Promise<void> {
    await this.saveMark();
    const stmt = this.settings.markProcessed;
    if (!stmt) return;
    while (this.unmarked.length > 0) {
      const row = this.unmarked[0]!;
      const params = stmt.names === undefined ? [] : stmt.names.map((k) => row[k] ?? null);
      const { rowCount } = await this.driver!.query(stmt.text, params);
      // Kept (and the next poll waits for it): an unmarked row would be read and ingested again.
      if (rowCount === 0)
        throw new Error("markProcessed matched no row for a committed row; check its WHERE");
      this.unmarked.shift();
    }
  }

  private payloadOf(row: Record<string, unknown>): Buffer {
    const col = this.settings.payloadColumn;
    if (col === undefined) return Buffer.from(rowJson(row));
    const v = row[col];
    if (Buffer.isBuffer(v)) return v;
    return Buffer.from(v === null || v === undefined ? "" : String(v));
  }

  private contentType(): string {
    return this.settings.payloadColumn === undefined ? "application/json" : "text/plain";
  }
}
