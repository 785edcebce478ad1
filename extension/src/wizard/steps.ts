/**
 * Native multi-step input: one QuickPick or InputBox at a time with a Back button (and Esc to cancel),
 * keyboard-first. A wizard is a list of step functions over a shared state; Back re-runs the previous
 * step with the state as it was answered, so the user sees their earlier answer pre-filled.
 */
import * as vscode from "vscode";
import { InputValidation } from "./inputValidation.js";
import { acceptedPicks, questionTitle } from "./stepRules.js";

export class BackSignal extends Error {
  constructor() {
    super("back");
  }
}
export class CancelSignal extends Error {
  constructor() {
    super("cancelled");
  }
}

export type Step<S> = (input: StepInput, state: S) => Promise<void>;

export interface PickItem<T> extends vscode.QuickPickItem {
  value: T;
}

/** Runs steps in order; Back goes one step back, Esc cancels. Returns false when cancelled. */
export async function runSteps<S>(steps: Step<S>[], state: S, title: string): Promise<boolean> {
  const snapshots: S[] = [];
  let i = 0;
  while (i < steps.length) {
    const input = new StepInput(title, i + 1, steps.length, i > 0);
    snapshots[i] = structuredClone(state);
    try {
      await steps[i]!(input, state);
      i++;
    } catch (err) {
      if (err instanceof BackSignal) {
        i = Math.max(0, i - 1);
        Object.assign(state as object, structuredClone(snapshots[i]));
        continue;
      }
      if (err instanceof CancelSignal) return false;
      throw err;
    }
  }
  return true;
}

export class StepInput {
  private topicName: string | undefined;
  private questionCount: number | undefined;
  private asked = 0;

  constructor(
    private readonly title: string,
    private readonly step: number,
    private readonly totalSteps: number,
    private readonly canGoBack: boolean,
  ) {}

  /**
   * Names what this step asks about and, when known, how many questions it asks; each question's title
   * then says which one it is (`inbound settings: question 2 of 4`).
   */
  about(topic: string, questions?: number): void {
    this.topicName = topic;
    this.questionCount = questions;
  }

  /** A single choice. `validate` may refuse an item (shown as the placeholder message). */
  pick<T>(opts: {
    placeholder: string;
    items: PickItem<T>[];
    activeValue?: T;
    validate?: (value: T) => string | undefined;
    /** Typing also searches the descriptions (a field's name, not only its path). */
    matchOnDescription?: boolean;
    /** Typing also searches the detail lines (a recipe's description). */
    matchOnDetail?: boolean;
  }): Promise<T> {
    return this.run<T, vscode.QuickPick<PickItem<T>>>(
      vscode.window.createQuickPick<PickItem<T>>(),
      (qp, done, fail) => {
        qp.placeholder = opts.placeholder;
        qp.matchOnDescription = opts.matchOnDescription ?? false;
        qp.matchOnDetail = opts.matchOnDetail ?? false;
        qp.items = opts.items;
        const active = opts.items.find((i) => i.value === opts.activeValue);
        if (active) qp.activeItems = [active];
        return [
          qp.onDidAccept(() => {
            const item = qp.selectedItems[0] ?? qp.activeItems[0];
            if (!item) return;
            const problem = opts.validate?.(item.value);
            if (problem) {
              qp.placeholder = problem;
              return;
            }
            done(item.value);
          }),
          qp.onDidHide(() => fail(new CancelSignal())),
        ];
      },
    );
  }

  /** Several choices: Space ticks, Enter takes the ticked rows and the highlighted one. */
  pickMany<T>(opts: {
    placeholder: string;
    items: PickItem<T>[];
    selected?: T[];
    allowNone?: boolean;
  }): Promise<T[]> {
    return this.run<T[], vscode.QuickPick<PickItem<T>>>(
      vscode.window.createQuickPick<PickItem<T>>(),
      (qp, done, fail) => {
        qp.canSelectMany = true;
        qp.placeholder = opts.placeholder;
        qp.items = opts.items;
        qp.selectedItems = opts.items.filter((i) => opts.selected?.includes(i.value));
        return [
          qp.onDidAccept(() => {
            // Keyboard-first: Enter on a highlighted row takes it (type to filter, arrow, Enter).
            const picks = acceptedPicks(
              qp.selectedItems.map((i) => i.value),
              qp.activeItems[0]?.value,
              opts.allowNone ?? false,
            );
            if (picks === undefined) {
              qp.placeholder = "Highlight one (arrow keys) or tick several (Space), then Enter.";
              return;
            }
            done(picks);
          }),
          qp.onDidHide(() => fail(new CancelSignal())),
        ];
      },
    );
  }

  /**
   * Free text, validated as the user types (the message shows under the box). No placeholder on
   * purpose: grey sample text (`env:acme_adt_host`) reads as a default that Enter would take; examples
   * go in the prompt ("e.g. …").
   */
  text(opts: {
    prompt: string;
    value?: string;
    validate: (value: string) => string | undefined;
  }): Promise<string> {
    return this.run<string, vscode.InputBox>(vscode.window.createInputBox(), (box, done, fail) => {
      box.prompt = opts.prompt;
      box.value = opts.value ?? "";
      // The prompt stays visible until the user changes the value (see inputValidation.ts).
      const validation = new InputValidation(box.value, opts.validate);
      return [
        box.onDidChangeValue((value) => {
          box.validationMessage = validation.onChange(value);
        }),
        box.onDidAccept(() => {
          const problem = validation.onAccept(box.value);
          box.validationMessage = problem;
          if (!problem) done(box.value.trim());
        }),
        box.onDidHide(() => fail(new CancelSignal())),
      ];
    });
  }

  private run<T, Q extends vscode.QuickPick<vscode.QuickPickItem> | vscode.InputBox>(
    widget: Q,
    wire: (widget: Q, done: (value: T) => void, fail: (err: Error) => void) => vscode.Disposable[],
  ): Promise<T> {
    this.asked++;
    widget.title = questionTitle(this.title, this.topicName, this.asked, this.questionCount);
    widget.step = this.step;
    widget.totalSteps = this.totalSteps;
    widget.ignoreFocusOut = true;
    widget.buttons = this.canGoBack ? [vscode.QuickInputButtons.Back] : [];
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        for (const d of disposables) d.dispose();
        widget.dispose();
        fn();
      };
      const disposables = wire(
        widget,
        (value) => finish(() => resolve(value)),
        (err) => finish(() => reject(err)),
      );
      disposables.push(
        widget.onDidTriggerButton((b) => {
          if (b === vscode.QuickInputButtons.Back) finish(() => reject(new BackSignal()));
        }),
      );
      widget.show();
    });
  }
}
