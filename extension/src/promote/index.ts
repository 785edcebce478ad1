/** Stage → Promote: the bundle collector and the orchestration (both free of vscode). */
export { collectBundle, includeInBundle, MAX_BUNDLE_BYTES, MAX_FILE_BYTES } from "./bundle.js";
export { type PromoteDeps, runPromote, runRollback, toNodeRef, toPromoteProblem, toSummary } from "./flow.js";
