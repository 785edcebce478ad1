/**
 * The HL7-aware diff behind the Test Bench's before/after view and the tee compare report: one
 * implementation, in `messagefoundry/hl7` (engine/src/hl7/diff.ts), shared with `tee compare`.
 */
export {
  type DiffOptions,
  type DiffStatus,
  diffHl7,
  type FieldChange,
  type MessageDiff,
  type SegmentDiff,
} from "messagefoundry/hl7";
