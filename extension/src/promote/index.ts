/** Stage → Promote: the bundle collector and the orchestration (both free of vscode). */
export { collectBundle, includeInBundle, MAX_BUNDLE_BYTES, MAX_FILE_BYTES } from "./bundle.js";
export {
  type AskRemovedQueued,
  type PromoteDecision,
  type PromoteDeps,
  runPromote,
  runRollback,
  toNodeRef,
  toPromoteProblem,
  toSummary,
  withRemovedQueuedRetry,
} from "./flow.js";
export {
  completeChoices,
  fileChanges,
  REMOVED_QUEUED_CHOICES,
  removedQueuedQuestion,
  versionLabel,
} from "./review.js";
