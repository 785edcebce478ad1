/**
 * Runs a load profile against an MLLP target: its phases back to back (open loop on a schedule,
 * closed loop with one message in flight per connection), a sample every second, then the drain —
 * until the engine's backlog is empty and the sink holds every delivery the ACKed messages owe — and
 * the reconciliation of what was sent, what the engine counted and what the sink received.
 */
import type { EngineSnapshot, EngineStats } from "./engine-stats.js";
import { type InFlight, type LinkEvents, LoadLink, now } from "./link.js";
import { MessageMix, runPrefix } from "./mix.js";
import { Recorder } from "./recorder.js";
import { OpenSchedule, totalSeconds } from "./schedule.js";
import { type LoadSink, startLoadSink } from "./sink-client.js";
import type {
  FailoverResult,
  LoadEvent,
  LoadPhase,
  LoadProfile,
  LoadResult,
  LoadSample,
  Reconciliation,
} from "./types.js";
import { lossFree } from "./verdict.js";

export interface LoadRunOptions {
  profile: LoadProfile;
  host: string;
  port: number;
  /** Start the destination here (the route under test delivers to it); absent: no end-to-end figures. */
  sink?: { host: string; port: number };
  /** The engine's API: its counters for the reconciliation and its backlog for the charts. */
  engine?: EngineStats;
  onEvent?: (e: LoadEvent) => void;
  /**
   * The profile's failover: `fire` runs the user's command or calls POST /cluster/stepdown (it rejects
   * with what went wrong). Required when the profile has `failover`.
   */
  failover?: { trigger: FailoverResult["trigger"]; fire(): Promise<void> };
}

/** Open-loop connections when a phase names none. */
const DEFAULT_CONNECTIONS = 4;
/** Re-read the engine's counters this long after the drain until they settle. */
const SETTLE_MS = 5000;

