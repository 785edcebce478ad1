/**
 * Stage → Promote orchestration, independent of vscode. The states are the webviews' promote state
 * machine (webviews/src/model/promote-flow.ts, the one the Promote view renders); this module does the
 * work between transitions: validate locally (no errors allowed) → pick the target → stage the bundle →
 * review the engine's problems and the summary → confirm → promote → read back the active version.
 * Every side effect is a dependency, so tests drive it against the real engine API.
 */

import {
  canConfirm,
  initialPromoteState,
  isTerminal,
  type PromoteEvent,
  transition,
} from "@messagefoundry/webviews/model/promote-flow";
import type {
  ChangedNode,
  NodeRef,
  PromoteProblem,
  PromoteState,
  PromoteSummary,
  RemovedQueuedChoice,
  RemovedWithQueue,
} from "@messagefoundry/webviews/protocol";
import type { ConfigVersion, StageChanges, StageResult } from "messagefoundry/api";
import type { Problem } from "messagefoundry/graph";
import { type EngineClient, EngineError, type SwapChoices } from "../engine/client.js";
import { atLeader, leaderOf, sameUrl, type WriteNode } from "../engine/cluster.js";
import type { EngineTarget } from "../engine/targets.js";
import { fileChanges } from "./review.js";

/** The user's answer on the review: the staged version, and choices for removed connections' rows. */
export interface PromoteDecision {
  stagedVersion: string;
  removedQueued?: Record<string, RemovedQueuedChoice>;
}

/**
 * Asks what to do with rows queued for connections a promote/rollback removes (the engine named them:
 * REMOVED_QUEUED). Undefined = the user cancelled.
 */
export type AskRemovedQueued = (
  items: RemovedWithQueue[],
) => Promise<Record<string, RemovedQueuedChoice> | undefined>;

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
  confirm(review: PromoteState): Promise<string | PromoteDecision | undefined>;
  onState?(state: PromoteState): void;
  /** The active and staged files, for the review's per-file diffs (called when both are known). */
  onFiles?(active: Record<string, string>, staged: Record<string, string>): void;
  /** Rows appeared on a removed connection after staging: ask, then the promote is sent again. */
  askRemovedQueued?: AskRemovedQueued;
  /** The engine runs a new version (e.g. to refresh the status bar). */
  onPromoted?(active: ConfigVersion): void;
  /** The node that took the promote (the leader of a clustered target; a standby target is followed). */
  onNode?(node: WriteNode): void;
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

    const targetClient = await deps.clientFor(target);
    if (!targetClient) return step({ type: "cancel" });
    // Stage and promote on the leader: a clustered target may reach a standby.
    const { client } = await leaderOf(targetClient);
    const files = await deps.collectBundle();
    const before = await client.activeConfig().catch(() => undefined);
    // The active version's files, for per-file diffs (roles without config:deploy get none).
    const activeFiles = before
      ? await client.versionFiles(before.versionId).catch(() => undefined)
      : undefined;
    // The leadership may move between the status read and the stage: a NOT_LEADER is followed.
    const stagedAt = await atLeader(client, (leader) => leader.stage(files));
    const staged = stagedAt.result;
    if (activeFiles) deps.onFiles?.(activeFiles, files);
    const summary = toSummary(staged, before);
    if (activeFiles) summary.files = fileChanges(activeFiles, files);
    step({ type: "staged", summary, problems: staged.problems.map(toPromoteProblem) });
    if (!canConfirm(state)) return state; // The view shows the engine's errors; there is nothing to confirm.

    const answer = await deps.confirm(state);
    if (answer === undefined) return step({ type: "cancel" });
    const decision = typeof answer === "string" ? { stagedVersion: answer } : answer;
    step({ type: "confirm", stagedVersion: decision.stagedVersion });
    step({ type: "promoting" });
    // The leadership may have moved while the user reviewed: the same files are staged on the new leader.
    const sent = await atLeader(stagedAt.client, async (leader) => {
      const stageId = sameUrl(leader.baseUrl, stagedAt.client.baseUrl)
        ? staged.stageId
        : (await leader.stage(files)).stageId;
      return withRemovedQueuedRetry(
        (choices) => leader.promote(stageId, choices),
        decision.removedQueued ? { removedQueued: decision.removedQueued } : {},
        deps.askRemovedQueued,
      );
    });
    const promoted = sent.result;
    if (promoted === undefined)
      return step({ type: "failed", error: "Promote cancelled: no choice for the queued rows." });
    deps.onNode?.(sentFrom(targetClient, sent));
    // Read the active version back: what the engine runs now is what the user is told.
    const active = await sent.client.activeConfig();
    deps.onPromoted?.(active ?? promoted);
    return step({ type: "promoted", activeVersion: (active ?? promoted).versionId });
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

/** The engine's node refs carry a kind string; the view knows the four graph kinds. */
export function toNodeRef(entry: { kind: string; name: string }): NodeRef {
  return { kind: isKind(entry.kind) ? entry.kind : "handler", name: entry.name };
}

