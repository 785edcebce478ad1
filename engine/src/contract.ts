/**
 * `messagefoundry/api`: the engine's contract with its clients — the HTTP API's request and response
 * bodies, the stats feed, the error codes, and what the CLI prints and reads for the Test Bench
 * (`dryrun --json`, `check --json`, tests/<case>.json fixtures) with the message types `generate --type`
 * accepts, the load engine's profiles, progress events, results and charts (`load`), and the Node.js
 * flags a client starts the engine with (`ENGINE_NODE_FLAGS`). The extension
 * and the webviews import these instead of declaring them again.
 *
 * Types, plus the literal lists behind their enums (and one guard over them). Every module this file
 * reaches at run time is pure data (the route types are `import type` from the schemas they are derived
 * from), so the face bundles for the browser and for the extension host without fastify, a database or
 * `node:*` (test/packaging/package-face.test.ts checks the bundle).
 */

export { API_ERRORS, type ApiErrorCode } from "./api/error-codes.js";
export type { ActiveAlertItem, AlertList, AlertNoticeItem } from "./api/schemas/alerts.js";
export type {
  LoginRequest,
  LoginResult,
  LogoutResult,
  ReauthRequest,
  SessionInfo,
  SessionUser,
} from "./api/schemas/auth.js";
export type { ClusterNodeBody, ClusterNodesBody, ClusterStatusBody } from "./api/schemas/cluster.js";
export type { ErrorBody, ErrorDetails, Page } from "./api/schemas/common.js";
export type {
  ActiveConfigResponse,
  ConfigHistory,
  ConfigVersion,
  EdgeRef,
  EngineGraph,
  NodeRef,
  PromoteRequest,
  QueuedForRemoved,
  RemovedQueuedAction,
  RollbackRequest,
  StageChanges,
  StageRequest,
  StageResult,
  VersionFiles,
} from "./api/schemas/config.js";
export type {
  DeadLetterPage,
  DeadLetterQuery,
  FindMessagesRequest,
  HistoryEvent,
  MessageDetail,
  MessagePage,
  MessageQuery,
  MessageSummary,
  RawMessage,
  ReplayDeadLettersRequest,
  ReplayDeadLettersResult,
  ReplayResult,
  ResendResult,
  StageRow,
} from "./api/schemas/messages.js";
export type {
  ConnectionControlResult,
  ConnectionList,
  ConnectionState,
  ConnectionStatus,
  Counts,
  Health,
  StatsFrame,
} from "./api/schemas/monitoring.js";
export type {
  AddUserRequest,
  AddUserResult,
  ChangePasswordRequest,
  CreatedToken,
  CreateTokenRequest,
  MfaEnrolment,
  ResetMfaResult,
  ResetPasswordResult,
  RevokedSessions,
  SessionList,
  SessionView,
  SetRoleRequest,
  TokenList,
  TokenView,
  UserList,
  UserReply,
  UserView,
} from "./api/schemas/users.js";
export { PERMISSIONS, type Permission, ROLES, type Role } from "./auth/permissions.js";
export { isMessageType, MESSAGE_TYPES, type MessageTypeName } from "./generate/message-types.js";
export { BUILT_IN_PROFILES, PROFILE_NAMES } from "./load/builtin-profiles.js";
export {
  type ChartSeries,
  type ChartSpec,
  chartColumns,
  LOAD_CHARTS,
  type SampleField,
} from "./load/charts.js";
export type {
  LoadEvent,
  LoadPhase,
  LoadProfile,
  LoadResult,
  LoadSample,
  PhaseKind,
  Verdict as LoadVerdict,
} from "./load/types.js";
export { ENGINE_NODE_FLAGS } from "./node-flags.js";
export type {
  CheckOutput,
  DryRunDelivery,
  DryRunEveryOutput,
  DryRunHandler,
  DryRunOutput,
  DryRunResult,
  FixtureSpec,
  StepError,
  StepStage,
  TraceCodeSetLookup,
  TraceOutcome,
  TraceRead,
  TraceSend,
  TraceSite,
  TraceStep,
  TraceWrite,
} from "./pipeline/results.js";
export {
  DISPOSITIONS,
  type Disposition,
  type FinalDisposition,
  ROW_STATES,
  type RowState,
  STAGES,
  type Stage as PipelineStage,
} from "./store/types.js";
export type {
  TeeComparePair,
  TeeCompareReport,
  TeeCompareSummary,
  TeePairStatus,
} from "./tee/report-types.js";