interface Owed {
  from: number;
  phase: number;
  left: number;
  acked: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class LoadRun {
  readonly #o: LoadRunOptions;
  readonly #rec: Recorder;
  readonly #mix: MessageMix;
  readonly #prefix = runPrefix();
  readonly #ackTimeout: number;
  readonly #links = new Set<LoadLink>();
  /** Deliveries still owed per control id (only with a sink). */
  readonly #owed = new Map<string, Owed>();
  #ackedOwed = 0;
  #phase = 0;
  #sent = 0;
  #ackedAA = 0;
  #nakked = 0;
  #lost = 0;
  #expected = 0;
  #sinkReceived = 0;
  #backlog: number | null = null;
  /** The engine's errored counter, last read and at the last sample. */
  #errored: number | null = null;
  #erroredSampled: number | null = null;
  readonly #samples: LoadSample[] = [];
  /** Failover profiles: what a dropped connection left unanswered, to write again (FIFO). */
  readonly #resending: boolean;
  #retry: InFlight[] = [];
  /** Messages written again at least once (a message may go round several dead links in an outage). */
  readonly #resent = new Set<string>();
  #lastAA: number | undefined;
  #outageMs = 0;
  /** Control ids the sink has received in full (failover: a later arrival is a duplicate). */
  readonly #complete = new Set<string>();
  #duplicates = 0;
  #failoverAt: number | null = null;
  #failoverError: string | undefined;

  constructor(opts: LoadRunOptions) {
    this.#o = opts;
    this.#rec = new Recorder(opts.profile.phases);
    this.#mix = new MessageMix(opts.profile.mix, opts.profile.seed ?? 1, this.#prefix);
    this.#ackTimeout = opts.profile.ackTimeoutMs ?? 10_000;
    this.#resending = opts.profile.failover !== undefined;
    if (this.#resending && !opts.failover)
      throw new Error(`profile ${opts.profile.name} fails over: LoadRunOptions.failover is required`);
  }

  async run(): Promise<Omit<LoadResult, "verdict">> {
    const { profile, engine } = this.#o;
    const target = `${this.#o.host}:${this.#o.port}`;
    let sink: LoadSink | undefined;
    const timers: ReturnType<typeof setInterval>[] = [];
    let poller: { stop(): void } | undefined;
    try {
      if (this.#o.sink)
        sink = await startLoadSink(this.#o.sink.host, this.#o.sink.port, (id, at) => this.#arrived(id, at));
      const before = engine ? await engine.snapshot() : undefined;
      if (before) this.#errored = this.#erroredSampled = before.errored;
      const startedAt = new Date().toISOString();
      this.#emit({
        type: "start",
        profile: profile.name,
        target,
        phases: profile.phases,
        seconds: totalSeconds(profile.phases),
      });
      const cpu0 = process.cpuUsage();
      const t0 = now();
      timers.push(
        setInterval(() => this.#sample(t0), 1000),
        setInterval(() => {
          const at = now();
          for (const l of this.#links) l.checkTimeout(at, this.#ackTimeout);
        }, 100),
      );
      poller = engine ? this.#pollBacklog(engine) : undefined;
      for (let i = 0; i < profile.phases.length; i++) {
        this.#phase = i;
        const phase = profile.phases[i] as LoadPhase;
        const trigger = phase.kind === "sustained" ? this.#armFailover(t0) : undefined;
        if (trigger) timers.push(trigger);
        if (phase.loop === "open") await this.#openPhase(i, phase);
        else await this.#closedPhase(i, phase);
      }
      const cpu = process.cpuUsage(cpu0);
      // Answers still in flight arrive (or time out), what a dropped link left is resent, then the engine drains.
      if (this.#resending) await this.#resendRest();
      while ([...this.#links].some((l) => !l.dead && l.inFlight > 0)) await sleep(20);
      this.#sample(t0);
      const drainSeconds = await this.#drain(engine);
      poller?.stop();
      const after = engine ? await this.#settled(engine, before as EngineSnapshot) : undefined;
      const reconciliation = this.#reconcile(before, after, drainSeconds, sink !== undefined);
      return {
        version: 1,
        profile,
        target,
        startedAt,
        generatorCpuUsPerMsg:
          this.#sent > 0 ? Math.round(((cpu.user + cpu.system) / this.#sent) * 10) / 10 : 0,
        phases: this.#rec.phaseResults(),
        totals: this.#rec.totals(),
        samples: this.#samples,
        reconciliation,
        ...(this.#o.failover ? { failover: this.#failoverResult(sink !== undefined) } : {}),
      };
    } finally {
      for (const t of timers) clearTimeout(t);
      poller?.stop();
      for (const l of this.#links) l.close();
      await sink?.close();
    }
  }

  #emit(e: LoadEvent): void {
    this.#o.onEvent?.(e);
  }

  #sample(t0: number): void {
    const errored = this.#errored;
    const engineErrors =
      errored !== null && this.#erroredSampled !== null ? errored - this.#erroredSampled : null;
    if (errored !== null) this.#erroredSampled = errored;
    const s = this.#rec.sample(Math.round((now() - t0) / 100) / 10, this.#phase, this.#backlog, engineErrors);
    this.#samples.push(s);
    this.#emit({ type: "sample", ...s });
  }

  #pollBacklog(engine: EngineStats): { stop(): void } {
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      engine
        .snapshot()
        .then((s) => {
          this.#backlog = s.backlog;
          this.#errored = s.errored;
        })
        .catch(() => undefined)
        .finally(() => {
          busy = false;
        });
    }, 1000);
    return { stop: () => clearInterval(timer) };
  }

  // ---- sending ------------------------------------------------------------------------------------

  /** A link whose answers feed the recorder; `next` (closed loop) sends again on each answer. */
  async #open(next?: (link: LoadLink) => void): Promise<LoadLink> {
    let self: LoadLink | undefined;
    const events: LinkEvents = {
      onAnswer: (m, code, at) => {
        this.#answered(m, code, at);
        if (next && self) next(self);
      },
      onLost: (lost, _why) => {
        if (this.#resending) {
          // As a real MLLP sender does: reconnect and write again what was not answered.
          // An error once per message, however many dead links it goes round during the outage.
          this.#retry.push(...lost);
          for (const m of lost) {
            if (this.#resent.has(m.controlId)) continue;
            this.#resent.add(m.controlId);
            this.#rec.failed(m.phase);
          }
        } else {
          this.#lost += lost.length;
          for (const m of lost) this.#rec.failed(m.phase);
        }
        if (self) this.#links.delete(self);
      },
    };
    self = await LoadLink.open(this.#o.host, this.#o.port, events);
    this.#links.add(self);
    return self;
  }

  /** Without a link (failover: every connection down) the message waits to be resent. */
  #send(link: LoadLink | undefined, phase: number, from: number): void {
    const m = this.#mix.next();
    const deliveries = this.#mix.deliveriesOf(m.entry);
    const at = now();
    const flight: InFlight = { controlId: m.controlId, entry: m.entry, phase, from, writtenAt: at };
    if (this.#resending) flight.frame = m.frame;
    if (this.#o.sink && deliveries > 0)
      this.#owed.set(m.controlId, { from, phase, left: deliveries, acked: false });
    this.#sent++;
    this.#rec.sent(phase);
    if (link) link.send(m.frame, flight);
    else this.#retry.push(flight);
  }

  /** Writes what is waiting to be resent on live links of `pool` (round robin); false: none is live. */
  #flushRetry(pool: readonly LoadLink[]): boolean {
    const live = pool.filter((l) => !l.dead);
    if (live.length === 0) return this.#retry.length === 0;
    const waiting = this.#retry;
    this.#retry = [];
    waiting.forEach((m, k) => {
      const link = live[k % live.length] as LoadLink;
      m.writtenAt = now();
      link.send(m.frame as Buffer, m);
    });
    return true;
  }

  /** After the last phase: resend until nothing waits (a link at a time), within the drain limit. */
  async #resendRest(): Promise<void> {
    const limit = now() + ((this.#o.profile.slo.maxDrainSeconds ?? 60) + 10) * 1000;
    let link: LoadLink | undefined;
    while (now() < limit) {
      const busy = this.#retry.length > 0 || [...this.#links].some((l) => !l.dead && l.inFlight > 0);
      if (!busy) return;
      if (this.#retry.length > 0 && (!link || link.dead)) link = await this.#open().catch(() => undefined);
      if (link && !link.dead) this.#flushRetry([link]);
      await sleep(link && !link.dead ? 20 : 200);
    }
  }

  /** Fires the failover `atSeconds` into the sustained phase (which starts now). */
  #armFailover(t0: number): ReturnType<typeof setTimeout> | undefined {
    const spec = this.#o.profile.failover;
    const failover = this.#o.failover;
    if (!spec || !failover) return undefined;
    return setTimeout(() => {
      this.#failoverAt = Math.round((now() - t0) / 100) / 10;
      failover.fire().catch((error: unknown) => {
        this.#failoverError = (error as Error).message;
      });
    }, spec.atSeconds * 1000);
  }

  #failoverResult(withSink: boolean): FailoverResult {
    return {
      trigger: (this.#o.failover as NonNullable<LoadRunOptions["failover"]>).trigger,
      atSeconds: this.#failoverAt,
      ...(this.#failoverError !== undefined ? { triggerError: this.#failoverError } : {}),
      outageSeconds: this.#lastAA === undefined ? null : Math.round(this.#outageMs / 10) / 100,
      resent: this.#resent.size,
      duplicatesAtSink: withSink ? this.#duplicates : null,
    };
  }

  #answered(m: InFlight, code: string, at: number): void {
    const phase = m.phase;
    const accepted = code === "AA" || code === "CA";
    this.#rec.answered(phase, accepted, at - m.from);
    if (code === "AA") {
      if (this.#lastAA !== undefined) this.#outageMs = Math.max(this.#outageMs, at - this.#lastAA);
      this.#lastAA = at;
    }
    if (accepted) {
      this.#ackedAA++;
      this.#expected += this.#mix.deliveriesOf(m.entry);
      const owed = this.#owed.get(m.controlId);
      if (owed && !owed.acked) {
        owed.acked = true;
        this.#ackedOwed++;
      }
    } else {
      this.#nakked++;
      this.#owed.delete(m.controlId);
    }
  }

  #arrived(controlId: string, at: number): void {
    if (!controlId.startsWith(this.#prefix)) return;
    this.#sinkReceived++;
    const owed = this.#owed.get(controlId);
    if (!owed) {
      // a redelivery, or a message this run gave up on
      if (this.#complete.has(controlId)) this.#duplicates++;
      return;
    }
    this.#rec.delivered(owed.phase, at - owed.from);
    if (--owed.left > 0) return;
    this.#owed.delete(controlId);
    if (this.#resending) this.#complete.add(controlId);
    if (owed.acked) this.#ackedOwed--;
  }

  async #openPhase(i: number, phase: LoadPhase): Promise<void> {
    const pool: LoadLink[] = [];
    for (let c = 0; c < (phase.connections ?? DEFAULT_CONNECTIONS); c++) pool.push(await this.#open());
    const schedule = new OpenSchedule(phase);
    const start = now();
    const end = start + phase.seconds * 1000;
    const reopening = new Set<number>();
    let n = 0;
    let rr = 0;
    await new Promise<void>((resolve) => {
      const tick = (): void => {
        const t = now();
        const due = Math.min(schedule.total, Math.floor(schedule.dueBy(t - start)) + 1);
        for (const l of pool) l.cork();
        const linked = !this.#resending || this.#flushRetry(pool);
        for (; n < due; n++) {
          let link: LoadLink | undefined;
          for (let k = 0; linked && k < pool.length && !link; k++) {
            const l = pool[rr++ % pool.length] as LoadLink;
            if (!l.dead) link = l;
          }
          if (!link && this.#resending) {
            // Failover: it waits for a connection, then leaves (its latency counts from its due time).
            this.#send(undefined, i, start + schedule.timeOf(n));
            continue;
          }
          if (!link) {
            // Every connection is down: the message was due and could not leave.
            this.#sent++;
            this.#rec.sent(i);
            this.#rec.failed(i);
            this.#lost++;
            continue;
          }
          this.#send(link, i, start + schedule.timeOf(n));
        }
        for (const l of pool) l.uncork();
        this.#reopenDead(pool, reopening);
        if (n >= schedule.total && t >= end) resolve();
        else setTimeout(tick, 1);
      };
      tick();
    });
  }

  /** Replaces dead links of an open-loop pool (one attempt per tick each; failures retry next tick). */
  #reopenDead(pool: LoadLink[], reopening: Set<number>): void {
    pool.forEach((l, k) => {
      if (!l.dead || reopening.has(k)) return;
      reopening.add(k);
      this.#open()
        .then((fresh) => {
          pool[k] = fresh;
        })
        .catch(() => undefined)
        .finally(() => reopening.delete(k));
    });
  }

  async #closedPhase(i: number, phase: LoadPhase): Promise<void> {
    let running = true;
    const next = (link: LoadLink): void => {
      if (!running || link.dead) return;
      const again = this.#retry.shift();
      if (again) {
        again.writtenAt = now();
        link.send(again.frame as Buffer, again);
      } else this.#send(link, i, now());
    };
    const connections = phase.connections ?? 1;
    const start = now();
    const end = start + phase.seconds * 1000;
    const keep = async (): Promise<void> => {
      while (running) {
        let link: LoadLink;
        try {
          link = await this.#open(next);
        } catch {
          await sleep(100);
          continue;
        }
        next(link);
        while (running && !link.dead) await sleep(50);
      }
    };
    const workers = Array.from({ length: connections }, () => keep());
    await sleep(Math.max(0, end - now()));
    running = false;
    await Promise.all(workers);
  }

  // ---- drain and reconciliation -------------------------------------------------------------------

  /** Seconds until the engine's backlog is empty and the sink holds every owed delivery; null: never. */
  async #drain(engine: EngineStats | undefined): Promise<number | null> {
    const start = now();
    const limit = ((this.#o.profile.slo.maxDrainSeconds ?? 60) + 10) * 1000;
    let lastEmit = 0;
    for (;;) {
      const backlog = engine ? (await engine.snapshot().catch(() => undefined))?.backlog : 0;
      if (backlog !== undefined) this.#backlog = engine ? backlog : null;
      const seconds = (now() - start) / 1000;
      if (backlog === 0 && this.#ackedOwed === 0) return Math.round(seconds * 100) / 100;
      if (now() - start > limit) return null;
      if (now() - lastEmit >= 1000) {
        lastEmit = now();
        this.#emit({
          type: "drain",
          seconds: Math.round(seconds),
          backlog: this.#backlog,
          delivered: this.#sinkReceived,
          expected: this.#expected,
        });
      }
      await sleep(100);
    }
  }

  /** The engine's counters once they stop moving (they are written with each stage's transaction). */
  async #settled(engine: EngineStats, before: EngineSnapshot): Promise<EngineSnapshot> {
    const deadline = now() + SETTLE_MS;
    let last = await engine.snapshot();
    for (;;) {
      const matches =
        last.received - before.received >= this.#sent &&
        (!this.#o.sink || last.delivered - before.delivered >= this.#sinkReceived);
      if (matches || now() > deadline) return last;
      await sleep(200);
      last = await engine.snapshot();
    }
  }

  #reconcile(
    before: EngineSnapshot | undefined,
    after: EngineSnapshot | undefined,
    drainSeconds: number | null,
    withSink: boolean,
  ): Reconciliation {
    const missing: string[] = [];
    for (const [id, o] of this.#owed) {
      if (!o.acked) continue;
      missing.push(id);
      if (missing.length >= 10) break;
    }
    const r: Omit<Reconciliation, "lossFree"> = {
      sent: this.#sent,
      ackedAA: this.#ackedAA,
      nakked: this.#nakked,
      timedOut: this.#lost,
      engineReceived: before && after ? after.received - before.received : null,
      engineDelivered: before && after ? after.delivered - before.delivered : null,
      engineErrored: before && after ? after.errored - before.errored : null,
      sinkReceived: withSink ? this.#sinkReceived : null,
      expectedDeliveries: this.#expected,
      missing,
      drainSeconds,
      ...(this.#resending ? { resent: this.#resent.size } : {}),
    };
    return { ...r, lossFree: lossFree(r) };
  }
}
