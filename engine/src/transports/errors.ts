/** Errors raised while creating connectors; each names the connection and, when known, the setting. */
import { createHash } from "node:crypto";

export class ConnectorConfigError extends Error {
  override readonly name = "ConnectorConfigError";
  constructor(
    readonly connection: string,
    readonly setting: string | undefined,
    detail: string,
  ) {
    super(`connection ${connection}${setting ? `: setting '${setting}'` : ""}: ${detail}`);
  }
}

export class UnknownConnectorError extends Error {
  override readonly name = "UnknownConnectorError";
  constructor(
    readonly connectorType: string,
    readonly direction: "inbound" | "outbound",
    known: string[],
  ) {
    super(
      `no ${direction} connector of type '${connectorType}' (known: ${known.length ? known.join(", ") : "none"})`,
    );
  }
}

/** A frame exceeded its size limit or broke its framing rules (non-MLLP framings). */
export class FrameError extends Error {
  override readonly name = "FrameError";
}

/**
 * The error's code or class only (`ENOENT`, `TypeError`): what logs at info+ may say about an error
 * whose message can name a patient-derived file or quote a reply.
 */
export function errorCode(err: unknown): string {
  if (err instanceof Error) return (err as NodeJS.ErrnoException).code ?? err.name;
  return typeof err;
}

/**
 * A stable reference for a file name in logs at info+ (names can carry patient data): a short hash,
 * the same in the debug line that carries the name itself, so the two can be matched.
 */
export function fileRef(name: string): string {
  return createHash("sha256").update(name).digest("hex").slice(0, 12);
}

/** Short text for an unknown thrown value, safe to log (never includes payloads). */
export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}

/**
 * Whether a failed `receive` means "the store is unavailable; nothing committed, resend later" (the
 * pipeline's StoreUnavailableError, recognised by name: connectors sit below the pipeline). Such a
 * payload gets no reply at all (never a NAK, which a sender takes as final) and is logged at warn.
 */
export function isStoreUnavailableError(err: unknown): boolean {
  return err instanceof Error && err.name === "StoreUnavailableError";
}
