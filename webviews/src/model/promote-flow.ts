/**
 * The Stage → Promote flow as a pure state machine:
 *   validate → pickTarget → stage → review → confirm → promote → done
 * with `failed` (from any working step) and `cancelled` (from any step before `promote`) as the other
 * terminal states. The host feeds it events as its work completes and posts each new state to the view;
 * an event that does not fit the current step is refused with a clear error instead of corrupting state.
 */
import type {
  PromoteProblem,
  PromoteState,
  PromoteStep,
  PromoteSummary,
  PromoteTarget,
  RemovedQueuedChoice,
} from "../protocol/promote.js";

export type PromoteEvent =
  /** Local validation finished (the problems of `messagefoundry validate`). */
  | { type: "validated"; problems: PromoteProblem[] }
  | { type: "targetPicked"; target: PromoteTarget }
  /** The engine accepted the staged bundle; its problems and the summary of changes. */
  | { type: "staged"; summary: PromoteSummary; problems: PromoteProblem[] }
  /** The user pressed Confirm on the review for this staged version. */
  | { type: "confirm"; stagedVersion: string }
  /** The host started the promote call (after any final modal / re-authentication). */
  | { type: "promoting" }
  | { type: "promoted"; activeVersion: string }
  | { type: "failed"; error: string }
  | { type: "cancel" }
  | { type: "restart" };

export class PromoteFlowError extends Error {
  constructor(
    readonly step: PromoteStep,
    readonly event: PromoteEvent["type"],
    reason: string,
  ) {
    super(`cannot apply "${event}" while at step "${step}": ${reason}`);
    this.name = "PromoteFlowError";
  }
}

export const PROMOTE_STEPS: readonly PromoteStep[] = [
  "validate",
  "pickTarget",
  "stage",
  "review",
  "confirm",
  "promote",
  "done",
];

const TERMINAL: ReadonlySet<PromoteStep> = new Set(["done", "failed", "cancelled"]);
/** Once the promote call is under way it cannot be cancelled from the UI: the engine decides. */
const CANCELLABLE: ReadonlySet<PromoteStep> = new Set([
  "validate",
  "pickTarget",
  "stage",
  "review",
  "confirm",
]);

export function initialPromoteState(): PromoteState {
  return { step: "validate", problems: [] };
}

export function isTerminal(state: PromoteState): boolean {
  return TERMINAL.has(state.step);
}

export function hasErrors(problems: readonly PromoteProblem[]): boolean {
  return problems.some((p) => p.severity === "error");
}

/** True when the view may offer Confirm: reviewing a staged bundle with no error problems. */
export function canConfirm(state: PromoteState): boolean {
  return state.step === "review" && state.summary !== undefined && !hasErrors(state.problems);
}

export function canCancel(state: PromoteState): boolean {
  return CANCELLABLE.has(state.step);
}

/** Applies `event` to `state`; returns the new state (never mutates) or throws PromoteFlowError. */
export function transition(state: PromoteState, event: PromoteEvent): PromoteState {
  const refuse = (reason: string): never => {
    throw new PromoteFlowError(state.step, event.type, reason);
  };
  const expect = (step: PromoteStep): void => {
    if (state.step !== step) refuse(`expected step "${step}"`);
  };
  switch (event.type) {
    case "validated":
      expect("validate");
      if (hasErrors(event.problems)) {
        return {
          step: "failed",
          failedAt: "validate",
          problems: event.problems,
          error: "local validation found errors",
        };
      }
      return { step: "pickTarget", problems: event.problems };
    case "targetPicked":
      expect("pickTarget");
      return { ...state, step: "stage", target: event.target };
    case "staged":
      expect("stage");
      return {
        ...state,
        step: "review",
        summary: event.summary,
        problems: [...state.problems, ...event.problems],
      };
    case "confirm":
      expect("review");
      if (!canConfirm(state)) refuse("the staged bundle has error problems");
      if (state.summary?.stagedVersion !== event.stagedVersion) {
        refuse(
          `confirmation is for version "${event.stagedVersion}", staged is "${state.summary?.stagedVersion}"`,
        );
      }
      return { ...state, step: "confirm" };
    case "promoting":
      expect("confirm");
      return { ...state, step: "promote" };
    case "promoted":
      expect("promote");
      return { ...state, step: "done", promotedVersion: event.activeVersion };
    case "failed":
      if (isTerminal(state)) refuse("the flow has already ended");
      return { ...state, step: "failed", failedAt: state.step, error: event.error };
    case "cancel":
      if (!canCancel(state))
        refuse(isTerminal(state) ? "the flow has already ended" : "promotion is under way");
      return { ...state, step: "cancelled" };
    case "restart":
      if (state.step !== "failed" && state.step !== "cancelled")
        refuse("only a failed or cancelled flow restarts");
      return initialPromoteState();
  }
}

/** Every removed connection with queued rows has a choice: the review may confirm. */
export function removedQueuedDecided(
  summary: PromoteSummary | undefined,
  choices: Readonly<Record<string, RemovedQueuedChoice | undefined>>,
): boolean {
  return (summary?.removedQueued ?? []).every((q) => choices[q.connection] !== undefined);
}

export const REMOVED_QUEUED_LABELS: Record<RemovedQueuedChoice, string> = {
  drain: "Drain: deliver them first, then swap (fails if not done in time)",
  "dead-letter": "Dead-letter them",
  keep: "Keep them queued (listed as a removed connection)",
};
