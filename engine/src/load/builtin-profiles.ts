/**
 * The built-in load profiles, as data (the Load Test panel lists them through `messagefoundry/api`).
 *
 * `failover` fails the cluster's leader over during the sustained phase (`--failover-command`, or
 * POST /cluster/stepdown on --api); the senders reconnect and resend what was not ACKed AA.
 */
import type { LoadProfile, MixEntry } from "./types.js";

const ADT_ORU_MIX: MixEntry[] = [
  { type: "ADT^A01", weight: 4 },
  { type: "ADT^A08", weight: 3 },
  { type: "ORU^R01", weight: 2, bytes: 2048 },
  { type: "ORM^O01", weight: 1 },
];

export const BUILT_IN_PROFILES: Record<string, LoadProfile> = {
  smoke: {
    name: "smoke",
    description:
      "A few seconds at a low rate, open then closed loop: checks wiring and zero loss (runs in tests).",
    phases: [
      { kind: "warmup", seconds: 1, loop: "open", rate: 20, connections: 2 },
      { kind: "sustained", seconds: 3, loop: "open", rate: 50, connections: 2 },
      { kind: "soak", seconds: 2, loop: "closed", connections: 2 },
    ],
    mix: [
      { type: "ADT^A01", weight: 3 },
      { type: "ORU^R01", weight: 1, bytes: 1500 },
    ],
    slo: {
      minSustainedRate: 40,
      ackP99Ms: 5000,
      e2eP99Ms: 10000,
      maxErrorRate: 0,
      maxDrainSeconds: 60,
      zeroLoss: true,
    },
  },
  baseline: {
    name: "baseline",
    description: "Warm up, ramp to 400 msg/s, hold it for 60 s: the numbers to compare releases with.",
    phases: [
      { kind: "warmup", seconds: 10, loop: "open", rate: 50, connections: 8 },
      { kind: "ramp", seconds: 20, loop: "open", fromRate: 50, rate: 400, connections: 8 },
      { kind: "sustained", seconds: 60, loop: "open", rate: 400, connections: 8 },
    ],
    mix: ADT_ORU_MIX,
    slo: {
      minSustainedRate: 390,
      ackP99Ms: 250,
      e2eP99Ms: 1000,
      maxErrorRate: 0.001,
      maxDrainSeconds: 30,
      zeroLoss: true,
    },
  },
  soak: {
    name: "soak",
    description: "30 minutes at 200 msg/s: leaks, growing backlog, slow drift of latency.",
    phases: [
      { kind: "warmup", seconds: 10, loop: "open", rate: 50, connections: 8 },
      { kind: "sustained", seconds: 60, loop: "open", rate: 200, connections: 8 },
      { kind: "soak", seconds: 1800, loop: "open", rate: 200, connections: 8 },
    ],
    mix: ADT_ORU_MIX,
    slo: {
      minSustainedRate: 195,
      ackP99Ms: 250,
      e2eP99Ms: 1000,
      maxErrorRate: 0.0001,
      maxDrainSeconds: 30,
      zeroLoss: true,
    },
  },
  spike: {
    name: "spike",
    description:
      "200 msg/s, then 10 s at 1500 msg/s, then back: the backlog must drain and nothing may be lost.",
    phases: [
      { kind: "warmup", seconds: 10, loop: "open", rate: 50, connections: 8 },
      { kind: "sustained", seconds: 30, loop: "open", rate: 200, connections: 8 },
      { kind: "spike", seconds: 10, loop: "open", rate: 1500, connections: 16 },
      { kind: "soak", seconds: 60, loop: "open", rate: 200, connections: 8 },
    ],
    mix: ADT_ORU_MIX,
    slo: { minSustainedRate: 195, e2eP99Ms: 15000, maxErrorRate: 0.001, maxDrainSeconds: 60, zeroLoss: true },
  },
  failover: {
    name: "failover",
    description:
      "100 msg/s on 4 connections; 20 s into the sustained phase the leader fails over. Senders reconnect and resend what was not ACKed: every ACKed message must arrive, the outage stay under 30 s.",
    phases: [
      { kind: "warmup", seconds: 10, loop: "open", rate: 50, connections: 4 },
      { kind: "sustained", seconds: 60, loop: "open", rate: 100, connections: 4 },
    ],
    mix: ADT_ORU_MIX,
    failover: { atSeconds: 20 },
    ackTimeoutMs: 5000,
    slo: { maxOutageSeconds: 30, maxDrainSeconds: 60, zeroLoss: true },
  },
};

/** Names `--profile` takes besides a file. */
export const PROFILE_NAMES = Object.keys(BUILT_IN_PROFILES);
