/**
 * The alert monitor: on an interval, takes a snapshot of the running engine, steps the evaluator,
 * writes every notice to the engine log and sends it through the alert's outbounds. Keeps the active
 * alerts and a bounded list of recent notices for GET /alerts and the stats feed.
 */
import type { Registry } from "../config/index.js";
import type { Log } from "../log.js";
import { type ActiveAlert, AlertEvaluator, type AlertEvent, type Snapshot } from "./evaluate.js";
import type { Notifier } from "./notify.js";
import { alertRulesOf } from "./rules.js";

export const DEFAULT_ALERT_INTERVAL_MS = 15_000;
const RECENT_LIMIT = 200;

export interface AlertMonitorOptions {
  log: Log;
  notifier: Notifier;
  /** The registry being served (its graph holds the rules); undefined while none runs. */
  registry: () => Registry | undefined;
  /** A snapshot of every connection now (runtime/alert-snapshot.ts). */
  snapshot: (registry: Registry) => Promise<Snapshot>;
  intervalMs?: number;
}

export class AlertMonitor {
  readonly #opts: AlertMonitorOptions;
  readonly #evaluator = new AlertEvaluator();
  readonly #recent: AlertEvent[] = [];
  #registry: Registry | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(opts: AlertMonitorOptions) {
    this.#opts = opts;
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.tick(), this.#opts.intervalMs ?? DEFAULT_ALERT_INTERVAL_MS);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    await this.pause();
    await this.#opts.notifier.close();
  }

  /** Stops evaluating until `start` again (a cluster leader stepping down); notifiers stay open. */
  async pause(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** Alerts firing now. */
  active(): ActiveAlert[] {
    return this.#evaluator.active();
  }

  /** Recent notices, newest first. */
  recent(): AlertEvent[] {
    return [...this.#recent].reverse();
  }

  /** The rules being evaluated (names and conditions). */
  get rules() {
    return this.#evaluator.rules;
  }

  /** One evaluation; overlapping ticks are skipped (a slow snapshot never piles up). */
  tick(): Promise<void> {
    if (this.#running) return this.#running;
    this.#running = this.#tick()
      .catch((error: unknown) => {
        // The class only: an error's text is never logged at warn (it could quote a file or reply).
        const err = error instanceof Error ? ((error as { code?: string }).code ?? error.name) : "error";
        this.#opts.log.warn({ event: "alert-tick-failed", err }, "alert evaluation failed");
      })
      .finally(() => {
        this.#running = undefined;
      });
    return this.#running;
  }

  async #tick(): Promise<void> {
    const registry = this.#opts.registry();
    if (!registry) return;
    if (registry !== this.#registry) {
      this.#registry = registry;
      this.#evaluator.setRules(alertRulesOf(registry.graph));
    }
    if (this.#evaluator.rules.length === 0) return;
    const events = this.#evaluator.step(await this.#opts.snapshot(registry));
    for (const e of events) {
      this.#recent.push(e);
      if (this.#recent.length > RECENT_LIMIT) this.#recent.shift();
      const fields = {
        event: "alert",
        alert: e.alert,
        status: e.kind,
        condition: e.condition,
        connection: e.connection,
        value: e.value,
        ...(e.errorClass ? { errorClass: e.errorClass } : {}),
      };
      if (e.kind === "resolved") this.#opts.log.info(fields, e.text);
      else this.#opts.log.warn(fields, e.text);
    }
    // Notices go out together; each outbound's own connector takes one at a time.
    await Promise.all(
      events.flatMap((e) =>
        e.notify.map((name) => {
          const def = registry.outbounds.get(name);
          return def ? this.#opts.notifier.send(def, e) : Promise.resolve(false);
        }),
      ),
    );
  }
}
