/**
 * Tee compare view: the report `messagefoundry tee compare --json` printed (its type from
 * `messagefoundry/api`), shown as a summary and a list of pairs with their HL7 diffs. The view asks
 * for another run with other ignore rules or pairing, and for the HTML report to be saved.
 */
import type { TeeCompareReport } from "messagefoundry/api";
import type { HostErrorMessage, ReadyMessage } from "./common.js";

/** Host → view: a finished comparison. */
export interface TeeCompareReportMessage {
  type: "report";
  report: TeeCompareReport;
}

/** Host → view: a comparison is running (the previous report stays until the new one arrives). */
export interface TeeCompareRunning {
  type: "running";
}

export type TeeCompareToView = TeeCompareReportMessage | TeeCompareRunning | HostErrorMessage;

/** View → host: compare the same sources again with these extra ignore rules and this pairing. */
export interface TeeCompareAgain {
  type: "compare";
  /** Field paths beyond the defaults (MSH-7, MSH-10). */
  ignore: string[];
  /** `MSH-10`, another field path, or `order`. */
  pairBy: string;
}

/** View → host: save the self-contained HTML report (the host asks where). */
export interface TeeCompareSaveHtml {
  type: "saveHtml";
}

export type TeeCompareFromView = ReadyMessage | TeeCompareAgain | TeeCompareSaveHtml;
