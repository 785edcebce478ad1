/**
 * Password hashing (argon2id) and the password policy. Hashing runs on libuv's thread
 * pool, so it never blocks the event loop.
 */

import { randomBytes } from "node:crypto";
import { argon2id, hash, verify } from "argon2";
import { AuthError } from "./errors.js";
import type { AuthPolicy } from "./policy.js";

export const PASSWORD_MIN_LENGTH = 12;
/** Upper bound so a megabyte "password" cannot be used to burn CPU. */
export const PASSWORD_MAX_LENGTH = 1024;

/** Throws AUTH_PASSWORD_POLICY when `password` is unacceptable. Length counts code points. */
export function checkPasswordPolicy(password: string): void {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) {
    throw new AuthError(
      "AUTH_PASSWORD_POLICY",
      `password must be at least ${PASSWORD_MIN_LENGTH} characters (got ${length})`,
    );
  }
  if (length > PASSWORD_MAX_LENGTH) {
    throw new AuthError("AUTH_PASSWORD_POLICY", `password must be at most ${PASSWORD_MAX_LENGTH} characters`);
  }
  if (password.trim() === "") {
    throw new AuthError("AUTH_PASSWORD_POLICY", "password must not be only whitespace");
  }
}

export function hashPassword(password: string, cost: AuthPolicy["hash"]): Promise<string> {
  return hash(password, { type: argon2id, ...cost });
}

/** False for a wrong password and for a malformed stored hash (never throws for bad data). */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  if (password.length > PASSWORD_MAX_LENGTH * 4) return false;
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

const dummyHashes = new Map<string, Promise<string>>();

/**
 * A hash of a random password with the same cost as real ones: verifying against it for
 * unknown users makes their failed login take as long as a known user's.
 */
export function dummyHash(cost: AuthPolicy["hash"]): Promise<string> {
  const key = `${cost.memoryCost}/${cost.timeCost}/${cost.parallelism}`;
  let pending = dummyHashes.get(key);
  if (!pending) {
    pending = hashPassword(randomBytes(24).toString("base64url"), cost);
    dummyHashes.set(key, pending);
  }
  return pending;
}
