/**
 * The alert evaluator: pure rule logic over snapshots of the engine's connection stats. No timers,
 * no I/O: `step(snapshot)` returns the notices to send (firing, renotify, resolved) and the caller
 * (monitor.ts) sends them. Every text carries names, counts and error classes, never message content.
 */
import type { AlertCondition, AlertConditionKind } from "../graph/index.js";
import { alertText, resolvedText } from "./text.js";

/** One connection as the evaluator sees it at one moment. Counters are cumulative. */
export interface ConnectionSample {
  name: string;
  direction: "inbound" | "outbound";
  /** Stopped, in error, restarting, or an outbound retrying with rows queued. */
  down: boolean;
  /** The failure's class (ECONNREFUSED, timeout, AE…), never its text. */
  errorClass: string | null;
  /** Open rows queued for it across stages. */
  queueDepth: number;
  /** Messages handled so far (inbound: received; outbound: delivered + dead-lettered). */
  handled: number;
  /** Of those, failures (inbound: errored; outbound: dead-lettered). */
  errors: number;
  /** Dead letters waiting on it now. */
  deadLetters: number;
  /** Outbound: the row id at the head of its lane (undefined when the lane is empty). */
  headRowId?: number;
  /** When its TLS certificate stops being valid (epoch ms), when it has one. */
  certNotAfter?: number;
}

export interface Snapshot {
  at: number;
  connections: ReadonlyMap<string, ConnectionSample>;
}

export interface AlertRuleDef {
  name: string;
  condition: AlertCondition;
  notify: readonly string[];
  renotifyMs: number;
}

export type AlertEventKind = "firing" | "renotify" | "resolved";

/** One notice: what the monitor logs and sends to the alert's outbounds. */
export interface AlertEvent {
  kind: AlertEventKind;
  alert: string;
  condition: AlertConditionKind;
  connection: string;
  /** When this notice was made. */
  at: number;
  /** When the alert fired. */
  since: number;
  /** The measured value: ms down / rows / ms waited / dead letters / error fraction / ms left. */
  value: number;
  errorClass: string | null;
  text: string;
  notify: readonly string[];
}

export interface ActiveAlert {
  alert: string;
  condition: AlertConditionKind;
  connection: string;
  since: number;
  lastNotifiedAt: number;
  value: number;
  errorClass: string | null;
  text: string;
}

interface RuleState {
  /** When the condition was first seen breached in the current run of breaches. */
  breachSince?: number;
  active?: ActiveAlert;
}

interface CounterSample {
  at: number;
  handled: number;
  errors: number;
}

export interface Measure {
  breached: boolean;
  value: number;
}

export class AlertEvaluator {
  #rules = new Map<string, AlertRuleDef>();
  readonly #state = new Map<string, RuleState>();
  readonly #history = new Map<string, CounterSample[]>();
  readonly #heads = new Map<string, { rowId: number; since: number }>();

  constructor(rules: readonly AlertRuleDef[] = []) {
    this.setRules(rules);
  }

  /** Replaces the rules (a promote); a rule kept with the same condition keeps its state. */
  setRules(rules: readonly AlertRuleDef[]): void {
    const next = new Map(rules.map((r) => [r.name, r]));
    for (const [name, old] of this.#rules) {
      const now = next.get(name);
      if (!now || JSON.stringify(now.condition) !== JSON.stringify(old.condition)) this.#state.delete(name);
    }
    this.#rules = next;
  }

