/** Shapes of strict-validation results, kept apart so editors can import them without the validator. */

/** Stable codes shared by the CLI, the API and the language server. */
export type ValidationCode =
  | "HL7_UNKNOWN_VERSION"
  | "HL7_UNKNOWN_SEGMENT"
  | "HL7_SEGMENT_NOT_IN_STRUCTURE"
  | "HL7_REQUIRED_FIELD_MISSING"
  | "HL7_FIELD_NOT_REPEATABLE"
  | "HL7_FIELD_TOO_LONG"
  | "HL7_UNDEFINED_FIELD"
  | (string & {});

export interface ValidationIssue {
  readonly code: ValidationCode;
  readonly severity: "error" | "warning";
  readonly message: string;
  /** 0-based position of the segment in the message (-1 for message-level parse issues). */
  readonly segmentIndex: number;
  readonly segment: string;
  /** Field path of the offending part, e.g. `PID-3`, `OBX[2]-5[2]`. */
  readonly path: string;
  /** Offsets in the message's parsed text (see Message.tree). */
  readonly start: number;
  readonly end: number;
}

export interface ValidateOptions {
  /** Validate against this version instead of MSH-12. */
  version?: string;
  /** Report the tolerant parser's issues as warnings too (default true). */
  includeParseIssues?: boolean;
}
