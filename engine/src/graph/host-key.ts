/** The SFTP `hostKey` setting's form, shared by the schema check and the connector. Pure. */

/** The explicit opt-out of host key checking (logged by the connector on every connect). */
export const INSECURE_ANY_HOST_KEY = "insecure-accept-any";

/** `SHA256:` + 43 base64 characters (as `ssh-keygen -lf` prints), the prefix and a trailing `=` optional. */
const FINGERPRINT = /^(SHA256:)?[A-Za-z0-9+/]{43}=?$/;

export function isHostKeySetting(value: string): boolean {
  return value === INSECURE_ANY_HOST_KEY || FINGERPRINT.test(value);
}

/** The pinned fingerprint in the form the connector computes: `SHA256:…`, unpadded. */
export function normaliseHostKey(value: string): string {
  return (value.startsWith("SHA256:") ? value : `SHA256:${value}`).replace(/=+$/, "");
}
