/**
 * The blind index: finding a patient's messages although bodies are encrypted. At intake the values
 * of an inbound's configured identifier fields (e.g. PID-3.1, MSH-10) are turned into tokens —
 * HMAC-SHA256 under MEFOR_INDEX_KEY, a key the database never holds — and stored beside the message;
 * a search computes the token of the value asked for and looks it up. Whoever reads the database sees
 * only tokens: without the key they cannot be reversed or tested against guessed MRNs. Equal values
 * give equal tokens (that is what makes it searchable), so the index reveals which messages share an
 * identifier — the one thing it is for. The key is separate from MEFOR_STORE_KEY so the two can be
 * held and rotated apart; changing it makes earlier tokens unfindable (re-index by replaying).
 */
import { createHmac } from "node:crypto";

export const INDEX_KEY_ENV = "MEFOR_INDEX_KEY";
const KEY_BYTES = 32;

export class BlindIndexKeyError extends Error {
  override name = "BlindIndexKeyError";
}

export class BlindIndex {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES)
      throw new BlindIndexKeyError(
        `${INDEX_KEY_ENV} decodes to ${key.length} bytes; it must be ${KEY_BYTES}`,
      );
    this.#key = Buffer.from(key);
  }

  /** The token of an identifier value: exact match (trimmed only; HL7 values are case-sensitive). */
  token(value: string): string {
    return createHmac("sha256", this.#key).update(value.trim(), "utf8").digest("base64url");
  }

  /** The distinct tokens of the non-empty `values`. */
  tokens(values: readonly (string | undefined)[]): string[] {
    const out = new Set<string>();
    for (const v of values) if (v !== undefined && v.trim() !== "") out.add(this.token(v));
    return [...out];
  }
}

/** The index under MEFOR_INDEX_KEY (base64 of 32 bytes), or undefined when it is not set. */
export function blindIndexFromEnv(env: NodeJS.ProcessEnv): BlindIndex | undefined {
  const value = env[INDEX_KEY_ENV];
  if (value === undefined || value.trim() === "") return undefined;
  return new BlindIndex(Buffer.from(value.trim(), "base64"));
}
