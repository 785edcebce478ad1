/**
 * The PostgreSQL side of clustering (docs/CLUSTERING.md): the one leader-lease row and the member
 * heartbeats (tables of migration 6). Every time here is the database's clock (`now()`), never a
 * node's. This file holds SQL and nothing else: who acquires when, and what a node does about it, is
 * runtime/cluster.ts.
 *
 * Taking a lease over locks the row `FOR UPDATE`, which waits for the previous leader's transactions
 * still holding it `FOR KEY SHARE` (the fence check, pg-store.ts `holdsLease`): each either commits
 * before the new epoch exists, or sees it and rolls back. A previous leader paused in the middle of a
 * transaction would hold that lock (and its lanes' locks) forever, so its connections — named
 * `<application>@<node>` — are terminated once its lease has expired.
 */
import pg from "pg";
import { checkOut, type PgConnectionOptions, pgPoolConfig, pgSchema } from "./pg-connection.js";

export interface LeaseRow {
  owner: string | null;
  epoch: number;
  /** Epoch ms on the database's clock; null before the first leader. */
  expiresAt: number | null;
  /** True while the lease is held and not expired (the database decides). */
  live: boolean;
}

export interface MemberRow {
  nodeId: string;
  apiUrl: string | null;
  /** Epoch ms (database clock). */
  heartbeatAt: number;
  configVersion: string | null;
  promotable: boolean;
  role: string;
  /** Why a node is not promotable, when it is not. */
  note: string | null;
}

export type MemberUpdate = Omit<MemberRow, "heartbeatAt">;

const LEASE_COLUMNS = `owner, epoch::float8 AS epoch, (extract(epoch FROM expires_at) * 1000)::float8 AS expires_at,
  (owner IS NOT NULL AND expires_at > now()) AS live`;

interface RawLease {
  owner: string | null;
  epoch: number;
  expires_at: number | null;
  live: boolean;
}

const toLease = (r: RawLease): LeaseRow => ({
  owner: r.owner,
  epoch: Number(r.epoch),
  expiresAt: r.expires_at === null ? null : Number(r.expires_at),
  live: r.live,
});

/**
 * The connection name of a node's pools: `messagefoundry:<schema>@<node>` (its delivery threads add
 * `-delivery`). The schema is part of it: several engines' clusters may share one database server.
 */
export function nodeApplicationName(base: string, schema: string, nodeId: string): string {
  return `${base}:${schema}@${nodeId}`;
}

export class PgLease {
  readonly #pool: pg.Pool;
  readonly #base: string;
  readonly #schema: string;

