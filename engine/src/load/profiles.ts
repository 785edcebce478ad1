/**
 * Built-in load profiles, and reading a profile file (JSON; `"extends": "<built-in>"` starts from a
 * built-in and overrides what the file names). Pure: the caller reads the file.
 *
 * `failover` is reserved: it kills the leader mid-run once the cluster (one leader at a time, lease
 * fencing) exists; until then asking for it says so instead of running something else.
 */
import { isMessageType } from "../generate/index.js";
import { type LoadPhase, type LoadProfile, type MixEntry, PHASE_KINDS, type Slo } from "./types.js";

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
};

/** Names `--profile` takes besides a file. */
export const PROFILE_NAMES = [...Object.keys(BUILT_IN_PROFILES), "failover"] as const;

/** Profiles named but not runnable yet, with the reason. */
export const RESERVED_PROFILES: Record<string, string> = {
  failover:
    "the failover profile (kill the leader mid-run, measure the gap and the loss) needs the cluster feature, which this engine does not have yet",
};

export class ProfileError extends Error {
  override name = "ProfileError";
}

const num = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

function checkPhase(p: unknown, at: string, problems: string[]): void {
  if (typeof p !== "object" || p === null) {
    problems.push(`${at}: not an object`);
    return;
  }
  const ph = p as Partial<LoadPhase>;
  if (!PHASE_KINDS.includes(ph.kind as never)) problems.push(`${at}.kind: one of ${PHASE_KINDS.join(", ")}`);
  if (!num(ph.seconds) || ph.seconds <= 0) problems.push(`${at}.seconds: a positive number`);
  if (ph.loop !== "open" && ph.loop !== "closed") problems.push(`${at}.loop: "open" or "closed"`);
  if (ph.loop === "open" && (!num(ph.rate) || ph.rate <= 0))
    problems.push(`${at}.rate: msg/s > 0 (open loop)`);
  if (ph.fromRate !== undefined && (!num(ph.fromRate) || ph.fromRate < 0))
    problems.push(`${at}.fromRate: msg/s ≥ 0`);
  if (
    ph.connections !== undefined &&
    (!Number.isInteger(ph.connections) || ph.connections < 1 || ph.connections > 1000)
  )
    problems.push(`${at}.connections: an integer 1..1000`);
}

function checkMix(m: unknown, at: string, problems: string[]): void {
  const e = m as Partial<MixEntry>;
  if (typeof e?.type !== "string" || !isMessageType(e.type) || e.type.startsWith("X12"))
    problems.push(`${at}.type: an HL7 type of messagefoundry generate (e.g. ADT^A01)`);
  if (!num(e?.weight) || e.weight <= 0) problems.push(`${at}.weight: a positive number`);
  if (e?.bytes !== undefined && (!num(e.bytes) || e.bytes < 0 || e.bytes > 16 * 1024 * 1024))
    problems.push(`${at}.bytes: 0..16 MiB`);
  if (e?.deliveries !== undefined && (!Number.isInteger(e.deliveries) || e.deliveries < 0))
    problems.push(`${at}.deliveries: an integer ≥ 0`);
}

const SLO_NUMBERS = ["minSustainedRate", "ackP99Ms", "e2eP99Ms", "maxErrorRate", "maxDrainSeconds"] as const;

/** Checks a profile's shape; throws a ProfileError listing every problem. */
export function validateProfile(value: unknown): LoadProfile {
  const problems: string[] = [];
  const p = value as Partial<LoadProfile>;
  if (typeof p?.name !== "string" || p.name === "") problems.push("name: a non-empty string");
  if (!Array.isArray(p?.phases) || p.phases.length === 0) problems.push("phases: a non-empty list");
  else {
    for (const [i, ph] of p.phases.entries()) checkPhase(ph, `phases[${i}]`, problems);
    const order = p.phases.map((ph) => PHASE_KINDS.indexOf(ph.kind));
    if (order.some((o, i) => i > 0 && o < (order[i - 1] as number)))
      problems.push(`phases: in the order ${PHASE_KINDS.join(" → ")}`);
  }
  if (!Array.isArray(p?.mix) || p.mix.length === 0) problems.push("mix: a non-empty list");
  else for (const [i, m] of p.mix.entries()) checkMix(m, `mix[${i}]`, problems);
  const slo = (p?.slo ?? {}) as Record<string, unknown>;
  for (const k of SLO_NUMBERS)
    if (slo[k] !== undefined && (!num(slo[k]) || (slo[k] as number) < 0))
      problems.push(`slo.${k}: a number ≥ 0`);
  if (slo.zeroLoss !== undefined && typeof slo.zeroLoss !== "boolean")
    problems.push("slo.zeroLoss: true or false");
  if (p?.ackTimeoutMs !== undefined && (!num(p.ackTimeoutMs) || p.ackTimeoutMs <= 0))
    problems.push("ackTimeoutMs: a positive number");
  if (problems.length > 0) throw new ProfileError(`invalid load profile: ${problems.join("; ")}`);
  return { ...(p as LoadProfile), description: p.description ?? "", slo: { ...(p.slo as Slo) } };
}

/** A built-in by name. */
export function builtInProfile(name: string): LoadProfile | undefined {
  if (name in RESERVED_PROFILES) throw new ProfileError(`${name}: ${RESERVED_PROFILES[name]}`);
  const p = BUILT_IN_PROFILES[name];
  return p ? structuredClone(p) : undefined;
}

/** A profile file's parsed JSON: `extends` a built-in (its fields, then the file's; `slo` merged key by key). */
export function profileFromJson(json: unknown, fallbackName: string): LoadProfile {
  if (typeof json !== "object" || json === null || Array.isArray(json))
    throw new ProfileError("a load profile file holds one JSON object");
  const { extends: base, ...own } = json as { extends?: unknown } & Partial<LoadProfile>;
  let start: Partial<LoadProfile> = { name: fallbackName, description: "" };
  if (base !== undefined) {
    const found = typeof base === "string" ? builtInProfile(base) : undefined;
    if (!found) throw new ProfileError(`extends: one of ${Object.keys(BUILT_IN_PROFILES).join(", ")}`);
    start = { ...found, name: fallbackName };
  }
  return validateProfile({ ...start, ...own, slo: { ...start.slo, ...own.slo } });
}
