/**
 * Asks, one quick pick per removed connection, what happens to rows still queued for it when a promote
 * or rollback removes it (the engine named them: REMOVED_QUEUED). Cancelling any question cancels all.
 */

import { REMOVED_QUEUED_LABELS } from "@messagefoundry/webviews/model/promote-flow";
import type { RemovedQueuedChoice, RemovedWithQueue } from "@messagefoundry/webviews/protocol";
import * as vscode from "vscode";
import { completeChoices, REMOVED_QUEUED_CHOICES, removedQueuedQuestion } from "../promote/review.js";

export async function askRemovedQueued(
  items: RemovedWithQueue[],
  verb: "promote" | "rollback",
): Promise<Record<string, RemovedQueuedChoice> | undefined> {
  const choices: Record<string, RemovedQueuedChoice> = {};
  for (const item of items) {
    const pick = await vscode.window.showQuickPick(
      REMOVED_QUEUED_CHOICES.map((c) => ({ label: REMOVED_QUEUED_LABELS[c], choice: c })),
      { title: removedQueuedQuestion(item, verb), ignoreFocusOut: true },
    );
    if (!pick) return undefined;
    choices[item.connection] = pick.choice;
  }
  return completeChoices(items, choices);
}
