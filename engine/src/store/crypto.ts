/**
 * Encryption at rest for message bodies, payloads and replies: AES-256-GCM (node:crypto).
 *
 * Stored layout (one BLOB):
 *   0x00 | plaintext                                   — pass-through (engine started insecure)
 *   0x01 | keyIdLen (1 byte) | keyId | iv (12) | tag (16) | ciphertext
 * The key id travels with each ciphertext so old rows stay readable during a rotation, and the row
 * identity (`table:id`) is the associated data, so a ciphertext copied onto another row fails to open.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

const PLAIN = 0x00;
const AES_GCM = 0x01;
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const STORE_KEY_BYTES = 32;

export class StoreKeyError extends Error {
  override name = "StoreKeyError";
}

export class BodyDecodeError extends Error {
  override name = "BodyDecodeError";
}

/** Encodes bodies for storage and decodes them back; `aad` is the row identity, e.g. `messages:42`. */
export interface BodyCodec {
  /** False for the pass-through codec. */
  readonly encrypted: boolean;
  encode(plain: Buffer, aad: string): Buffer;
  decode(stored: Buffer, aad: string): Buffer;
  /** True when `stored` is not encrypted under the codec's current key (rotation work left). */
  isStale(stored: Buffer): boolean;
}

export interface StoreKey {
  id: string;
  key: Buffer;
}

/** A stable, non-secret id for a key: a truncated hash, so no one has to name keys. */
export function keyIdFor(key: Buffer): string {
  return createHash("sha256").update("messagefoundry-store-key:").update(key).digest("hex").slice(0, 16);
}

export function makeStoreKey(key: Buffer): StoreKey {
  if (key.length !== STORE_KEY_BYTES) {
    throw new StoreKeyError(`a store key must be ${STORE_KEY_BYTES} bytes, got ${key.length}`);
  }
  return { id: keyIdFor(key), key };
}

/** Parses one base64 key (the MEFOR_STORE_KEY format). `what` names the source in errors. */
export function parseStoreKey(value: string, what = "MEFOR_STORE_KEY"): StoreKey {
  const text = value.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) {
    throw new StoreKeyError(`${what} is not base64 (expected 32 random bytes, base64-encoded)`);
  }
  const key = Buffer.from(text, "base64");
  if (key.length !== STORE_KEY_BYTES) {
    throw new StoreKeyError(`${what} decodes to ${key.length} bytes; it must be ${STORE_KEY_BYTES}`);
  }
  return makeStoreKey(key);
}

/** A fresh key, base64-encoded (what `messagefoundry key generate` prints). */
export function generateStoreKey(): string {
  return randomBytes(STORE_KEY_BYTES).toString("base64");
}

/**
 * The codec the CLI builds from the environment: MEFOR_STORE_KEY (current key) and optional
 * MEFOR_STORE_OLD_KEYS (comma-separated, still readable). Without a key it refuses unless the engine
 * was explicitly started insecure.
 */
export function codecFromEnv(
  env: NodeJS.ProcessEnv,
  opts: { insecure?: boolean; allowPlaintext?: boolean } = {},
): BodyCodec {
  const value = env.MEFOR_STORE_KEY;
  if (value === undefined || value.trim() === "") {
    if (opts.insecure) return plainCodec();
    throw new StoreKeyError(
      "MEFOR_STORE_KEY is not set: message bodies are encrypted at rest. Generate a key with " +
        "`messagefoundry key generate`, or start with --insecure-no-encryption for development only",
    );
  }
  const current = parseStoreKey(value);
  const old = (env.MEFOR_STORE_OLD_KEYS ?? "")
    .split(",")
    .filter((s) => s.trim() !== "")
    .map((s, i) => parseStoreKey(s, `MEFOR_STORE_OLD_KEYS[${i}]`));
  return aesGcmCodec(current, old, opts.allowPlaintext ? { allowPlaintext: true } : {});
}

export interface AesGcmOptions {
  /**
   * Also read pass-through (plaintext) rows. Only for the explicit migration from an engine that ran
   * insecure (`rotateKey` sets it); otherwise a row rewritten as plaintext would bypass the tag check.
   */
  allowPlaintext?: boolean;
}

/** Pass-through: only when the engine was explicitly started insecure. It cannot read ciphertexts. */
export function plainCodec(): BodyCodec {
  return {
    encrypted: false,
    encode(plain) {
      const out = Buffer.allocUnsafe(plain.length + 1);
      out[0] = PLAIN;
      plain.copy(out, 1);
      return out;
    },
    decode(stored, aad) {
      if (stored[0] === PLAIN) return stored.subarray(1);
      throw new BodyDecodeError(`${aad}: body is encrypted but the engine runs without a store key`);
    },
    isStale: (stored) => stored[0] !== PLAIN,
  };
}

