/**
 * TOTP (RFC 6238) over `otpauth`: SHA-1, 6 digits, 30 s — what every authenticator app
 * understands. Each accepted code's time step is remembered by the caller so the same code
 * cannot be replayed within its validity window.
 */
import { Secret, TOTP } from "otpauth";

const PERIOD_S = 30;

export interface TotpEnrolment {
  /** Base32 secret (for manual entry). */
  secret: string;
  /** otpauth:// URI for a QR code or an authenticator app. */
  uri: string;
}

function totpFor(secret: string, label = "", issuer = ""): TOTP {
  return new TOTP({ issuer, label, secret: Secret.fromBase32(secret), period: PERIOD_S, digits: 6 });
}

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

export function totpUri(secret: string, username: string, issuer: string): string {
  return totpFor(secret, username, issuer).toString();
}

/**
 * The time step (counter) the code belongs to, or undefined when it is not valid at `now`
 * within ±`window` steps. Malformed input is simply invalid.
 */
export function matchTotp(secret: string, code: string, now: number, window: number): number | undefined {
  const token = code.replace(/\s+/g, "");
  if (!/^\d{6}$/.test(token)) return undefined;
  let delta: number | null;
  try {
    delta = totpFor(secret).validate({ token, timestamp: now, window });
  } catch {
    return undefined;
  }
  return delta === null ? undefined : Math.floor(now / 1000 / PERIOD_S) + delta;
}

/** The current code — for the CLI's enrolment check and for tests. */
export function currentTotp(secret: string, now: number): string {
  return totpFor(secret).generate({ timestamp: now });
}
