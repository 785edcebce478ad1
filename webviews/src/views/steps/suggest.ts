/**
 * Completions under a Steps argument as it is typed: the host answers from the language server
 * (`messagefoundry/stepCompletions`, the same field paths and names code completion offers). A click
 * (or Enter on a suggestion) picks one.
 */
import type { StepArg } from "@messagefoundry/language-server/protocol";
import type { StepsCompletions } from "../../protocol/steps.js";
import { h, replaceChildren } from "../../ui/dom.js";

type Field = HTMLElement & { value: string };

export class Suggestions {
  private next = 1;
  private readonly pending = new Map<number, (items: StepsCompletions["items"]) => void>();

  constructor(private readonly ask: (requestId: number, role: StepArg["role"], typed: string) => void) {}

  /** Wraps `field` with a suggestion list filled as the user types; `pick` gets the chosen value. */
  attach(field: Field, role: StepArg["role"], pick: (value: string) => void): HTMLElement {
    const list = h("div", { class: "suggestions hidden", role: "listbox" });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const close = () => {
      list.classList.add("hidden");
      replaceChildren(list);
    };
    field.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        const id = this.next++;
        this.pending.set(id, (items) => {
          replaceChildren(
            list,
            ...items.slice(0, 30).map((it) => {
              const b = h(
                "button",
                { class: "suggestion", role: "option", "data-value": it.value },
                h("span", { class: "mono" }, it.value),
                it.description ? h("span", { class: "muted" }, ` ${it.description}`) : null,
              );
              // mousedown: pick before the field's blur commits what was typed.
              b.addEventListener("mousedown", (e) => {
                e.preventDefault();
                field.value = it.value;
                close();
                pick(it.value);
              });
              b.addEventListener("keydown", (e) => {
                if (e.key !== "Enter") return;
                e.preventDefault();
                field.value = it.value;
                close();
                pick(it.value);
              });
              return b;
            }),
          );
          list.classList.toggle("hidden", items.length === 0);
        });
        this.ask(id, role, field.value);
      }, 120);
    });
    field.addEventListener("keydown", (e) => {
      if (e.key === "Escape") close();
    });
    return h("span", { class: "suggest" }, field, list);
  }

  resolve(message: StepsCompletions): void {
    const fn = this.pending.get(message.requestId);
    this.pending.delete(message.requestId);
    fn?.(message.items);
  }
}
