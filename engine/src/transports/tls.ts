/**
 * TLS settings for MLLP, TCP and HTTP. Certificates and keys are given as file paths and read when
 * the connector starts (or first connects), so a renewed certificate is picked up on restart.
 */
import { readFile } from "node:fs/promises";
import type { SecureContextOptions } from "node:tls";
import { errorText } from "./errors.js";
import type { SettingsReader } from "./settings.js";

export interface TlsServerSettings {
  /** PEM certificate chain file. */
  cert: string;
  /** PEM private key file. */
  key: string;
  /** PEM CA bundle for client certificates (mutual TLS). */
  ca?: string;
  passphrase?: string;
  /** Ask clients for a certificate and reject those not signed by `ca` (mutual TLS). Default false. */
  requireClientCert?: boolean;
  minVersion?: "TLSv1.2" | "TLSv1.3";
}

export interface TlsClientSettings {
  /** PEM CA bundle to trust instead of the system store (e.g. a partner's private CA). */
  ca?: string;
  /** Client certificate and key for mutual TLS. */
  cert?: string;
  key?: string;
  passphrase?: string;
  /** Name to verify the server certificate against (defaults to host). */
  servername?: string;
  /** Default true; turning it off is for test rigs only. */
  rejectUnauthorized?: boolean;
  minVersion?: "TLSv1.2" | "TLSv1.3";
}

const VERSIONS = ["TLSv1.2", "TLSv1.3"] as const;

export function readTlsServer(r: SettingsReader, key = "tls"): TlsServerSettings | undefined {
  const t = r.table(key);
  if (!t) return undefined;
  return {
    cert: t.str("cert"),
    key: t.str("key"),
    ca: t.optStr("ca"),
    passphrase: t.optStr("passphrase"),
    requireClientCert: t.bool("requireClientCert", false),
    minVersion: t.oneOf("minVersion", VERSIONS, "TLSv1.2"),
  };
}

export function readTlsClient(r: SettingsReader, key = "tls"): TlsClientSettings | undefined {
  const t = r.table(key);
  if (!t) return undefined;
  if (t.has("cert") !== t.has("key")) t.fail(undefined, "cert and key must be given together");
  return {
    ca: t.optStr("ca"),
    cert: t.optStr("cert"),
    key: t.optStr("key"),
    passphrase: t.optStr("passphrase"),
    servername: t.optStr("servername"),
    rejectUnauthorized: t.bool("rejectUnauthorized", true),
    minVersion: t.oneOf("minVersion", VERSIONS, "TLSv1.2"),
  };
}

/** Reads the server's PEM files; `who` (e.g. `mllp inbound IB_X`) prefixes a read failure. */
export async function loadServerTls(
  s: TlsServerSettings,
  who: string,
): Promise<SecureContextOptions & TlsPeerOptions> {
  const [cert, key, ca] = await Promise.all([
    readFile(s.cert),
    readFile(s.key),
    s.ca ? readFile(s.ca) : undefined,
  ]).catch((err: unknown) => {
    throw new Error(`${who}: cannot load TLS files: ${errorText(err)}`);
  });
  return {
    cert,
    key,
    ca,
    passphrase: s.passphrase,
    minVersion: s.minVersion ?? "TLSv1.2",
    requestCert: s.requireClientCert ?? false,
    rejectUnauthorized: s.requireClientCert ?? false,
  };
}

export async function loadClientTls(s: TlsClientSettings): Promise<SecureContextOptions & TlsPeerOptions> {
  const [ca, cert, key] = await Promise.all([
    s.ca ? readFile(s.ca) : undefined,
    s.cert ? readFile(s.cert) : undefined,
    s.key ? readFile(s.key) : undefined,
  ]);
  return {
    ca,
    cert,
    key,
    passphrase: s.passphrase,
    minVersion: s.minVersion ?? "TLSv1.2",
    rejectUnauthorized: s.rejectUnauthorized ?? true,
    servername: s.servername,
  };
}

interface TlsPeerOptions {
  requestCert?: boolean;
  rejectUnauthorized?: boolean;
  servername?: string;
}
