/**
 * Structured errors of the X12 core. Each names what went wrong and where (an offset into the text,
 * or a column in a path) and carries a stable code shared by the CLI, the API and the language server.
 */

/** Thrown by `parseX12` only when the text holds no ISA segment at all. */
export class X12ParseError extends Error {
  override readonly name = "X12ParseError";
  constructor(
    message: string,
    readonly offset: number,
    readonly code = "X12_NO_ISA",
  ) {
    super(message);
  }
}

/** A path such as `NM1[2]-09` that cannot be read; `offset` is the 0-based column in the path. */
export class X12PathError extends Error {
  override readonly name = "X12PathError";
  constructor(
    message: string,
    readonly path: string,
    readonly offset: number,
    readonly code = "X12_BAD_PATH",
  ) {
    super(message);
  }
}

/** A write the interchange refuses: a missing segment, a delimiter in a value, a separator element. */
export class X12EditError extends Error {
  override readonly name = "X12EditError";
  constructor(
    message: string,
    readonly path: string,
    readonly code = "X12_BAD_EDIT",
  ) {
    super(message);
  }
}
