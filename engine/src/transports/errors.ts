/** Errors raised while creating connectors; each names the connection and, when known, the setting. */

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

/** Short text for an unknown thrown value, safe to log (never includes payloads). */
export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}
