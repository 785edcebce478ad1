/**
 * How the auth tables keep a secret they must read back (a user's TOTP secret): sealed with the
 * store key by a sealer the runtime hands in (the store's AES-GCM codec), so auth stays free of
 * store imports. A value the sealer cannot open is returned as stored: it matches no TOTP code, so
 * the user fails MFA (closed) until re-enrolled with `messagefoundry user mfa NAME --db FILE`.
 */
export interface SecretSealer {
  /** Whether values are really encrypted (false: the insecure development mode). */
  readonly encrypted: boolean;
  seal(plain: string, aad: string): string;
  /** The plain value; throws when it cannot be opened. A value written before sealing existed is returned as is. */
  open(stored: string, aad: string): string;
  /** True when `stored` is sealed under the current key (nothing for rotation to do). */
  isCurrent(stored: string): boolean;
}

/** No sealing: what the auth tables do without a store key. */
export const UNSEALED: SecretSealer = {
  encrypted: false,
  seal: (plain) => plain,
  open: (stored) => stored,
  isCurrent: () => true,
};

/** The associated data of a user's TOTP secret: a sealed secret copied onto another user fails to open. */
export const mfaSecretAad = (userId: number): string => `auth_users:${userId}:mfa_secret`;
