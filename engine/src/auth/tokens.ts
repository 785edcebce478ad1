/** Opaque session tokens. Only the SHA-256 of a token is stored, so a leaked database grants no sessions. */
import { createHash, randomBytes } from "node:crypto";

/** 32 random bytes, base64url (43 characters). */
export function newSessionToken(): string {
  return randomBytes(32).toString("base64url");
}

/** Hex SHA-256 of the token: the session's key in storage. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** Cheap shape check before touching storage: 43 base64url characters. */
export function looksLikeToken(token: unknown): token is string {
  return typeof token === "string" && /^[A-Za-z0-9_-]{43}$/.test(token);
}

/** API tokens carry a prefix, so one is told from a session token (and found by secret scanners). */
export const API_TOKEN_PREFIX = "mft_";

/** `mft_` + 32 random bytes, base64url. */
export function newApiToken(): string {
  return API_TOKEN_PREFIX + newSessionToken();
}

export function looksLikeApiToken(token: unknown): token is string {
  return (
    typeof token === "string" &&
    token.startsWith(API_TOKEN_PREFIX) &&
    looksLikeToken(token.slice(API_TOKEN_PREFIX.length))
  );
}

/**
 * A one-time password an administrator hands over (reset, new user): 20 characters from an alphabet
 * without look-alikes, in groups of 5 (about 116 bits). Valid until the user changes it at sign-in.
 */
export function newOneTimePassword(): string {
  const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  const out: string[] = [];
  // Rejection sampling: bytes past the last whole multiple of the alphabet would bias the choice.
  const limit = 256 - (256 % alphabet.length);
  while (out.length < 20) {
    for (const b of randomBytes(32)) {
      if (b < limit && out.length < 20) out.push(alphabet[b % alphabet.length] as string);
    }
  }
  return [0, 5, 10, 15].map((i) => out.slice(i, i + 5).join("")).join("-");
}
