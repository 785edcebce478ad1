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
