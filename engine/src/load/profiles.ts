/**
 * Reading a profile: a built-in by name, or a file's JSON (`"extends": "<built-in>"` starts from a
 * built-in and overrides what the file names), checked field by field. Pure: the caller reads the file.
 */
import { isMessageType } from "../generate/index.js";
import { BUILT_IN_PROFILES, PROFILE_NAMES } from "./builtin-profiles.js";
import { type LoadPhase, type LoadProfile, type MixEntry, PHASE_KINDS, type Slo } from "./types.js";

export { BUILT_IN_PROFILES, PROFILE_NAMES };

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

const SLO_NUMBERS = [
  "minSustainedRate",
  "ackP99Ms",
  "e2eP99Ms",
  "maxErrorRate",
  "maxDrainSeconds",
  "maxOutageSeconds",
] as const;

function checkFailover(p: Partial<LoadProfile>, problems: string[]): void {
  if (p.failover === undefined) return;
  const at = p.failover?.atSeconds;
  const sustained = Array.isArray(p.phases) ? p.phases.find((ph) => ph?.kind === "sustained") : undefined;
  if (!num(at) || at < 0)
    problems.push("failover.atSeconds: a number ≥ 0 (seconds into the sustained phase)");
  else if (!sustained) problems.push("failover: needs a sustained phase (it fires during it)");
  else if (num(sustained.seconds) && at >= sustained.seconds)
    problems.push(`failover.atSeconds: within the sustained phase (< ${sustained.seconds})`);
}

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
  checkFailover(p ?? {}, problems);
  if (p?.ackTimeoutMs !== undefined && (!num(p.ackTimeoutMs) || p.ackTimeoutMs <= 0))
    problems.push("ackTimeoutMs: a positive number");
  if (problems.length > 0) throw new ProfileError(`invalid load profile: ${problems.join("; ")}`);
  return { ...(p as LoadProfile), description: p.description ?? "", slo: { ...(p.slo as Slo) } };
}

/** A built-in by name. */
export function builtInProfile(name: string): LoadProfile | undefined {
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
