/**
 * Timer source: produces one message per tick of a cron expression (croner; optional IANA timezone) or
 * a fixed interval, so handlers can run scheduled extracts and polls of systems that cannot push.
 *
 * - The payload is a template: `{tick}` (ISO time it fired), `{scheduled}` (ISO time it was due),
 *   `{epochMs}`, `{seq}` (ticks since start) and `{name}`; default a JSON object with all of them.
 * - No overlap: a tick due while the previous tick's `receive` has not resolved is skipped and counted
 *   (`state.skipped`).
 * - Ticks missed while the engine was down are not replayed. With `fireOnStartIfMissed`, one tick fires
 *   at start when a tick fell due since this inbound's last committed message (`lastReceivedAt`).
 * - A tick whose `receive` rejected (nothing committed) is not retried: the next tick comes as scheduled.
 */
import { Cron } from "croner";
import { cronProblem, timezoneProblem } from "../graph/index.js";
import { errorText } from "./errors.js";
import { SettingsReader } from "./settings.js";
import { InboundStats } from "./stats.js";
import type {
  ConnectorDefinition,
  ConnectorLog,
  InboundConnector,
  InboundContext,
  InboundState,
  RawSettings,
} from "./types.js";

export interface TimerInboundSettings {
  /** Cron expression (5 fields, or 6 with seconds first); exclusive with `intervalMs`. */
  cron?: string;
  /** Fixed interval between ticks; exclusive with `cron`. */
  intervalMs?: number;
  /** IANA timezone the cron expression is read in (default the engine's). */
  timezone?: string;
  /** Payload template (see above). */
  payload?: string;
  /** Fire once at start when a tick fell due while the engine was down. Default false. */
  fireOnStartIfMissed: boolean;
}

export function readTimerInbound(name: string, raw: RawSettings): TimerInboundSettings {
  const r = new SettingsReader(name, raw);
  const cron = r.optStr("cron");
  const intervalMs = r.has("intervalMs") ? r.int("intervalMs", { min: 10 }) : undefined;
  if ((cron === undefined) === (intervalMs === undefined))
    r.fail("cron", "set exactly one of cron or intervalMs");
  const timezone = r.optStr("timezone");
  if (timezone !== undefined) {
    if (cron === undefined) r.fail("timezone", "applies to cron only");
    const tzWhy = timezoneProblem(timezone);
    if (tzWhy) r.fail("timezone", `${JSON.stringify(timezone)} ${tzWhy}`);
  }
  if (cron !== undefined) {
    const why = cronProblem(cron, timezone);
    if (why) r.fail("cron", why);
  }
  return {
    ...(cron !== undefined ? { cron } : {}),
    ...(intervalMs !== undefined ? { intervalMs } : {}),
    ...(timezone !== undefined ? { timezone } : {}),
    ...(r.has("payload") ? { payload: r.str("payload") } : {}),
    fireOnStartIfMissed: r.bool("fireOnStartIfMissed", false),
  };
}

/** Only identifiers are placeholders, so JSON braces in a template stay as written. */
const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9_]*)\}/g;

export function renderTick(
  template: string | undefined,
  values: { tick: Date; scheduled: Date; seq: number; name: string },
): string {
  const v: Record<string, string> = {
    tick: values.tick.toISOString(),
    scheduled: values.scheduled.toISOString(),
    epochMs: String(values.tick.getTime()),
    seq: String(values.seq),
    name: values.name,
  };
  if (template === undefined)
    return JSON.stringify({ timer: v.name, tick: v.tick, scheduled: v.scheduled, seq: values.seq });
  return template.replace(PLACEHOLDER, (all, key: string) => v[key] ?? all);
}

/** Longest single wait: timers past ~24.8 days overflow, and a clock change is noticed within this. */
const MAX_WAIT_MS = 60 * 60 * 1000;

export class TimerInbound implements InboundConnector {
  readonly type = "timer";
  private readonly stats = new InboundStats();
  private ctx: InboundContext | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly cron: Cron | undefined;
  private busy: Promise<void> | undefined;
  private stopped = true;
  private seq = 0;
  private skipped = 0;
  /** Interval mode: the next tick is due at start + k × interval. */
  private nextDue = 0;

