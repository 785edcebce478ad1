/**
 * Stage → Promote view. The host drives the flow with webviews/src/model/promote-flow.ts (it does the
 * validation, the engine calls and the quick picks) and posts every new state; the view renders it and
 * posts the user's decisions.
 */
import type { NodeKind, Severity } from "messagefoundry/graph";
import type { HostErrorMessage, ReadyMessage } from "./common.js";

/** The flow's steps, in order; `failed` and `cancelled` are terminal like `done`. */
export type PromoteStep =
  | "validate"
  | "pickTarget"
  | "stage"
  | "review"
  | "confirm"
  | "promote"
  | "done"
  | "failed"
  | "cancelled";

/** An engine target (from the `messagefoundry.engines` settings). */
export interface PromoteTarget {
  /** Environment name, e.g. `staging`, `prod`. */
  env: string;
  url: string;
}

/** A problem reported by local validation or by the engine while staging. */
export interface PromoteProblem {
  code: string;
  severity: Severity;
  message: string;
  /** Config-relative file and 1-based line, when the problem has a place. */
  file?: string;
  line?: number;
}

export interface NodeRef {
  kind: NodeKind;
  name: string;
}

export interface ChangedNode extends NodeRef {
  /** Human-readable changes, e.g. `settings.port: 2600 → 2601`. */
  changes: string[];
}

/** A config file the promotion adds, removes or changes (the view links each to a diff editor). */
export interface FileChange {
  path: string;
  status: "added" | "removed" | "modified";
}

/** What happens to rows queued for a connection the promotion removes. */
export type RemovedQueuedChoice = "drain" | "dead-letter" | "keep";

/** A removed connection that still has rows queued (the review asks what to do with them). */
export interface RemovedWithQueue {
  connection: string;
  queued: number;
}

/** What promoting the staged bundle would change on the target. */
export interface PromoteSummary {
  /** Config version currently active on the target (undefined when none yet). */
  activeVersion?: string;
  /** Version id of the staged bundle. */
  stagedVersion: string;
  added: NodeRef[];
  removed: NodeRef[];
  changed: ChangedNode[];
  /** Files that differ from the active version's (absent when the engine's files could not be read). */
  files?: FileChange[];
  /** Removed connections with rows queued now: each needs a choice before Confirm. */
  removedQueued?: RemovedWithQueue[];
}

/** The whole flow state; `step` says which fields are meaningful. */
export interface PromoteState {
  step: PromoteStep;
  target?: PromoteTarget;
  /** Local validation problems, then the engine's staging problems. */
  problems: PromoteProblem[];
  summary?: PromoteSummary;
  /** The step that failed (`step === "failed"`). */
  failedAt?: PromoteStep;
  error?: string;
  /** After `done`: the version now active on the target. */
  promotedVersion?: string;
  /**
   * The version active on the target now, as every view shows it (one source: the engine's
   * GET /config/active, refreshed after each promote and rollback), e.g. `v4 (rollback to v2)`.
   */
  activeNow?: string;
}

/** Host → view: the current state (after `ready` and after every transition). */
export interface PromoteStateMessage {
  type: "state";
  state: PromoteState;
}

export type PromoteToView = PromoteStateMessage | HostErrorMessage;

/** View → host: the user confirmed the reviewed summary. */
export interface PromoteConfirm {
  type: "confirm";
  /** The staged version being confirmed (so a late click cannot promote a different bundle). */
  stagedVersion: string;
  /** The user's choice per removed connection with queued rows (summary.removedQueued). */
  removedQueued?: Record<string, RemovedQueuedChoice>;
}

/** View → host: show this file's staged vs active content in the diff editor. */
export interface PromoteOpenDiff {
  type: "openDiff";
  path: string;
}

/** View → host: the user cancelled (any non-terminal step). */
export interface PromoteCancel {
  type: "cancel";
}

/** View → host: start again from validation (after `failed` or `cancelled`). */
export interface PromoteRestart {
  type: "restart";
}

/** View → host: open the file of a problem. */
export interface PromoteOpenProblem {
  type: "openProblem";
  file: string;
  line: number;
}

export type PromoteFromView =
  | ReadyMessage
  | PromoteConfirm
  | PromoteCancel
  | PromoteRestart
  | PromoteOpenProblem
  | PromoteOpenDiff;
