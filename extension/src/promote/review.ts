/**
 * The review's pure parts: which files a promote changes (staged vs the active version's files), the
 * one way every view writes a config version, and the removed-connection choices a retry carries.
 * No vscode, so the tests run them in Node.
 */
import type { FileChange, RemovedQueuedChoice, RemovedWithQueue } from "@messagefoundry/webviews/protocol";
import type { ConfigVersion } from "messagefoundry/api";

/** Files added, removed or modified between the active version's bundle and the staged one, by path. */
export function fileChanges(active: Record<string, string>, staged: Record<string, string>): FileChange[] {
  const out: FileChange[] = [];
  for (const path of new Set([...Object.keys(active), ...Object.keys(staged)])) {
    const before = active[path];
    const after = staged[path];
    if (before === after) continue;
    out.push({ path, status: before === undefined ? "added" : after === undefined ? "removed" : "modified" });
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * How a config version reads everywhere (status bar, Promote view, rollback notices): a rollback makes
 * a new version that runs an earlier one's files, so `v4` alone next to "rolled back to v2" in another
 * view looked like two answers. One label says both.
 */
export function versionLabel(v: Pick<ConfigVersion, "versionId" | "rolledBackFrom"> | undefined): string {
  if (!v) return "no config";
  return v.rolledBackFrom ? `${v.versionId} (rollback to ${v.rolledBackFrom})` : v.versionId;
}

/** The question for one removed connection, and the answers in the order offered. */
export function removedQueuedQuestion(item: RemovedWithQueue, verb: "promote" | "rollback"): string {
  return `This ${verb} removes ${item.connection}, which still has ${item.queued} queued row(s). What should happen to them?`;
}

export const REMOVED_QUEUED_CHOICES: readonly RemovedQueuedChoice[] = ["drain", "dead-letter", "keep"];

/** Decisions for the items, or undefined when any is missing (the user cancelled). */
export function completeChoices(
  items: readonly RemovedWithQueue[],
  choices: Readonly<Record<string, RemovedQueuedChoice | undefined>>,
): Record<string, RemovedQueuedChoice> | undefined {
  const out: Record<string, RemovedQueuedChoice> = {};
  for (const i of items) {
    const c = choices[i.connection];
    if (!c) return undefined;
    out[i.connection] = c;
  }
  return out;
}
