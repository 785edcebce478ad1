/**
 * Secrets out of settings before they leave the host (support bundles): values under secret-like
 * keys become "***", and a password inside a URL (a connection string) is replaced. Pure.
 */
const SECRET_KEY = /pass(word|phrase)?|secret|token|credential|api[-_]?key|private/i;
export const REDACTED = "***";

function redactUrl(value: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return value;
  try {
    const url = new URL(value);
    if (url.password === "") return value;
    url.password = REDACTED;
    return url.toString();
  } catch {
    return value;
  }
}

export function redactSecrets(value: unknown, key = ""): unknown {
  if (SECRET_KEY.test(key) && value !== undefined && value !== null) return REDACTED;
  if (typeof value === "string") return redactUrl(value);
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v));
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSecrets(v, k)]));
  return value;
}