  get rules(): readonly AlertRuleDef[] {
    return [...this.#rules.values()];
  }

  /** The alerts firing now, in rule order. */
  active(): ActiveAlert[] {
    const out: ActiveAlert[] = [];
    for (const name of this.#rules.keys()) {
      const a = this.#state.get(name)?.active;
      if (a) out.push({ ...a });
    }
    return out;
  }

  /** Evaluates every rule against one snapshot; returns the notices due now. */
  step(snap: Snapshot): AlertEvent[] {
    const now = snap.at;
    this.#record(snap);
    const events: AlertEvent[] = [];
    for (const rule of this.#rules.values()) {
      const c = rule.condition;
      const sample = snap.connections.get(c.connection);
      const st = this.#state.get(rule.name) ?? {};
      this.#state.set(rule.name, st);
      const m = sample ? this.measure(c, sample, now, st) : { breached: false, value: 0 };
      if (!m.breached) {
        delete st.breachSince;
        if (st.active) {
          events.push(this.#event("resolved", rule, st.active, now, m.value, sample?.errorClass ?? null));
          delete st.active;
        }
        continue;
      }
      st.breachSince ??= now;
      const fires = c.kind !== "down" || now - st.breachSince >= c.forMs;
      if (!fires || !sample) continue;
      const value = c.kind === "down" ? now - st.breachSince : m.value;
      const text = alertText(rule.name, c, sample.direction, value, sample.errorClass);
      if (!st.active) {
        st.active = {
          alert: rule.name,
          condition: c.kind,
          connection: c.connection,
          since: now,
          lastNotifiedAt: now,
          value,
          errorClass: sample.errorClass,
          text,
        };
        events.push(this.#event("firing", rule, st.active, now, value, sample.errorClass));
        continue;
      }
      Object.assign(st.active, { value, errorClass: sample.errorClass, text });
      if (now - st.active.lastNotifiedAt >= rule.renotifyMs) {
        st.active.lastNotifiedAt = now;
        events.push(this.#event("renotify", rule, st.active, now, value, sample.errorClass));
      }
    }
    return events;
  }

  /** Whether one condition is breached in this sample, and the value measured. */
  measure(c: AlertCondition, s: ConnectionSample, now: number, st: RuleState = {}): Measure {
    switch (c.kind) {
      case "down":
        return { breached: s.down, value: s.down ? now - (st.breachSince ?? now) : 0 };
      case "backlog":
        return { breached: s.queueDepth > c.above, value: s.queueDepth };
      case "backlogAge": {
        const head = this.#heads.get(s.name);
        const age = s.headRowId !== undefined && head ? now - head.since : 0;
        return { breached: age >= c.olderThanMs, value: age };
      }
      case "deadLetters":
        return { breached: s.deadLetters > c.above, value: s.deadLetters };
      case "errorRate": {
        const rate = this.#errorRate(s.name, c.windowMs, now);
        return { breached: rate > c.above, value: rate };
      }
      case "certExpiry": {
        if (s.certNotAfter === undefined) return { breached: false, value: 0 };
        const left = s.certNotAfter - now;
        return { breached: left <= c.withinMs, value: left };
      }
    }
  }

  /** Keeps per-connection counter history (for error rates) and when each lane head was first seen. */
  #record(snap: Snapshot): void {
    const keep = Math.max(
      0,
      ...[...this.#rules.values()].map((r) => (r.condition.kind === "errorRate" ? r.condition.windowMs : 0)),
    );
    for (const s of snap.connections.values()) {
      const h = this.#history.get(s.name) ?? [];
      h.push({ at: snap.at, handled: s.handled, errors: s.errors });
      // Keep one sample at or before the longest window's start as the baseline.
      while (h.length > 1 && (h[1] as CounterSample).at <= snap.at - keep) h.shift();
      this.#history.set(s.name, h);
      const head = this.#heads.get(s.name);
      if (s.headRowId === undefined) this.#heads.delete(s.name);
      else if (head?.rowId !== s.headRowId) this.#heads.set(s.name, { rowId: s.headRowId, since: snap.at });
    }
  }

  #errorRate(conn: string, windowMs: number, now: number): number {
    const h = this.#history.get(conn) ?? [];
    const cur = h[h.length - 1];
    if (!cur) return 0;
    let base = h[0] as CounterSample;
    for (const x of h) if (x.at <= now - windowMs) base = x;
    const handled = cur.handled - base.handled;
    return handled > 0 ? (cur.errors - base.errors) / handled : 0;
  }

  #event(
    kind: AlertEventKind,
    rule: AlertRuleDef,
    a: ActiveAlert,
    now: number,
    value: number,
    errorClass: string | null,
  ): AlertEvent {
    const text = kind === "resolved" ? resolvedText(rule.name, rule.condition, now - a.since) : a.text;
    return {
      kind,
      alert: rule.name,
      condition: rule.condition.kind,
      connection: rule.condition.connection,
      at: now,
      since: a.since,
      value,
      errorClass,
      text,
      notify: rule.notify,
    };
  }
}