  /**
   * `timeoutMs`: no lease statement waits longer (a renew that cannot finish must not hang). `base`:
   * the application name the nodes' pools are named after ({@link nodeApplicationName}).
   */
  constructor(conn: PgConnectionOptions, timeoutMs: number, base = "messagefoundry") {
    this.#base = base;
    this.#schema = pgSchema(conn);
    this.#pool = new pg.Pool({
      ...pgPoolConfig({ ...conn, poolSize: 2 }),
      query_timeout: timeoutMs,
      connectionTimeoutMillis: timeoutMs,
    });
    this.#pool.on("error", () => undefined);
  }

  async lease(): Promise<LeaseRow> {
    const r = await this.#pool.query<RawLease>(`SELECT ${LEASE_COLUMNS} FROM cluster_lease WHERE id = 1`);
    const row = r.rows[0];
    return row ? toLease(row) : { owner: null, epoch: 0, expiresAt: null, live: false };
  }

  /**
   * Takes the lease when it is free or expired (or, `reclaimOwn`, still names this node from an earlier run), with a
   * new epoch; undefined when another node holds it. `lockWaitMs`: how long to wait for the previous
   * leader's in-flight transactions before terminating its connections (see above) and trying again.
   */
  async acquire(
    nodeId: string,
    ttlMs: number,
    lockWaitMs: number,
    reclaimOwn = false,
  ): Promise<number | undefined> {
    const before = await this.lease();
    if (before.live && !(reclaimOwn && before.owner === nodeId)) return undefined;
    try {
      return await this.#take(nodeId, ttlMs, lockWaitMs, reclaimOwn);
    } catch (error) {
      if ((error as { code?: string }).code !== "55P03" || !before.owner) throw error; // lock_not_available
      await this.terminateNode(before.owner);
      return this.#take(nodeId, ttlMs, lockWaitMs, reclaimOwn);
    }
  }

  async #take(
    nodeId: string,
    ttlMs: number,
    lockWaitMs: number,
    reclaimOwn: boolean,
  ): Promise<number | undefined> {
    const c = await checkOut(this.#pool);
    try {
      await c.query("BEGIN");
      try {
        await c.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.round(lockWaitMs))}`);
        const r = await c.query<RawLease>(
          `SELECT ${LEASE_COLUMNS} FROM cluster_lease WHERE id = 1 FOR UPDATE`,
        );
        const row = r.rows[0];
        if (!row || (row.live && !(reclaimOwn && row.owner === nodeId))) {
          await c.query("ROLLBACK");
          return undefined;
        }
        const u = await c.query<{ epoch: number }>(
          `UPDATE cluster_lease SET owner = $1, epoch = epoch + 1,
             expires_at = now() + $2 * interval '1 millisecond' WHERE id = 1 RETURNING epoch::float8 AS epoch`,
          [nodeId, ttlMs],
        );
        await c.query("COMMIT");
        return Number(u.rows[0]?.epoch);
      } catch (error) {
        await c.query("ROLLBACK").catch(() => undefined);
        throw error;
      }
    } finally {
      c.release();
    }
  }

  /** Extends the lease while `nodeId` holds it under `epoch`; false when it does not any more. */
  async renew(nodeId: string, epoch: number, ttlMs: number): Promise<boolean> {
    const r = await this.#pool.query(
      `UPDATE cluster_lease SET expires_at = now() + $3 * interval '1 millisecond'
       WHERE id = 1 AND owner = $1 AND epoch = $2`,
      [nodeId, epoch, ttlMs],
    );
    return r.rowCount === 1;
  }

  /** Gives the lease up at once (a clean stop or a stepdown): the next node need not wait for the TTL. */
  async release(nodeId: string, epoch: number): Promise<boolean> {
    const r = await this.#pool.query(
      "UPDATE cluster_lease SET owner = NULL, expires_at = now() WHERE id = 1 AND owner = $1 AND epoch = $2",
      [nodeId, epoch],
    );
    return r.rowCount === 1;
  }

  /**
   * Ends every database connection of `nodeId` (named by {@link nodeApplicationName}) but this pool's:
   * a superseded leader's open transactions roll back and free their locks.
   */
  async terminateNode(nodeId: string): Promise<number> {
    const name = nodeApplicationName(this.#base, this.#schema, nodeId);
    const r = await this.#pool.query(
      `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = ANY($1::text[])`,
      [[name, `${name}-delivery`]],
    );
    return Number(r.rows[0]?.n ?? 0);
  }

  async heartbeat(m: MemberUpdate): Promise<void> {
    await this.#pool.query(
      `INSERT INTO cluster_members (node_id, api_url, heartbeat_at, config_version, promotable, role, note)
       VALUES ($1, $2, now(), $3, $4, $5, $6)
       ON CONFLICT (node_id) DO UPDATE SET api_url = $2, heartbeat_at = now(), config_version = $3,
         promotable = $4, role = $5, note = $6`,
      [m.nodeId, m.apiUrl, m.configVersion, m.promotable, m.role, m.note],
    );
  }

  async members(): Promise<MemberRow[]> {
    const r = await this.#pool.query<{
      node_id: string;
      api_url: string | null;
      heartbeat_at: number;
      config_version: string | null;
      promotable: boolean;
      role: string;
      note: string | null;
    }>(
      `SELECT node_id, api_url, (extract(epoch FROM heartbeat_at) * 1000)::float8 AS heartbeat_at,
         config_version, promotable, role, note FROM cluster_members ORDER BY node_id`,
    );
    return r.rows.map((m) => ({
      nodeId: m.node_id,
      apiUrl: m.api_url,
      heartbeatAt: Number(m.heartbeat_at),
      configVersion: m.config_version,
      promotable: m.promotable,
      role: m.role,
      note: m.note,
    }));
  }

  close(): Promise<void> {
    return this.#pool.end();
  }
}
