/**
 * Code set editor: a grid of code → value rows to add, edit, delete, sort and search, and the default
 * value for codes not in the table. The view never edits text: every change is posted as an edit intent;
 * the host applies it as a WorkspaceEdit and posts the re-read document back, which re-renders the grid
 * (so undo in the text editor shows here too). Sorting and searching only change what is shown.
 */
import "../../ui/base.css";
import "./codeSetEditor.css";
import type {
  CodeSetDocument,
  CodeSetEditorFromView,
  CodeSetEditorToView,
  CodeSetGridRow,
  CodeSetIntent,
} from "../../protocol/codeSetEditor.js";
import { h, replaceChildren } from "../../ui/dom.js";
import { connectHost } from "../../ui/host.js";

type SortKey = "file" | "code" | "value";

interface State {
  version: number;
  model?: CodeSetDocument;
  search: string;
  sort: { key: SortKey; descending: boolean };
}

const host = connectHost<CodeSetEditorToView, CodeSetEditorFromView, State>();
const state: State = host.getState() ?? { version: 0, search: "", sort: { key: "file", descending: false } };

const banner = h("div", { id: "banner", class: "notice", role: "alert" });
const title = h("h2", { id: "title" });
const summary = h("span", { id: "summary", class: "muted" });
const search = h("input", {
  id: "search",
  type: "search",
  placeholder: "Search codes and values",
  "aria-label": "Search codes and values",
});
const showText = h("button", { id: "show-text", title: "Open the file in the text editor" }, "Show text");
const defaultInput = h("input", {
  id: "default",
  "aria-label": "Default value",
  placeholder: "(no default)",
});
const removeDefault = h("button", { id: "remove-default" }, "Remove default");
const problems = h("div", { id: "problems" });
const grid = h("table", { id: "grid" });
const newCode = h("input", { id: "new-code", placeholder: "Code", "aria-label": "New code" });
const newValue = h("input", { id: "new-value", placeholder: "Value", "aria-label": "New value" });
const add = h("button", { id: "add", class: "primary" }, "Add row");

document.body.append(
  banner,
  title,
  h("div", { class: "toolbar" }, search, summary, showText),
  h(
    "div",
    { class: "default" },
    h("label", { for: "default" }, "Default value (for codes not in the table):"),
    defaultInput,
    removeDefault,
  ),
  problems,
  grid,
  h("div", { class: "toolbar" }, newCode, newValue, add),
);

search.value = state.search;

function save(): void {
  host.setState(state);
}

function edit(intent: CodeSetIntent): void {
  banner.textContent = "";
  host.post({ type: "edit", version: state.version, intent });
}

const broken = () => (state.model?.problems.length ?? 0) > 0 || !state.model;

/** The rows to show: filtered by the search (code or value, case-insensitive), then sorted. */
function visibleRows(rows: CodeSetGridRow[], query: string, sort: State["sort"]): CodeSetGridRow[] {
  const q = query.trim().toLowerCase();
  const hits = q
    ? rows.filter((r) => r.code.toLowerCase().includes(q) || r.value.toLowerCase().includes(q))
    : [...rows];
  if (sort.key !== "file") {
    const key = sort.key;
    hits.sort((a, b) => a[key].localeCompare(b[key], undefined, { numeric: true }));
  }
  if (sort.descending) hits.reverse();
  return hits;
}

function sortButton(key: SortKey, label: string): HTMLElement {
  const on = state.sort.key === key;
  const arrow = on ? (state.sort.descending ? " ▼" : " ▲") : "";
  return h(
    "button",
    {
      class: "sort",
      "data-sort": key,
      title: `Sort by ${label.toLowerCase()} (click again to reverse; a third time: file order)`,
      onclick: () => {
        if (!on) state.sort = { key, descending: false };
        else if (!state.sort.descending) state.sort = { key, descending: true };
        else state.sort = { key: "file", descending: false };
        save();
        renderGrid();
      },
    },
    `${label}${arrow}`,
  );
}

