/**
 * What `tee compare --json` prints, the contract with the VS Code tee compare view (exported through
 * `messagefoundry/api`). Types only.
 */
import type { MessageDiff } from "../hl7/index.js";

/** How one legacy/shadow pair came out. */
export type TeePairStatus = "identical" | "differing" | "missing-legacy" | "missing-shadow";

export interface TeeComparePair {
  /** The pairing key (MSH-10 or the configured field; `#n` when paired by order). */
  key: string;
  status: TeePairStatus;
  /** Message type (MSH-9) from whichever side has the message. */
  messageType?: string;
  legacy?: string;
  shadow?: string;
  /** The HL7-aware diff, legacy → shadow (both sides present). */
  diff?: MessageDiff;
}

export interface TeeCompareSummary {
  pairs: number;
  identical: number;
  differing: number;
  missingLegacy: number;
  missingShadow: number;
  /** Paths that differ, with how many pairs differ there (most frequent first). */
  topPaths: { path: string; count: number }[];
}

export interface TeeCompareReport {
  legacySource: string;
  shadowSource: string;
  /** `MSH-10` (default), another field path, or `order`. */
  pairBy: string;
  ignore: string[];
  summary: TeeCompareSummary;
  /** Differing and missing pairs first, then identical ones, each group in key order of arrival. */
  pairs: TeeComparePair[];
  /** Lines of the captures that could not be read. */
  problems: string[];
}