function isKind(k: unknown): k is NodeRef["kind"] {
  return k === "inbound" || k === "outbound" || k === "router" || k === "handler";
}

/** Wiring changes are shown on the node they start from, so the review lists every change. */
function toChanged(changes: StageChanges): ChangedNode[] {
  const out = new Map<string, ChangedNode>();
  for (const c of changes.changed) {
    // Before/after per changed setting when the engine gives them; the part's name otherwise.
    const values = (c.values ?? []).map(
      (v) => `${v.path}: ${v.before ?? "(not set)"} → ${v.after ?? "(not set)"}`,
    );
    const valued = new Set((c.values ?? []).map((v) => v.path.split(".")[0]));
    const fields = c.fields.filter((f) => !valued.has(f));
    out.set(`${c.kind}:${c.name}`, { ...toNodeRef(c), changes: [...values, ...fields] });
  }
  const touched = new Set([...changes.added, ...changes.removed].map((n) => n.name));
  const edge = (e: StageChanges["edgesAdded"][number], verb: string) => {
    if (touched.has(e.from)) return; // an added/removed node already says it
    const kind = e.kind.split("-")[0] ?? "handler";
    const key = `${kind}:${e.from}`;
    const node = out.get(key) ?? { ...toNodeRef({ kind, name: e.from }), changes: [] };
    node.changes.push(`${verb} ${e.kind} → ${e.to ?? "(dynamic)"}`);
    out.set(key, node);
  };
  for (const e of changes.edgesAdded) edge(e, "adds");
  for (const e of changes.edgesRemoved) edge(e, "removes");
  return [...out.values()];
}

export function toSummary(staged: StageResult, before: ConfigVersion | undefined): PromoteSummary {
  return {
    ...(before ? { activeVersion: before.versionId } : {}),
    stagedVersion: staged.stageId,
    added: staged.changes.added.map(toNodeRef),
    removed: staged.changes.removed.map(toNodeRef),
    changed: toChanged(staged.changes),
    ...(staged.removedQueued.length > 0 && { removedQueued: staged.removedQueued }),
  };
}

/**
 * Sends a promote/rollback; when the engine answers REMOVED_QUEUED (rows queued on connections it
 * removes that the choices do not cover), asks and sends once more with the answers added. Undefined
 * when the user gave no answer.
 */
export async function withRemovedQueuedRetry<T>(
  send: (choices: SwapChoices) => Promise<T>,
  choices: SwapChoices,
  ask: AskRemovedQueued | undefined,
): Promise<T | undefined> {
  try {
    return await send(choices);
  } catch (err) {
    const items = err instanceof EngineError && err.code === "REMOVED_QUEUED" ? err.removedQueued : undefined;
    if (!items || !ask) throw err;
    const more = await ask(items);
    if (!more) return undefined;
    return send({ ...choices, removedQueued: { ...choices.removedQueued, ...more } });
  }
}

/**
 * The node a write went to, seen from the target: `followed` only when that is not the target's own
 * URL (after a stage on the leader, a promote that stayed there was still followed from the target).
 */
function sentFrom(target: EngineClient, sent: { client: EngineClient; node: WriteNode }): WriteNode {
  if (sameUrl(sent.client.baseUrl, target.baseUrl))
    return { nodeId: sent.node.nodeId, clustered: sent.node.clustered };
  return {
    ...sent.node,
    followed: sent.node.followed ?? { nodeId: sent.node.nodeId, apiUrl: sent.client.baseUrl },
  };
}

/** Rollback: pick a version from the history, roll back, report the new active version. */
export async function runRollback(deps: {
  client: EngineClient;
  pickVersion(
    history: ConfigVersion[],
    active: ConfigVersion | undefined,
  ): Promise<ConfigVersion | undefined>;
  /** The rollback removes connections with queued rows: ask what to do, then it is sent again. */
  askRemovedQueued?: AskRemovedQueued;
}): Promise<{ ok: true; active: ConfigVersion; node: WriteNode } | { ok: false; message: string }> {
  try {
    const [history, active] = await Promise.all([
      deps.client.history(),
      deps.client.activeConfig().catch(() => undefined),
    ]);
    const choice = await deps.pickVersion(history, active);
    if (!choice) return { ok: false, message: "Rollback cancelled." };
    // A rollback is a write: it goes to the leader of a clustered target.
    const sent = await atLeader(deps.client, (leader) =>
      withRemovedQueuedRetry(
        (choices) => leader.rollback(choice.versionId, choices),
        {},
        deps.askRemovedQueued,
      ),
    );
    const rolled = sent.result;
    if (!rolled) return { ok: false, message: "Rollback cancelled." };
    return {
      ok: true,
      active: (await sent.client.activeConfig()) ?? rolled,
      node: sentFrom(deps.client, sent),
    };
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
}
