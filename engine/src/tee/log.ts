/**
 * The tee's durable log: one SQLite file (its own small schema, not the engine's store) holding every
 * frame received, what the legacy engine answered, what became of the shadow copy, and when. Bodies
 * and ACKs are sealed with the store's codec (AES-256-GCM, the row id as associated data), so the file
 * is as safe at rest as the engine's. One writer (the relay's process); inserts commit before the
 * relay answers in --ack-on-receipt mode (synchronous = FULL). Its writes take the write lock first
 * (BEGIN IMMEDIATE): an autocommit statement whose snapshot another connection's commit made stale
 * fails at once (SQLITE_BUSY_SNAPSHOT, no busy wait), and listings read the file while the relay runs.
 */
import Database from "better-sqlite3";
import { type BodyCodec, preparePrivateDb } from "../store/index.js";

/** What became of a copy sent to the legacy or shadow engine. */
export type LegStatus =
  | "pending"
  /** Answered with an ACK (its MSA-1 is in `code`). */
  | "acked"
  /** Could not connect, or the connection closed before an answer. */
  | "unreachable"
  /** No answer within the timeout. */
  | "timeout"
  /** Shadow only: the bounded queue was full, the copy was never sent. */
  | "overflow";

export const LEG_STATUSES: readonly LegStatus[] = ["pending", "acked", "unreachable", "timeout", "overflow"];

export interface LegResult {
  status: LegStatus;
  /** MSA-1 of the answer (AA, AE, AR, CA…). */
  code?: string;
  /** The answer's bytes as received. */
  ack?: Buffer;
  /** Why it failed, for unreachable / timeout (no message content). */
  error?: string;
}

