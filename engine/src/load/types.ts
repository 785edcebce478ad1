/**
 * The load engine's data: a profile (phases, message mix, SLO gates), the progress lines `load` prints
 * while it runs, and the result it writes as JSON (and renders as the HTML report). Pure types and
 * literal lists, re-exported through `messagefoundry/api` for the extension and the Load Test panel.
 */

/** The phases a profile runs, in this order (a profile may leave any out). */
export const PHASE_KINDS = ["warmup", "ramp", "sustained", "spike", "soak"] as const;
export type PhaseKind = (typeof PHASE_KINDS)[number];

/**
 * One phase. Open loop: messages leave on a fixed schedule (`rate` msg/s; a ramp goes from `fromRate`
 * to `rate`) spread over `connections`, whatever the ACKs do — latency counts from each message's
 * scheduled time, so a slow engine cannot hide its queueing (no coordinated omission). Closed loop:
 * `connections` senders, each with one message in flight, sending the next on its ACK.
 */
export interface LoadPhase {
  kind: PhaseKind;
  seconds: number;
  loop: "open" | "closed";
  /** Open loop: msg/s (a ramp's end rate). */
  rate?: number;
  /** Open loop ramp: the start rate (default 0). */
  fromRate?: number;
  /** Closed loop: the senders; open loop: the connections the schedule is spread over (default 4). */
  connections?: number;
}

/** One kind of message in the mix, picked with probability weight / Σ weights. */
export interface MixEntry {
  /** A `messagefoundry generate --type` type (HL7 only: ADT^A01, ORU^R01, …). */
  type: string;
  weight: number;
  /** Pad each message to about this many bytes with a Z segment (default: the generated size). */
  bytes?: number;
  /** Deliveries the route under test makes per message of this type (fan-out; default 1). */
  deliveries?: number;
}

/** SLO gates; an absent gate is not checked. Latencies in ms. */
export interface Slo {
  /** Minimum ACKed msg/s over the sustained phase. */
  minSustainedRate?: number;
  ackP99Ms?: number;
  e2eP99Ms?: number;
  /** Maximum share of sends not ACKed AA (NAKs, timeouts, dropped connections), 0..1. */
  maxErrorRate?: number;
  /** After the last send: the engine's backlog empty and the sink has everything within this time. */
  maxDrainSeconds?: number;
  /** sent == received by the engine, delivered == received by the sink. Default true. */
  zeroLoss?: boolean;
  /** Failover profiles: the longest gap between two AAs (the outage), in seconds, at most this. */
  maxOutageSeconds?: number;
}

/**
 * A failover during the sustained phase: `atSeconds` into it the load engine runs `--failover-command`
 * (or calls POST /cluster/stepdown on --api). Senders then reconnect and resend what was not ACKed AA.
 */
export interface FailoverSpec {
  atSeconds: number;
}

export interface LoadProfile {
  name: string;
  description: string;
  phases: LoadPhase[];
  mix: MixEntry[];
  slo: Slo;
  /** How long to wait for an ACK before counting a timeout (default 10 s). */
  ackTimeoutMs?: number;
  /** Seed of the generated messages (default 1): the same profile sends the same bodies. */
  seed?: number;
  /** Trigger a failover mid-run (and resend what a dropped connection left unanswered). */
  failover?: FailoverSpec;
}

/** What a failover run measured. */
export interface FailoverResult {
  /** How it was triggered: the user's command, or POST /cluster/stepdown. */
  trigger: "command" | "stepdown";
  /** Seconds from the first send to the trigger; null when it never fired (the run ended first). */
  atSeconds: number | null;
  /** The trigger's failure (the command's exit, the API's answer); absent when it worked. */
  triggerError?: string;
  /** The longest gap between two AAs of the run, seconds (the outage as a sender sees it). */
  outageSeconds: number | null;
  /** Messages written again after their connection dropped (or timed out) before an answer. */
  resent: number;
  /** Arrivals at the sink of a message it had already received in full; null without a sink. */
  duplicatesAtSink: number | null;
}

/** Latency percentiles in ms (NaN-free: null when nothing was measured). */
export interface Percentiles {
  count: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  p999: number | null;
  max: number | null;
}

/** One second of the run, as the charts draw it. `t` counts seconds from the first send. */
export interface LoadSample {
  t: number;
  phase: PhaseKind;
  /** Sent and ACKed AA in this second. */
  sent: number;
  acked: number;
  /** NAKs (AE/AR), timeouts and dropped connections in this second. */
  errors: number;
  /** Arrivals at the sink in this second. */
  delivered: number;
  ackP50: number | null;
  ackP99: number | null;
  e2eP50: number | null;
  e2eP99: number | null;
  /** The engine's open rows (pending + claimed, every stage) at this second; null without --api. */
  backlog: number | null;
  /** Messages the engine counted as errored since the previous sample; null without --api. */
  engineErrors: number | null;
}

/** What `load` prints while it runs when stdout is not a terminal: one JSON object per line. */
export type LoadEvent =
  | { type: "start"; profile: string; target: string; phases: LoadPhase[]; seconds: number }
  | ({ type: "sample" } & LoadSample)
  | { type: "drain"; seconds: number; backlog: number | null; delivered: number; expected: number }
  | { type: "done"; verdict: Verdict; exitCode: number; json?: string; html?: string };

export interface PhaseResult {
  kind: PhaseKind;
  loop: "open" | "closed";
  seconds: number;
  sent: number;
  acked: number;
  errors: number;
  /** ACKed AA per second over the phase. */
  ackRate: number;
  ack: Percentiles;
  e2e: Percentiles;
}

/** Counts that must match for zero loss; engine figures are null without --api, sink figures without a sink. */
export interface Reconciliation {
  sent: number;
  ackedAA: number;
  nakked: number;
  timedOut: number;
  /** The engine's `received` counter moved by this much during the run. */
  engineReceived: number | null;
  engineDelivered: number | null;
  engineErrored: number | null;
  /** Arrivals at the sink carrying a control id this run sent. */
  sinkReceived: number | null;
  /** Σ deliveries of the ACKed messages (fan-out). */
  expectedDeliveries: number;
  /** Sent control ids the sink never saw (first few). */
  missing: string[];
  drainSeconds: number | null;
  /**
   * Messages resent after a dropped connection (failover profiles): the engine may then have received
   * (and delivered) some twice, so its counters are not compared; the sink must hold every ACKed one.
   */
  resent?: number;
  lossFree: boolean | null;
}

export interface SloCheck {
  gate: keyof Slo;
  limit: number | boolean;
  actual: number | boolean | null;
  pass: boolean;
  detail: string;
}

export interface Regression {
  measure: string;
  baseline: number;
  current: number;
  /** Change in percent, signed so that positive is worse. */
  worsePercent: number;
}

export interface Verdict {
  pass: boolean;
  checks: SloCheck[];
  regressions: Regression[];
}

export interface LoadResult {
  version: 1;
  profile: LoadProfile;
  target: string;
  startedAt: string;
  /**
   * CPU (user + system) of the `load` process per sent message, µs: the generator, and with a sink
   * (--sink-port) its thread too.
   */
  generatorCpuUsPerMsg: number;
  phases: PhaseResult[];
  totals: { sent: number; acked: number; errors: number; ack: Percentiles; e2e: Percentiles };
  samples: LoadSample[];
  reconciliation: Reconciliation;
  /** Failover profiles only. */
  failover?: FailoverResult;
  verdict: Verdict;
}
