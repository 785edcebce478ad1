/**
 * The test harness: an MLLP sink with faults, a sender (N connections, open or closed loop, files /
 * generated / malformed messages), delay distributions, latency summaries and headless scenarios. Used by
 * the `sink`, `send` and `scenario` commands, and reused by the load engine and the tee relay.
 */

export { type Endpoint, type Exchange, MllpConnection } from "./connection.js";
export {
  type Distribution,
  DistributionError,
  formatDistribution,
  NO_DELAY,
  parseDistribution,
  sample,
} from "./distribution.js";
export { type LatencySummary, percentile, summarizeLatencies } from "./latency.js";
export {
  expandPaths,
  fileMessages,
  generatedMessages,
  type Malformation,
  malform,
  type OutgoingMessage,
  withMalformed,
} from "./messages.js";
export {
  type OutcomeCode,
  runSender,
  type SenderOptions,
  type SenderResult,
  type SenderSummary,
  type SendOutcome,
} from "./sender.js";
export {
  checkFaults,
  chooseAction,
  SINK_ACTIONS,
  type Sink,
  type SinkAction,
  type SinkFaults,
  type SinkOptions,
  type SinkRecord,
  type SinkRule,
  type SinkSummary,
  startSink,
} from "./sink.js";
