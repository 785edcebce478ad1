/**
 * One node of an active-passive cluster (docs/CLUSTERING.md): the leader lease's life on this node.
 * A standby heartbeats its membership, keeps the promoted config version loaded (`readiness`) and
 * takes the lease when it is free or expired; the leader renews it every heartbeat and fences itself
 * when it could not for `fenceTimeoutMs` — before the lease (`leaseTtlMs`, the database's clock) can
 * expire and another node take it. What the roles mean for the engine (listeners, workers, timers) is
 * the hooks' business (engine.ts); the SQL is store/pg-lease.ts.
 */
import type { ClusterMember } from "../api/index.js";
import type { PipelineLog } from "../pipeline/index.js";
import { type LeaderFence, type LeaseRow, type MemberRow, monoNow, type PgLease } from "../store/index.js";
import type { ClusterSettings } from "./settings.js";

export type ClusterRole = "primary" | "standby";

export interface ClusterReadiness {
  /** Content hash of the config version this node runs (primary) or has loaded and ready (standby). */
  configVersion: string | null;
  /** False when this node cannot run the promoted version (then `note` says why). */
  ready: boolean;
  note: string | null;
}

export interface ClusterHooks {
  /** Won the lease (the fence is granted): bring the graph up. A throw gives the lease back. */
  lead(epoch: number, previousOwner: string | null): Promise<void>;
  /** Stop intake, claims and deliveries (graceful: in-flight work finishes while the fence allows). */
  standDown(reason: string): Promise<void>;
  /** Each heartbeat: what this node runs or has ready (a standby converges on the promoted version here). */
  readiness(role: ClusterRole): Promise<ClusterReadiness>;
}

export interface RoleChange {
  nodeId: string;
  role: ClusterRole;
  previous: ClusterRole;
  epoch: number | null;
  reason: string;
  at: number;
}

export class ClusterNode {
  readonly settings: ClusterSettings;
  readonly #lease: PgLease;
  readonly #fence: LeaderFence;
  readonly #hooks: ClusterHooks;
  readonly #log: PipelineLog;
  readonly #listeners = new Set<(change: RoleChange) => void>();
  #role: ClusterRole = "standby";
  #epoch = 0;
  /** monoNow() when the last successful renewal (or the acquisition) was sent. */
  #renewedAt = 0;
  #readiness: ClusterReadiness = { configVersion: null, ready: false, note: "starting" };
  /** No acquisition before this (monoNow ms): the start delay, and a while after a stepdown. */
  #acquireNotBefore: number;
  /** The first acquisition may take a lease this node id still holds from an earlier run. */
  #reclaimOwn = true;
  /** A stepdown, stop or self-fence in progress: no acquisition, no second transition. */
  #transition: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #renewTimer: NodeJS.Timeout | undefined;
  #watchdog: NodeJS.Timeout | undefined;
  /** The heartbeat (and acquisition attempt) in progress, if any: a clean stop waits for it. */
  #ticking: Promise<void> | undefined;
  #renewing = false;
  #stopped = false;

  constructor(
    settings: ClusterSettings,
    lease: PgLease,
    fence: LeaderFence,
    hooks: ClusterHooks,
    log: PipelineLog,
  ) {
    this.settings = settings;
    this.#lease = lease;
    this.#fence = fence;
    this.#hooks = hooks;
    this.#log = log;
    this.#acquireNotBefore = monoNow() + settings.acquireDelayMs;
  }

  get role(): ClusterRole {
    return this.#role;
  }

  get nodeId(): string {
    return this.settings.nodeId;
  }

  get epoch(): number | null {
    return this.#role === "primary" ? this.#epoch : null;
  }

  get configVersion(): string | null {
    return this.#readiness.configVersion;
  }

