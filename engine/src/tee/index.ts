/**
 * The tee relay for migrations (`messagefoundry tee`): sit in front of a legacy engine and a shadow
 * engine, log every frame durably, forward the same bytes to both, answer the upstream with the
 * legacy's own ACK (or AA on receipt), and compare what both engines' destinations received.
 * Test/synthetic data only.
 */
export {
  ackCaptures,
  type Captured,
  type CaptureRead,
  isSqliteFile,
  readCapture,
  readNdjson,
} from "./capture.js";
export { allIdentical, type CompareOptions, compareCaptures, DEFAULT_IGNORE } from "./compare.js";
export { renderCompareHtml } from "./html.js";
export { type Endpoint, type Exchange, exchangeOn, openLeg } from "./link.js";
export {
  type FrameFilter,
  LEG_STATUSES,
  type LegResult,
  type LegStatus,
  type TeeFrame,
  TeeLog,
} from "./log.js";
export { TeeRelay, type TeeRelayOptions, type TeeStats } from "./relay.js";
export type * from "./report-types.js";
export { ShadowForwarder, type ShadowStats } from "./shadow.js";
