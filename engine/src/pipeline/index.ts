/**
 * The pipeline's queue logic, written against narrow function seams (RouteFn, TransformFn, DeliverFn)
 * so the registry runner wires in the config and the transports:
 *   intake (receive → group commit → ACK), per inbound a router worker and a transform worker,
 *   per outbound a delivery worker (FIFO lane, retries, dead letters), and the retention job.
 * Also the dry-run (a config's routers and handlers on messages, no store or network) and the
 * tests/ fixtures `messagefoundry check` runs through it.
 */
export {
  DELIVERY_LEASE_MS,
  type DeliveryWorkerOptions,
  startDeliveryWorker,
} from "./delivery-worker.js";
export {
  type DryRunDelivery,
  type DryRunHandler,
  type DryRunOptions,
  type DryRunResult,
  dryRunFile,
  dryRunMessage,
  splitMessages,
} from "./dryrun.js";
export {
  type FixtureOutcome,
  type FixtureSpec,
  findFixtures,
  fixtureProblems,
  runFixture,
} from "./fixtures.js";
export {
  type AckMode,
  createIntake,
  DEFAULT_STORE_WAIT_MS,
  HL7_CONTENT_TYPE,
  type InboundOptions,
  type Intake,
  type IntakeOptions,
  type IntakeResult,
  type ValidationProblem,
} from "./intake.js";
export { laneHandoff } from "./lane-inbox.js";
export {
  emptyHistogram,
  type HistogramData,
  LATENCY_BUCKETS_MS,
  Latencies,
  type LatencyKind,
  type LatencySeries,
} from "./latency.js";
export { purgeExpired, type RetentionJob, type RetentionOptions, startRetention } from "./retention.js";
export { afterFailure, backoffDelay, checkRetryPolicy, DEFAULT_RETRY, RetryPolicyError } from "./retry.js";
export {
  envelopeOf,
  STAGE_BATCH,
  type StageWorkerOptions,
  startRouterWorker,
  startTransformWorker,
  TransformLink,
} from "./stage-workers.js";
export { isStoreUnavailable, StoreUnavailableError } from "./store-outage.js";
export * from "./types.js";
export { describeError, type WorkerHandle, workerOwner } from "./worker-loop.js";
