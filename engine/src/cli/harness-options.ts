/** Flag parsing shared by `sink`, `send` and `scenario`: numbers, shares, delays and sink rules. */
import {
  type Distribution,
  DistributionError,
  parseDistribution,
  SINK_ACTIONS,
  type SinkAction,
  type SinkFaults,
  type SinkRule,
} from "../harness/index.js";
import { UserError } from "./io.js";

export function numberFlag(value: string, name: string, min: number, max: number, integer = false): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n)))
    throw new UserError(
      `${name} must be ${integer ? "an integer" : "a number"} ${min}..${max}, got "${value}"`,
    );
  return n;
}

/** A share: `0.1` or `10%`. */
export function shareFlag(value: string, name: string): number {
  const pct = value.trim().endsWith("%");
  const n = numberFlag(pct ? value.trim().slice(0, -1) : value, name, 0, pct ? 100 : 1);
  return pct ? n / 100 : n;
}

export function delayFlag(value: string, name: string): Distribution {
  try {
    return parseDistribution(value);
  } catch (error) {
    if (error instanceof DistributionError) throw new UserError(`${name}: ${error.message}`);
    throw error;
  }
}

/** `ID=ACTION` or `ID=ACTION:TIMES`, e.g. `POISON=AR` or `MSG7=AE:2`. */
export function ruleFlag(value: string, rules: Record<string, SinkRule> = {}): Record<string, SinkRule> {
  const m = /^([^=]+)=([A-Za-z]+)(?::(\d+))?$/.exec(value.trim());
  const action = m?.[2] as SinkAction | undefined;
  if (!m || !action || !SINK_ACTIONS.includes(action))
    throw new UserError(`--rule must be CONTROL_ID=${SINK_ACTIONS.join("|")}[:TIMES], got "${value}"`);
  rules[m[1] as string] = { action, ...(m[3] ? { times: Number(m[3]) } : {}) };
  return rules;
}

export interface FaultFlags {
  aeRate?: string;
  arRate?: string;
  dropRate?: string;
  silentRate?: string;
  delay?: string;
  rule?: Record<string, SinkRule>;
}

export function faultsOf(f: FaultFlags): SinkFaults {
  const faults: SinkFaults = {
    ...(f.aeRate !== undefined ? { aeRate: shareFlag(f.aeRate, "--ae-rate") } : {}),
    ...(f.arRate !== undefined ? { arRate: shareFlag(f.arRate, "--ar-rate") } : {}),
    ...(f.dropRate !== undefined ? { dropRate: shareFlag(f.dropRate, "--drop-rate") } : {}),
    ...(f.silentRate !== undefined ? { silentRate: shareFlag(f.silentRate, "--silent-rate") } : {}),
    ...(f.delay !== undefined ? { delay: delayFlag(f.delay, "--delay") } : {}),
    ...(f.rule ? { rules: f.rule } : {}),
  };
  const total =
    (faults.aeRate ?? 0) + (faults.arRate ?? 0) + (faults.dropRate ?? 0) + (faults.silentRate ?? 0);
  if (total > 1 + 1e-9) throw new UserError("the fault rates add up to more than 1");
  return faults;
}