function rowElement(r: CodeSetGridRow, disabled: boolean): HTMLElement {
  const code = h("input", { class: "code mono", "aria-label": `Code ${r.code}`, disabled });
  const value = h("input", { class: "value", "aria-label": `Value of ${r.code}`, disabled });
  code.value = r.code;
  value.value = r.value;
  const commit = () => {
    if (code.value === r.code && value.value === r.value) return;
    edit({ kind: "editRow", code: r.code, newCode: code.value, value: value.value });
  };
  code.addEventListener("change", commit);
  value.addEventListener("change", commit);
  return h(
    "tr",
    { "data-code": r.code },
    h("td", {}, code),
    h("td", {}, value),
    h(
      "td",
      { class: "actions" },
      h(
        "button",
        {
          class: "link",
          title: `Show line ${r.line} in the text`,
          onclick: () => host.post({ type: "showText", line: r.line }),
        },
        `line ${r.line}`,
      ),
      " ",
      h(
        "button",
        {
          class: "delete",
          title: `Delete the row ${r.code}`,
          disabled,
          onclick: () => edit({ kind: "deleteRow", code: r.code }),
        },
        "Delete",
      ),
    ),
  );
}

/** Keeps the focused input (and its caret) across a re-render, found again by row code and column. */
function focusKey(): { code: string; cls: string; caret: number | null } | undefined {
  const el = document.activeElement;
  if (!(el instanceof HTMLInputElement)) return undefined;
  const tr = el.closest("tr");
  const code = tr?.getAttribute("data-code");
  if (code === null || code === undefined) return undefined;
  return { code, cls: el.classList.contains("code") ? "code" : "value", caret: el.selectionStart };
}

function renderGrid(): void {
  const model = state.model;
  const rows = model ? visibleRows(model.rows, state.search, state.sort) : [];
  const keep = focusKey();
  replaceChildren(
    grid,
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", {}, sortButton("code", "Code")),
        h("th", {}, sortButton("value", "Value")),
        h("th", {}),
      ),
    ),
    h("tbody", {}, ...rows.map((r) => rowElement(r, broken()))),
  );
  const total = model?.rows.length ?? 0;
  summary.textContent =
    rows.length === total
      ? `${total} code${total === 1 ? "" : "s"}`
      : `showing ${rows.length} of ${total} codes`;
  if (keep) {
    const tr = [...grid.querySelectorAll("tr")].find((t) => t.getAttribute("data-code") === keep.code);
    const input = tr?.querySelector<HTMLInputElement>(`input.${keep.cls}`);
    if (input) {
      input.focus();
      if (keep.caret !== null) input.setSelectionRange(keep.caret, keep.caret);
    }
  }
}

function render(): void {
  const model = state.model;
  title.textContent = model ? `Code set ${model.name} (${model.format.toUpperCase()})` : "Code set";
  replaceChildren(
    problems,
    ...(model?.problems.length
      ? [
          h(
            "div",
            { class: "notice" },
            h(
              "p",
              {},
              "The file has problems; fix them in the text editor (the grid is read-only until then):",
            ),
            h(
              "ul",
              {},
              ...model.problems.map((p) =>
                h(
                  "li",
                  {},
                  h(
                    "button",
                    { class: "link", onclick: () => host.post({ type: "showText", line: p.line }) },
                    `line ${p.line}`,
                  ),
                  `: ${p.message}`,
                ),
              ),
            ),
          ),
        ]
      : []),
  );
  if (document.activeElement !== defaultInput) defaultInput.value = model?.default?.value ?? "";
  for (const el of [defaultInput, removeDefault, newCode, newValue, add])
    el.toggleAttribute("disabled", broken());
  removeDefault.toggleAttribute("disabled", broken() || model?.default === undefined);
  renderGrid();
}

search.addEventListener("input", () => {
  state.search = search.value;
  save();
  renderGrid();
});
showText.addEventListener("click", () => host.post({ type: "showText", line: 1 }));
defaultInput.addEventListener("change", () => {
  const value = defaultInput.value;
  if (value === (state.model?.default?.value ?? "")) return;
  edit({ kind: "setDefault", value });
});
removeDefault.addEventListener("click", () => edit({ kind: "setDefault", value: null }));

function addRow(): void {
  const code = newCode.value;
  if (code === "") {
    banner.textContent = "A row needs a code.";
    newCode.focus();
    return;
  }
  if (state.model?.rows.some((r) => r.code === code)) {
    banner.textContent = `The code "${code}" is already in the table: each code maps to one value.`;
    return;
  }
  edit({ kind: "addRow", code, value: newValue.value });
  newCode.value = "";
  newValue.value = "";
  newCode.focus();
}
add.addEventListener("click", addRow);
for (const el of [newCode, newValue])
  el.addEventListener("keydown", (e) => {
    if ((e as KeyboardEvent).key === "Enter") addRow();
  });

host.listen((msg) => {
  if (msg.type === "document") {
    state.version = msg.version;
    state.model = msg.model;
    save();
    render();
  } else if (msg.type === "editRejected" || msg.type === "hostError") {
    banner.textContent = msg.message;
  }
});

render();
