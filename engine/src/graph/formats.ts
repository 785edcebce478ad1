/**
 * String formats the transport schemas name (`format`), checked the same way by the loader's schema
 * rule, the language server and the connectors: a cron expression as croner reads it, an IANA timezone,
 * an AMQP url without credentials. Each returns why the value does not fit, or undefined.
 */
import { Cron } from "croner";

/** Why `expr` is not a cron expression croner accepts (5 fields, or 6 with seconds), or undefined. */
export function cronProblem(expr: string, timezone?: string): string | undefined {
  try {
    new Cron(expr, { paused: true, ...(timezone !== undefined ? { timezone } : {}) }).stop();
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * An HL7 field path as an option names it (`PID-3.1`, `MSH-10`, `PID-3[2].1`): the shape only — the
 * hl7 module's parser stays out of this pure module; the engine reads the value with it at intake.
 */
const HL7_FIELD_PATH = /^[A-Z][A-Z0-9]{2}(\[[1-9]\d*\])?-[1-9]\d*(\[[1-9]\d*\])?(\.[1-9]\d*){0,2}$/;

export function hl7FieldPathProblem(value: string): string | undefined {
  return HL7_FIELD_PATH.test(value)
    ? undefined
    : "is not an HL7 field path: SEG-field, optionally .component and .subcomponent (e.g. PID-3.1, MSH-10)";
}

/** Why `tz` is not an IANA timezone this runtime knows, or undefined when it is. */
export function timezoneProblem(tz: string): string | undefined {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return undefined;
  } catch {
    return `is not a known timezone (use an IANA name such as "Europe/Berlin")`;
  }
}

/** Why `url` is not an `amqp:` / `amqps:` url fit for settings (no password in it), or undefined. */
export function amqpUrlProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return "is not a valid URL (e.g. amqp://broker:5672/vhost)";
  }
  if (u.protocol !== "amqp:" && u.protocol !== "amqps:") return "must be an amqp: or amqps: URL";
  if (u.password !== "")
    return "must not carry a password: set `password` from env() (a MEFOR_VALUE_* secret)";
  return undefined;
}