  constructor(
    readonly name: string,
    private readonly settings: TimerInboundSettings,
    private readonly log: ConnectorLog,
  ) {
    if (settings.cron !== undefined)
      this.cron = new Cron(settings.cron, { timezone: settings.timezone, paused: true });
  }

  get state(): InboundState {
    return { ...this.stats.snapshot(), skipped: this.skipped };
  }

  async start(ctx: InboundContext): Promise<void> {
    if (!this.stopped) throw new Error(`timer inbound ${this.name} is already started`);
    this.ctx = ctx;
    this.stopped = false;
    this.stats.status = "listening";
    const s = this.settings;
    const now = Date.now();
    this.nextDue = now + (s.intervalMs ?? 0);
    if (s.fireOnStartIfMissed && (await this.missed(ctx, now))) {
      this.log.info({ connection: this.name }, "a tick was missed while stopped; firing once now");
      this.fire(new Date(now));
    }
    this.schedule();
    this.log.info(
      {
        connection: this.name,
        transport: this.type,
        cron: s.cron,
        intervalMs: s.intervalMs,
        timezone: s.timezone,
      },
      "timer started",
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.busy;
    this.stats.status = "stopped";
    this.log.info({ connection: this.name, transport: this.type, skipped: this.skipped }, "inbound stopped");
  }

  /** True when a tick fell due between this inbound's last committed message and `now`. */
  private async missed(ctx: InboundContext, now: number): Promise<boolean> {
    let last: number | undefined;
    try {
      last = await ctx.lastReceivedAt?.();
    } catch (err) {
      this.log.warn({ connection: this.name, error: errorText(err) }, "cannot read the last tick's time");
      return false;
    }
    if (last === undefined) return false; // never ticked: nothing was missed
    if (this.cron) {
      const due = this.cron.nextRun(new Date(last));
      return due !== null && due.getTime() <= now;
    }
    return now - last >= (this.settings.intervalMs ?? 0);
  }

  private schedule(): void {
    if (this.stopped) return;
    const now = Date.now();
    let due: number;
    if (this.cron) {
      const next = this.cron.nextRun(new Date(now));
      if (next === null) {
        this.log.info({ connection: this.name }, "cron expression has no further runs");
        return;
      }
      due = next.getTime();
    } else {
      const every = this.settings.intervalMs ?? 1000;
      // Ticks that fell due while the event loop was blocked are not made up: the next is in the future.
      if (this.nextDue <= now) this.nextDue += Math.ceil((now - this.nextDue + 1) / every) * every;
      due = this.nextDue;
    }
    const wait = Math.max(0, due - now);
    this.timer = setTimeout(
      () => {
        if (this.stopped) return;
        if (Date.now() >= due) {
          this.fire(new Date(due));
          if (!this.cron) this.nextDue = due + (this.settings.intervalMs ?? 0);
        }
        this.schedule();
      },
      Math.min(wait, MAX_WAIT_MS),
    );
  }

  /** Hands one tick to the intake, unless the previous one is still in it (then it is skipped). */
  private fire(scheduled: Date): void {
    if (this.busy) {
      this.skipped++;
      this.log.warn(
        { connection: this.name, scheduled: scheduled.toISOString(), skipped: this.skipped },
        "tick skipped: the previous tick's intake has not finished",
      );
      return;
    }
    const ctx = this.ctx!;
    this.seq++;
    const payload = Buffer.from(
      renderTick(this.settings.payload, { tick: new Date(), scheduled, seq: this.seq, name: this.name }),
    );
    this.stats.bytesIn(payload.length);
    this.stats.message();
    const contentType = payload[0] === 0x7b ? "application/json" : "text/plain; charset=utf-8";
    this.busy = ctx
      .receive(payload, { transport: this.type, contentType })
      .then(
        () => undefined,
        (err: unknown) => {
          this.stats.error(errorText(err));
          this.log.error({ connection: this.name, error: errorText(err) }, "intake failed; tick dropped");
        },
      )
      .finally(() => {
        this.busy = undefined;
      });
  }
}

export const timerConnector: ConnectorDefinition = {
  inbound: (name, raw, deps) => new TimerInbound(name, readTimerInbound(name, raw), deps.log),
};
