/**
 * The keyboard and title rules of the wizards' QuickPick/InputBox steps, apart from vscode so they are
 * tested in plain Node (steps.ts wires them to the widgets).
 */

/**
 * What Enter takes in a multi-select step: the ticked rows plus the highlighted one (Enter on a
 * highlighted row takes it, as in a single-choice step, without Space first). `undefined` when
 * nothing is ticked or highlighted and the step needs at least one.
 */
export function acceptedPicks<T>(
  ticked: readonly T[],
  highlighted: T | undefined,
  allowNone: boolean,
): T[] | undefined {
  const picks =
    highlighted === undefined || ticked.includes(highlighted) ? [...ticked] : [...ticked, highlighted];
  if (picks.length === 0 && !allowNone) return undefined;
  return picks;
}

/**
 * The title of one question inside a step. A step that asks several questions says so: `New Route —
 * inbound settings: question 2 of 4` (or `question 2` when the count depends on the answers).
 */
export function questionTitle(
  title: string,
  topic: string | undefined,
  asked: number,
  total?: number,
): string {
  const head = topic ? `${title} — ${topic}` : title;
  if (total !== undefined && total > 1) return `${head}: question ${asked} of ${total}`;
  if (total === undefined && asked > 1) return `${head}: question ${asked}`;
  return head;
}