  /** Called on every role change (the stats feed, the API). */
  onRoleChange(listener: (change: RoleChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Starts heartbeating; resolves after the first heartbeat (and acquisition attempt). */
  start(): Promise<void> {
    const hb = this.settings.heartbeatMs;
    this.#timer = setInterval(() => void this.#tick(), hb);
    // Renewals on their own timer: a slow heartbeat (loading a promoted version) or bringing the graph
    // up never delays one.
    this.#renewTimer = setInterval(() => void this.#renew(), hb);
    // The fence is checked more often than the renewals happen, so fencing is never a heartbeat late.
    this.#watchdog = setInterval(() => this.#checkFence(), Math.max(50, Math.min(250, hb / 4)));
    return this.#tick();
  }

  /** The lease row and the members (GET /cluster/nodes). */
  async nodes(): Promise<ClusterMember[]> {
    const [lease, members] = await Promise.all([this.#lease.lease(), this.#lease.members()]);
    return members.map((m) => toInfo(m, lease));
  }

  /** The leader as the lease names it, with its API URL from the member list; null when there is none. */
  async leader(): Promise<{ nodeId: string; apiUrl: string | null } | null> {
    if (this.#role === "primary") return { nodeId: this.nodeId, apiUrl: this.settings.apiUrl ?? null };
    const lease = await this.#lease.lease();
    if (!lease.live || !lease.owner) return null;
    const member = (await this.#lease.members()).find((m) => m.nodeId === lease.owner);
    return { nodeId: lease.owner, apiUrl: member?.apiUrl ?? null };
  }

  #tick(): Promise<void> {
    if (this.#ticking) return this.#ticking;
    if (this.#stopped) return Promise.resolve();
    this.#ticking = this.#beat().finally(() => {
      this.#ticking = undefined;
    });
    return this.#ticking;
  }

  async #beat(): Promise<void> {
    try {
      await this.#heartbeat();
      if (this.#role === "standby" && !this.#transition) await this.#tryAcquire();
    } catch (error) {
      this.#log.warn({ event: "cluster-tick-failed", err: String(error) }, "cluster heartbeat failed");
    }
  }

  async #renew(): Promise<void> {
    if (this.#role !== "primary" || this.#renewing || this.#stopped) return;
    this.#renewing = true;
    const epoch = this.#epoch;
    const sent = monoNow();
    let held: boolean;
    try {
      held = await this.#lease.renew(this.nodeId, epoch, this.settings.leaseTtlMs);
    } catch (error) {
      this.#log.warn({ event: "lease-renew-failed", err: String(error) }, "could not renew the leader lease");
      return; // the watchdog fences once the fence timeout passes without a renewal
    } finally {
      this.#renewing = false;
    }
    if (this.#role !== "primary" || this.#epoch !== epoch) return;
    if (!held) {
      this.#selfFence("the leader lease was taken over");
      return;
    }
    this.#renewedAt = sent;
    this.#fence.extend(sent + this.settings.fenceTimeoutMs);
  }

  async #heartbeat(): Promise<void> {
    try {
      this.#readiness = await this.#hooks.readiness(this.#role);
    } catch (error) {
      this.#readiness = { configVersion: null, ready: false, note: String(error) };
    }
    const promotable = this.#promotable();
    await this.#lease.heartbeat({
      nodeId: this.nodeId,
      apiUrl: this.settings.apiUrl ?? null,
      configVersion: this.#readiness.configVersion,
      promotable,
      role: this.#role,
      note: promotable ? null : this.#whyNot(),
    });
  }

  #promotable(): boolean {
    return this.settings.promotable && this.#readiness.ready;
  }

  #whyNot(): string {
    if (!this.settings.promotable) return "promotable = false in [cluster]";
    return this.#readiness.note ?? "not ready";
  }

  async #tryAcquire(): Promise<void> {
    if (!this.#promotable() || monoNow() < this.#acquireNotBefore) return;
    const before = await this.#lease.lease();
    const sent = monoNow();
    const epoch = await this.#lease.acquire(
      this.nodeId,
      this.settings.leaseTtlMs,
      Math.min(this.settings.heartbeatMs, 2000),
      this.#reclaimOwn,
    );
    this.#reclaimOwn = false;
    if (epoch === undefined || this.#stopped || this.#transition) {
      if (epoch !== undefined) await this.#lease.release(this.nodeId, epoch).catch(() => false);
      return;
    }
    const from = await this.#fenceStart(epoch, sent);
    if (from === undefined || this.#stopped || this.#transition) {
      await this.#lease.release(this.nodeId, epoch).catch(() => false);
      return;
    }
    this.#epoch = epoch;
    this.#renewedAt = from;
    this.#fence.grant(epoch, from + this.settings.fenceTimeoutMs);
    const previous = before.owner && before.owner !== this.nodeId ? before.owner : null;
    this.#setRole("primary", previous ? `took the lease over from ${previous}` : "took the free lease");
    // Not awaited here: renewals and the fence watchdog go on while the graph comes up.
    this.#transition = this.#lead(epoch, previous).finally(() => {
      this.#transition = undefined;
    });
  }

  /**
   * When the fence of a lease acquired under `epoch` (asked for at `sent`) starts. A slow acquire (a
   * loaded database, lock waits) leaves a fence that lapses before the first renewal is due, or has
   * lapsed already: the node would bring the graph up only to fence itself. Then the lease is renewed
   * first and the fence starts with that renewal; undefined when that is too slow as well (the caller
   * gives the lease back and tries again on a later heartbeat).
   */
  async #fenceStart(epoch: number, sent: number): Promise<number | undefined> {
    const { fenceTimeoutMs, heartbeatMs, leaseTtlMs } = this.settings;
    const leftAfter = (from: number) => from + fenceTimeoutMs - monoNow();
    if (leftAfter(sent) > heartbeatMs) return sent;
    const again = monoNow();
    const held = await this.#lease.renew(this.nodeId, epoch, leaseTtlMs).catch(() => false);
    if (held && leftAfter(again) > heartbeatMs) return again;
    this.#log.warn(
      { event: "lease-acquire-slow", nodeId: this.nodeId, epoch, ms: Math.round(monoNow() - sent) },
      "the database answered too slowly to lead within the fence timeout: the lease is given back",
    );
    return undefined;
  }

  async #lead(epoch: number, previous: string | null): Promise<void> {
    try {
      await this.#hooks.lead(epoch, previous);
    } catch (error) {
      this.#log.error(
        { event: "lead-failed", err: String(error) },
        "could not bring the graph up; stepping down",
      );
      this.#fence.revoke();
      await this.#hooks.standDown("lead failed").catch(() => undefined);
      await this.#lease.release(this.nodeId, epoch).catch(() => false);
      this.#acquireNotBefore = monoNow() + this.settings.leaseTtlMs;
      if (this.#role === "primary") this.#setRole("standby", "could not bring the graph up");
    }
  }

  #checkFence(): void {
    if (this.#role !== "primary") return;
    const silent = monoNow() - this.#renewedAt;
    if (silent >= this.settings.fenceTimeoutMs)
      this.#selfFence(
        `no lease renewal for ${Math.round(silent)} ms (fence timeout ${this.settings.fenceTimeoutMs} ms)`,
      );
  }

  /** Stops acting at once (the fence is revoked first, so nothing more commits), then stands down. */
  #selfFence(reason: string): void {
    if (this.#role !== "primary") return;
    this.#fence.revoke();
    this.#log.warn(
      { event: "self-fence", nodeId: this.nodeId, epoch: this.#epoch, reason },
      "leader fenced itself",
    );
    this.#setRole("standby", `fenced: ${reason}`);
    // Not before the lease it held can have expired (unless another node took it already).
    this.#acquireNotBefore = monoNow() + this.settings.leaseTtlMs;
    // After a graph still coming up is up (the runner does one thing at a time anyway).
    const before = this.#transition ?? Promise.resolve();
    this.#transition = before
      .then(() => this.#hooks.standDown(`fenced: ${reason}`))
      .catch((error: unknown) => {
        this.#log.error({ event: "stand-down-failed", err: String(error) }, "stopping the graph failed");
      })
      .finally(() => {
        this.#transition = undefined;
      });
  }

  /**
   * Hands the lease over (POST /cluster/stepdown, a clean stop): intake stops and in-flight work
   * drains while this node still leads, then the lease is released so a standby takes it within about
   * one heartbeat. Throws when this node is not the leader.
   */
  stepdown(reason = "stepdown"): Promise<void> {
    if (this.#role !== "primary") return Promise.reject(new Error("this node is not the leader"));
    if (this.#transition) return Promise.reject(new Error("a role change is in progress"));
    const epoch = this.#epoch;
    const run = (async () => {
      await this.#hooks.standDown(reason);
      this.#fence.revoke();
      await this.#lease.release(this.nodeId, epoch).catch((error: unknown) => {
        this.#log.warn(
          { event: "lease-release-failed", err: String(error) },
          "could not release the lease; it expires",
        );
      });
      this.#acquireNotBefore =
        monoNow() + Math.max(this.settings.acquireDelayMs, 2 * this.settings.heartbeatMs);
      this.#setRole("standby", reason);
    })();
    this.#transition = run.finally(() => {
      this.#transition = undefined;
    });
    return this.#transition;
  }

  /** A clean stop: steps down when leading, then stops heartbeating and leaves the member list as it is. */
  async stop(): Promise<void> {
    this.#acquireNotBefore = Number.POSITIVE_INFINITY;
    await this.#transition;
    if (this.#role === "primary") await this.stepdown("shutdown");
    this.#stopped = true;
    clearInterval(this.#timer);
    clearInterval(this.#renewTimer);
    clearInterval(this.#watchdog);
    // A heartbeat already under way (it may have begun while the stepdown drained) says "standby":
    // it must land before the last one, or the member list would show this stopped node as a standby.
    await this.#ticking;
    await this.#lease
      .heartbeat({
        nodeId: this.nodeId,
        apiUrl: this.settings.apiUrl ?? null,
        configVersion: this.#readiness.configVersion,
        promotable: false,
        role: "stopped",
        note: "stopped",
      })
      .catch(() => undefined);
  }

  #setRole(role: ClusterRole, reason: string): void {
    const previous = this.#role;
    this.#role = role;
    const change: RoleChange = {
      nodeId: this.nodeId,
      role,
      previous,
      epoch: role === "primary" ? this.#epoch : null,
      reason,
      at: Date.now(),
    };
    this.#log.info({ event: "cluster-role", ...change }, `cluster role: ${role} (${reason})`);
    for (const l of this.#listeners) l(change);
  }
}

function toInfo(m: MemberRow, lease: LeaseRow): ClusterMember {
  return {
    nodeId: m.nodeId,
    apiUrl: m.apiUrl,
    lastHeartbeat: m.heartbeatAt,
    leader: lease.live && lease.owner === m.nodeId,
    leaseOwner: lease.live ? lease.owner : null,
    leaseExpiresAt: lease.live ? lease.expiresAt : null,
    promotable: m.promotable,
    configVersion: m.configVersion,
    role: m.role,
    note: m.note,
  };
}
