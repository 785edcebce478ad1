/**
 * Structured errors of the HL7 core. Every error names what went wrong and where (a character
 * offset into the text, or a column in a field path), and carries a stable code for the CLI,
 * the API and the language server alike.
 */

/** Thrown by `parse` only when no MSH segment can be found at all. */
export class Hl7ParseError extends Error {
  override readonly name = "Hl7ParseError";
  constructor(
    message: string,
    readonly offset: number,
    readonly code = "HL7_NO_MSH",
  ) {
    super(message);
  }
}

/** A field path such as `PID-3[2].1.1` that cannot be read; `offset` is the 0-based column in the path. */
export class FieldPathError extends Error {
  override readonly name = "FieldPathError";
  constructor(
    message: string,
    readonly path: string,
    readonly offset: number,
    readonly code = "HL7_BAD_PATH",
  ) {
    super(message);
  }
}

/** A write the Message API refuses (e.g. changing MSH-1/MSH-2, which would re-define every separator). */
export class Hl7EditError extends Error {
  override readonly name = "Hl7EditError";
  constructor(
    message: string,
    readonly path: string,
    readonly code = "HL7_BAD_EDIT",
  ) {
    super(message);
  }
}

/** An MLLP frame grew beyond `maxFrameBytes`; the decoder drops it and resynchronises on the next start block. */
export class MllpFrameError extends Error {
  override readonly name = "MllpFrameError";
  constructor(
    message: string,
    readonly frameBytes: number,
    readonly maxFrameBytes: number,
    readonly code = "MLLP_FRAME_TOO_LARGE",
  ) {
    super(message);
  }
  /** Frames completed by the same chunk, before or after the dropped one. */
  frames: Buffer[] = [];
}
