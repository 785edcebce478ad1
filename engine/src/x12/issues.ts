/** A positioned finding of the parser or the envelope validation; the parse itself never fails after the ISA. */
export interface X12Issue {
  /** Stable code, e.g. `X12_SE_COUNT` (see README). */
  code: string;
  severity: "error" | "warning" | "info";
  /** Plain text without element values (they may be patient data). */
  message: string;
  /** Offset into the parsed text (file-wide for `parseX12Batch`). */
  offset: number;
  /** Characters the issue covers (the segment, usually). */
  length: number;
}
