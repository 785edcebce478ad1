/**
 * Stage → Promote orchestration, independent of vscode. The states are the webviews' promote state
 * machine (webviews/src/model/promote-flow.ts, the one the Promote view renders); this module does the
 * work between transitions: validate locally (no errors allowed) → pick the target → stage the bundle →
 * review the engine's problems and the summary → confirm → promote → read back the active version.
 * Every side effect is a dependency, so tests drive it against a real HTTP engine stand-in.
 */

import {
  canConfirm,
  initialPromoteState,
  isTerminal,
  type PromoteEvent,
  transition,
} from "@messagefoundry/webviews/src/model/promote-flow.js";
import type { Problem } from "messagefoundry/graph";
import type {
  ChangedNode,
  NodeRef,
  PromoteProblem,
  PromoteState,
  PromoteSummary,
} from "../../../webviews/src/protocol/index.js";
import type { ActiveConfig, StageResult } from "../engine/api.js";
import type { EngineClient } from "../engine/client.js";
import type { EngineTarget } from "../engine/targets.js";

export interface PromoteDeps {
  /** `messagefoundry validate --json` on the local config. */
  validateLocal(): Promise<Problem[]>;
  pickTarget(): Promise<EngineTarget | undefined>;
  collectBundle(): Promise<Record<string, string>> | Record<string, string>;
  /** A client for the target carrying its token (signing in first if needed); undefined = not signed in. */
  clientFor(target: EngineTarget): Promise<EngineClient | undefined>;
  /**
   * Shows the review and resolves to the staged version the user confirmed, or undefined when they
   * cancelled. Only called when the review allows confirming (no error problems).
   */
  confirm(review: PromoteState): Promise<string | undefined>;
  onState?(state: PromoteState): void;
}

export async function runPromote(deps: PromoteDeps): Promise<PromoteState> {
  let state = initialPromoteState();
  const step = (event: PromoteEvent): PromoteState => {
    state = transition(state, event);
    deps.onState?.(state);
    return state;
  };
  deps.onState?.(state);
  try {
    const local = await deps.validateLocal();
    if (isTerminal(step({ type: "validated", problems: local.map(toPromoteProblem) }))) return state;

    const target = await deps.pickTarget();
    if (!target) return step({ type: "cancel" });
    step({ type: "targetPicked", target: { env: target.environment, url: target.url } });

    const client = await deps.clientFor(target);
    if (!client) return step({ type: "cancel" });
    const files = await deps.collectBundle();
    const before = await client.activeConfig().catch(() => undefined);
    const staged = await client.stage(files);
    step({
      type: "staged",
      summary: toSummary(staged, before),
      problems: staged.problems.map(toPromoteProblem),
    });
    if (!canConfirm(state)) return state; // The view shows the engine's errors; there is nothing to confirm.

    const confirmed = await deps.confirm(state);
    if (confirmed === undefined) return step({ type: "cancel" });
    step({ type: "confirm", stagedVersion: confirmed });
    step({ type: "promoting" });
    await client.promote(staged.stageId);
    // Read the active version back rather than trusting the promote reply's shape.
    const active = await client.activeConfig();
    return step({ type: "promoted", activeVersion: active.versionId });
  } catch (err) {
    if (isTerminal(state)) return state;
    return step({ type: "failed", error: err instanceof Error ? err.message : String(err) });
  }
}

export function toPromoteProblem(p: Problem): PromoteProblem {
  return {
    code: p.code,
    severity: p.severity,
    message: p.hint ? `${p.message} ${p.hint}` : p.message,
    ...(p.location ? { file: p.location.file, line: p.location.line } : {}),
  };
}

const KIND_BY_PREFIX: Record<string, NodeRef["kind"]> = { IB: "inbound", OB: "outbound" };

/**
 * The engine's summary lists nodes; accept `{ kind, name }` objects or plain names (`IB_ACME_ADT`,
 * `router:acme_adt_router`), so the review reads well whichever form the engine sends.
 */
export function toNodeRef(entry: unknown): NodeRef {
  if (entry && typeof entry === "object") {
    const { kind, name } = entry as { kind?: unknown; name?: unknown };
    if (typeof name === "string" && isKind(kind)) return { kind, name };
    if (typeof name === "string") return guessKind(name);
  }
  return guessKind(String(entry));
}

function isKind(k: unknown): k is NodeRef["kind"] {
  return k === "inbound" || k === "outbound" || k === "router" || k === "handler";
}

function guessKind(text: string): NodeRef {
  const m = /^(inbound|outbound|router|handler):(.+)$/.exec(text);
  if (m && isKind(m[1])) return { kind: m[1], name: m[2]! };
  const prefix = text.split("_")[0] ?? "";
  const kind = KIND_BY_PREFIX[prefix] ?? (text.endsWith("_router") ? "router" : "handler");
  return { kind, name: text };
}

function toChanged(entry: unknown): ChangedNode {
  const ref = toNodeRef(entry);
  const changes = (entry as { changes?: unknown } | null)?.changes;
  return { ...ref, changes: Array.isArray(changes) ? changes.map(String) : [] };
}

function toSummary(staged: StageResult, before: ActiveConfig | undefined): PromoteSummary {
  return {
    ...(before ? { activeVersion: before.versionId } : {}),
    stagedVersion: staged.stageId,
    added: staged.summary.added.map(toNodeRef),
    removed: staged.summary.removed.map(toNodeRef),
    changed: staged.summary.changed.map(toChanged),
  };
}

/** Rollback: pick a version from the history, roll back, report the new active version. */
export async function runRollback(deps: {
  client: EngineClient;
  pickVersion(history: ActiveConfig[], active: ActiveConfig | undefined): Promise<ActiveConfig | undefined>;
}): Promise<{ ok: true; active: ActiveConfig } | { ok: false; message: string }> {
  try {
    const [history, active] = await Promise.all([
      deps.client.history(),
      deps.client.activeConfig().catch(() => undefined),
    ]);
    const choice = await deps.pickVersion(history, active);
    if (!choice) return { ok: false, message: "Rollback cancelled." };
    await deps.client.rollback(choice.versionId);
    return { ok: true, active: await deps.client.activeConfig() };
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
}