/**
 * AES-256-GCM under `current`; `old` keys (and `current`) decrypt. Plaintext rows are refused unless
 * `allowPlaintext` (the migration flag) is set.
 */
export function aesGcmCodec(current: StoreKey, old: StoreKey[] = [], opts: AesGcmOptions = {}): BodyCodec {
  const keys = new Map<string, Buffer>();
  for (const k of old) keys.set(k.id, k.key);
  keys.set(current.id, current.key);
  const header = Buffer.concat([
    Buffer.from([AES_GCM, current.id.length]),
    Buffer.from(current.id, "latin1"),
  ]);

  // Deterministic IV construction: a random 96-bit start per codec, then a counter in the low 64
  // bits. Unique per key without a randomBytes call per body (NIST SP 800-38D, 8.2.1).
  const ivState = randomBytes(IV_BYTES);
  let counter = ivState.readBigUInt64BE(4);
  return {
    encrypted: true,
    encode(plain, aad) {
      counter = (counter + 1n) & 0xffff_ffff_ffff_ffffn;
      const iv = Buffer.allocUnsafe(IV_BYTES);
      ivState.copy(iv, 0, 0, 4);
      iv.writeBigUInt64BE(counter, 4);
      const cipher = createCipheriv("aes-256-gcm", current.key, iv);
      cipher.setAAD(Buffer.from(aad, "latin1"));
      const body = cipher.update(plain);
      const final = cipher.final();
      return Buffer.concat([header, iv, cipher.getAuthTag(), body, final]);
    },
    decode(stored, aad) {
      const kind = stored[0];
      if (kind === PLAIN) {
        if (opts.allowPlaintext) return stored.subarray(1);
        throw new BodyDecodeError(`${aad}: body is not encrypted, but a store key is configured`);
      }
      if (kind !== AES_GCM || stored.length < 2) throw new BodyDecodeError(`${aad}: unknown body format`);
      const idLen = stored[1] ?? 0;
      const idEnd = 2 + idLen;
      const keyId = stored.toString("latin1", 2, idEnd);
      const key = keys.get(keyId);
      if (!key) throw new BodyDecodeError(`${aad}: encrypted with key ${keyId}, which is not configured`);
      if (stored.length < idEnd + IV_BYTES + TAG_BYTES) throw new BodyDecodeError(`${aad}: truncated body`);
      const iv = stored.subarray(idEnd, idEnd + IV_BYTES);
      const tag = stored.subarray(idEnd + IV_BYTES, idEnd + IV_BYTES + TAG_BYTES);
      const decipher = createDecipheriv("aes-256-gcm", key, iv);
      decipher.setAAD(Buffer.from(aad, "latin1"));
      decipher.setAuthTag(tag);
      try {
        const body = decipher.update(stored.subarray(idEnd + IV_BYTES + TAG_BYTES));
        return Buffer.concat([body, decipher.final()]);
      } catch {
        throw new BodyDecodeError(`${aad}: authentication failed (wrong key, or the row was tampered with)`);
      }
    },
    isStale(stored) {
      return stored[0] !== AES_GCM || stored.toString("latin1", 2, 2 + (stored[1] ?? 0)) !== current.id;
    },
  };
}

/** What a store offers so bodies can be re-encoded in place, batch by batch. */
export interface BodyRecoder {
  /**
   * Re-encodes up to `limit` stored bodies after `cursor` in one transaction; `recode` returns the new
   * bytes, or undefined to leave the body as is. Returns the cursor to continue from, or undefined at the end.
   */
  recodeBodies(
    cursor: string | undefined,
    limit: number,
    recode: (stored: Buffer, aad: string) => Buffer | undefined,
  ): Promise<string | undefined>;
}

/**
 * Key rotation: every body readable with `oldKeys` (or already under `newKey`) is re-encrypted under
 * `newKey`, in small batches so a running engine keeps flowing. Returns how many bodies changed.
 */
export async function rotateKey(
  store: BodyRecoder,
  oldKeys: StoreKey[],
  newKey: StoreKey,
  opts: { batchSize?: number } = {},
): Promise<number> {
  // The explicit migration path: plaintext rows (an engine that ran insecure) get encrypted here.
  const codec = aesGcmCodec(newKey, oldKeys, { allowPlaintext: true });
  const batchSize = opts.batchSize ?? 500;
  let changed = 0;
  let cursor: string | undefined;
  do {
    cursor = await store.recodeBodies(cursor, batchSize, (stored, aad) => {
      if (!codec.isStale(stored)) return undefined;
      changed++;
      return codec.encode(codec.decode(stored, aad), aad);
    });
    // Let the event loop breathe between batches.
    await new Promise<void>((resolve) => setImmediate(resolve));
  } while (cursor !== undefined);
  return changed;
}