export interface TeeFrame {
  id: number;
  receivedAt: number;
  /** The upstream connection it came on (1, 2, … per run). */
  conn: number;
  controlId: string | null;
  messageType: string | null;
  body: Buffer;
  legacy: LegResult & { at: number | null };
  shadow: LegResult & { at: number | null };
  /** The code the tee answered upstream with (the legacy's own, AA on receipt, or its NAK). */
  upstreamCode: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS tee_frames (
  id INTEGER PRIMARY KEY,
  received_at INTEGER NOT NULL,
  conn INTEGER NOT NULL,
  control_id TEXT,
  message_type TEXT,
  body BLOB NOT NULL,
  legacy_status TEXT NOT NULL DEFAULT 'pending',
  legacy_code TEXT,
  legacy_ack BLOB,
  legacy_error TEXT,
  legacy_at INTEGER,
  shadow_status TEXT NOT NULL DEFAULT 'pending',
  shadow_code TEXT,
  shadow_ack BLOB,
  shadow_error TEXT,
  shadow_at INTEGER,
  upstream_code TEXT
);
CREATE INDEX IF NOT EXISTS tee_frames_received ON tee_frames(received_at);
CREATE TABLE IF NOT EXISTS tee_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO tee_meta(key, value) VALUES ('schema', '1');
`;

interface Row {
  id: number;
  received_at: number;
  conn: number;
  control_id: string | null;
  message_type: string | null;
  body: Buffer;
  legacy_status: LegStatus;
  legacy_code: string | null;
  legacy_ack: Buffer | null;
  legacy_error: string | null;
  legacy_at: number | null;
  shadow_status: LegStatus;
  shadow_code: string | null;
  shadow_ack: Buffer | null;
  shadow_error: string | null;
  shadow_at: number | null;
  upstream_code: string | null;
}

export interface FrameFilter {
  /** Only frames whose legacy leg failed: a NAK (code other than AA/CA), unreachable or timeout. */
  naks?: boolean;
  /** Received at or after / before (epoch ms). */
  since?: number;
  before?: number;
  /** False: leave bodies and ACKs sealed (empty), for listings that need no content and no key. */
  bodies?: boolean;
}

export class TeeLog {
  readonly #db: Database.Database;
  readonly #codec: BodyCodec;
  #nextId: number;
  readonly #insert: Database.Statement;
  readonly #leg: Record<"legacy" | "shadow", Database.Statement>;
  readonly #upstream: Database.Statement;
  /** Runs one statement in its own IMMEDIATE transaction (see the header). */
  readonly #write: (stmt: Database.Statement, ...args: unknown[]) => void;

  constructor(path: string, codec: BodyCodec, opts: { create?: boolean } = {}) {
    preparePrivateDb(path, { create: opts.create !== false });
    this.#db = new Database(path, { fileMustExist: opts.create === false });
    this.#db.pragma("journal_mode = WAL");
    this.#db.pragma("synchronous = FULL");
    this.#db.pragma("busy_timeout = 5000");
    // Opening an existing log (listings, purge) writes nothing: no schema statements while a relay runs.
    if (opts.create !== false) this.#db.exec(SCHEMA);
    else if (
      !this.#db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'tee_frames'").get()
    ) {
      this.#db.close();
      throw new Error("not a tee log (it has no tee_frames table): give --db the file `tee run` wrote");
    }
    const write = this.#db.transaction((stmt: Database.Statement, args: unknown[]) => {
      stmt.run(...args);
    });
    this.#write = (stmt, ...args) => write.immediate(stmt, args);
    this.#codec = codec;
    const max = this.#db.prepare("SELECT MAX(id) AS id FROM tee_frames").get() as { id: number | null };
    this.#nextId = (max.id ?? 0) + 1;
    this.#insert = this.#db.prepare(
      "INSERT INTO tee_frames(id, received_at, conn, control_id, message_type, body) VALUES (?, ?, ?, ?, ?, ?)",
    );
    const leg = (side: "legacy" | "shadow") =>
      this.#db.prepare(
        `UPDATE tee_frames SET ${side}_status = ?, ${side}_code = ?, ${side}_ack = ?, ${side}_error = ?, ${side}_at = ? WHERE id = ?`,
      );
    this.#leg = { legacy: leg("legacy"), shadow: leg("shadow") };
    this.#upstream = this.#db.prepare("UPDATE tee_frames SET upstream_code = ? WHERE id = ?");
  }

  /** Logs one received frame durably (committed when this returns); returns its id. */
  record(frame: {
    conn: number;
    body: Buffer;
    controlId?: string | undefined;
    messageType?: string | undefined;
  }): number {
    const id = this.#nextId++;
    this.#write(
      this.#insert,
      id,
      Date.now(),
      frame.conn,
      frame.controlId ?? null,
      frame.messageType ?? null,
      this.#codec.encode(frame.body, aad(id, "body")),
    );
    return id;
  }

  /** Records what the legacy or shadow engine made of frame `id`. */
  settle(id: number, side: "legacy" | "shadow", r: LegResult): void {
    const ack = r.ack ? this.#codec.encode(r.ack, aad(id, `${side}_ack`)) : null;
    this.#write(this.#leg[side], r.status, r.code ?? null, ack, r.error ?? null, Date.now(), id);
  }

  /** Records the code the upstream was answered with. */
  answered(id: number, code: string): void {
    this.#write(this.#upstream, code, id);
  }

  /** Frames in id order (oldest first). */
  *frames(filter: FrameFilter = {}): IterableIterator<TeeFrame> {
    const where: string[] = [];
    const args: number[] = [];
    if (filter.naks) {
      where.push(
        "(legacy_status IN ('unreachable', 'timeout') OR (legacy_status = 'acked' AND legacy_code NOT IN ('AA', 'CA')))",
      );
    }
    if (filter.since !== undefined) {
      where.push("received_at >= ?");
      args.push(filter.since);
    }
    if (filter.before !== undefined) {
      where.push("received_at < ?");
      args.push(filter.before);
    }
    const sql = `SELECT * FROM tee_frames${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY id`;
    const bodies = filter.bodies !== false;
    for (const row of this.#db.prepare(sql).iterate(...args) as IterableIterator<Row>)
      yield this.#open(row, bodies);
  }

  /** Counts per legacy and shadow status, for the run summary. */
  counts(): { frames: number; legacy: Record<string, number>; shadow: Record<string, number> } {
    const count = (side: string) =>
      Object.fromEntries(
        (
          this.#db
            .prepare(`SELECT ${side}_status AS s, COUNT(*) AS n FROM tee_frames GROUP BY ${side}_status`)
            .all() as { s: string; n: number }[]
        ).map((r) => [r.s, r.n]),
      );
    const total = this.#db.prepare("SELECT COUNT(*) AS n FROM tee_frames").get() as { n: number };
    return { frames: total.n, legacy: count("legacy"), shadow: count("shadow") };
  }

  /** Deletes frames received before `before` (epoch ms), or all; returns how many, then vacuums. */
  purge(before: number | "all"): number {
    const r =
      before === "all"
        ? this.#db.prepare("DELETE FROM tee_frames").run()
        : this.#db.prepare("DELETE FROM tee_frames WHERE received_at < ?").run(before);
    // Deleted bodies must not linger in free pages or the WAL.
    this.#db.pragma("wal_checkpoint(TRUNCATE)");
    this.#db.exec("VACUUM");
    return r.changes;
  }

  close(): void {
    this.#db.close();
  }

  #open(r: Row, bodies: boolean): TeeFrame {
    const leg = (side: "legacy" | "shadow"): LegResult & { at: number | null } => {
      const out: LegResult & { at: number | null } = { status: r[`${side}_status`], at: r[`${side}_at`] };
      const code = r[`${side}_code`];
      const ack = r[`${side}_ack`];
      const error = r[`${side}_error`];
      if (code !== null) out.code = code;
      if (ack !== null && bodies) out.ack = this.#codec.decode(ack, aad(r.id, `${side}_ack`));
      if (error !== null) out.error = error;
      return out;
    };
    return {
      id: r.id,
      receivedAt: r.received_at,
      conn: r.conn,
      controlId: r.control_id,
      messageType: r.message_type,
      body: bodies ? this.#codec.decode(r.body, aad(r.id, "body")) : Buffer.alloc(0),
      legacy: leg("legacy"),
      shadow: leg("shadow"),
      upstreamCode: r.upstream_code,
    };
  }
}

const aad = (id: number, column: string): string => `tee_frames:${id}:${column}`;
