/** Tunable limits of the auth core. Every value has a safe default; tests shrink them. */
export interface AuthPolicy {
  /** A session ends after this long without a request. */
  sessionIdleMs: number;
  /** A session ends this long after login, however active. */
  sessionAbsoluteMs: number;
  /** Promote, rollback, raw view and replay need a password (+TOTP) entered this recently. */
  recentAuthMs: number;
  /** This many failed attempts within {@link lockoutWindowMs} lock the name for that client address. */
  maxFailedAttempts: number;
  /** This many failed attempts within the window from one address, whatever the names, lock the address. */
  maxFailedPerAddress: number;
  /**
   * Failed attempts from everywhere within the window beyond which only addresses without a failure
   * of their own are let in (a distributed guess cannot go on at full speed).
   */
  globalMaxFailures: number;
  lockoutWindowMs: number;
  /** How long a first lock lasts; each further lock of the same counter doubles it. */
  lockoutMs: number;
  /** The longest a doubled lock lasts. */
  maxLockoutMs: number;
  /** Failed attempts per address and window audited one by one; the rest are audited as one count. */
  failureAuditsPerWindow: number;
  /**
   * Roles that may not obtain a session without an enrolled, verified TOTP: administrators, and
   * deployers because promoted config code runs inside the engine, beside the store key.
   */
  mfaRequiredRoles: readonly string[];
  /** TOTP steps accepted either side of now (clock drift). */
  totpWindow: number;
  /** Issuer shown by authenticator apps. */
  totpIssuer: string;
  /** argon2id cost. Defaults are the argon2 package's (64 MiB, t=3, p=4); tests use cheaper ones. */
  hash: { memoryCost: number; timeCost: number; parallelism: number };
}

export const DEFAULT_AUTH_POLICY: Readonly<AuthPolicy> = Object.freeze({
  sessionIdleMs: 30 * 60_000,
  sessionAbsoluteMs: 12 * 60 * 60_000,
  recentAuthMs: 5 * 60_000,
  maxFailedAttempts: 5,
  maxFailedPerAddress: 20,
  globalMaxFailures: 200,
  lockoutWindowMs: 15 * 60_000,
  lockoutMs: 15 * 60_000,
  maxLockoutMs: 24 * 60 * 60_000,
  failureAuditsPerWindow: 10,
  mfaRequiredRoles: Object.freeze(["administrator", "deployer"]),
  totpWindow: 1,
  totpIssuer: "MessageFoundry",
  hash: Object.freeze({ memoryCost: 65536, timeCost: 3, parallelism: 4 }),
});

export function resolvePolicy(overrides?: Partial<AuthPolicy>): AuthPolicy {
  const policy: AuthPolicy = { ...DEFAULT_AUTH_POLICY, ...overrides };
  for (const key of [
    "sessionIdleMs",
    "sessionAbsoluteMs",
    "recentAuthMs",
    "maxFailedAttempts",
    "maxFailedPerAddress",
    "globalMaxFailures",
    "lockoutWindowMs",
    "lockoutMs",
    "maxLockoutMs",
    "failureAuditsPerWindow",
  ] as const) {
    const value = policy[key];
    if (!Number.isFinite(value) || value <= 0) {
      throw new RangeError(`auth policy ${key} must be a positive number, got ${String(value)}`);
    }
  }
  if (!Number.isInteger(policy.totpWindow) || policy.totpWindow < 0) {
    throw new RangeError(`auth policy totpWindow must be a non-negative integer, got ${policy.totpWindow}`);
  }
  return policy;
}
