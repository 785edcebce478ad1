/**
 * messagefoundry/x12 — the pure X12 EDI core: tolerant parser with separators from each ISA and
 * source offsets, interchange / group / transaction set model with path access, byte-exact
 * re-encode, envelope validation, TA1/999/997 builders, interchange writer, stream framing and
 * editor look-ups. No I/O, no engine imports.
 */
export {
  type AckBuildOptions,
  build997,
  build999,
  buildTa1,
  type Ta1Code,
  ta1Outcome,
  transactionOutcome,
} from "./ack.js";
export {
  DEFAULT_X12_SEPARATORS,
  type GroupSpec,
  type InterchangeSpec,
  type Party,
  type TransactionSpec,
  writeInterchange,
  x12Date,
} from "./envelope.js";
export { X12EditError, X12ParseError, X12PathError } from "./errors.js";
export {
  X12Group,
  X12Interchange,
  X12Loop,
  X12SegmentView,
  X12Transaction,
} from "./interchange.js";
export type { X12Issue } from "./issues.js";
export { segmentName, transactionName } from "./names.js";
export { findIsa, parseX12, parseX12Batch } from "./parse.js";
export { formatX12Path, parseX12Path, tryParseX12Path, type X12Path } from "./path.js";
export { peekX12, peekX12Bytes, type X12Header } from "./peek.js";
export { X12Segment } from "./segment.js";
export { ISA_LENGTH, type X12Separators } from "./separators.js";
export { X12StreamDecoder, type X12StreamItem } from "./stream.js";
export { locateX12, type X12Location } from "./tree.js";
export { validateEnvelope } from "./validate.js";
