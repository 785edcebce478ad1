import { AuthError } from "./errors.js";

/** Letters, digits and `._@-`, starting with a letter or digit, at most 64 characters. */
const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export function isValidUsername(name: unknown): name is string {
  return typeof name === "string" && USERNAME.test(name);
}

export function checkUsername(name: unknown): asserts name is string {
  if (!isValidUsername(name)) {
    throw new AuthError(
      "AUTH_INVALID_USERNAME",
      "user name must be 1-64 characters of letters, digits and . _ @ -, starting with a letter or digit",
    );
  }
}
