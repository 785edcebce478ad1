/**
 * Steps view: a router's or handler's function as rows, in source order. Recognized actions read as
 * sentences whose literal arguments are inputs (a change is sent as an edit when the input commits);
 * controls show their blocks nested; any other statement is a code row, edited in code ("code" opens
 * its lines). Every row of a braced block can be moved up or down, deleted, and a recognized action
 * added above it or at the block's end from the palette. A picked sample's traced dry run puts values
 * beside the rows and marks what ran (identifiers masked unless unticked).
 */
import "@vscode-elements/elements/dist/vscode-button/index.js";
import "@vscode-elements/elements/dist/vscode-checkbox/index.js";
import "@vscode-elements/elements/dist/vscode-option/index.js";
import "@vscode-elements/elements/dist/vscode-single-select/index.js";
import "@vscode-elements/elements/dist/vscode-textfield/index.js";
import "../../ui/base.css";
import "./steps.css";
import type { StepBlock, StepEdit, StepRow } from "@messagefoundry/language-server/protocol";
import type { DryRunResult } from "messagefoundry/api";
import { type StepsLive as Live, liveValues } from "../../model/steps-live.js";
import { appendIndex, newStep, type PaletteEntry, paletteFor, rowParts } from "../../model/steps-rows.js";
import type { StepsFromView, StepsLoad, StepsSample, StepsToView } from "../../protocol/steps.js";
import { h, replaceChildren } from "../../ui/dom.js";
import { connectHost } from "../../ui/host.js";
import { Suggestions } from "./suggest.js";

interface State {
  mask: boolean;
}

const host = connectHost<StepsToView, StepsFromView, State>();
const state: State = host.getState() ?? { mask: true };
let load: StepsLoad | undefined;
let samples: StepsSample[] = [];
let sample: string | undefined;
let result: DryRunResult | undefined;
const suggestions = new Suggestions((requestId, role, typed) =>
  host.post({ type: "complete", requestId, role, typed }),
);
/** Where the palette inserts: a block id and an index in it. */
let target: { block: string; index: number } | undefined;

const title = h("h2", { id: "title" });
const sampleSelect = h("vscode-single-select", {
  id: "sample",
  "aria-label": "Sample message for live values",
});
const runButton = h("vscode-button", { id: "run", secondary: true }, "Show values");
const maskBox = h("vscode-checkbox", { id: "mask", label: "Mask identifiers" });
const summary = h("div", { id: "summary", class: "muted", "aria-live": "polite" });
const elsewhere = h("div", { id: "elsewhere" });
const notice = h("div", { id: "notice", class: "notice hidden", role: "alert" });
const rowsEl = h("div", { id: "rows", role: "tree" });
const palette = h("div", { id: "palette", class: "hidden" });
document.body.append(
  title,
  h("div", { class: "toolbar" }, h("span", { class: "muted" }, "Sample:"), sampleSelect, runButton, maskBox),
  summary,
  elsewhere,
  notice,
  rowsEl,
  palette,
);

function showNotice(text: string | undefined): void {
  notice.textContent = text ?? "";
  notice.classList.toggle("hidden", !text);
}

function edit(e: StepEdit): void {
  if (!load) return;
  showNotice(undefined);
  host.post({ type: "edit", revision: load.revision, edit: e });
}

function argInput(row: StepRow, i: number): HTMLElement {
  const arg = row.args[i];
  if (!arg) return h("span", {}, "?");
  if (!arg.editable)
    return h("code", { class: "expr", title: "An expression: change it in code" }, arg.value);
  const names = arg.role === "outbound" || arg.role === "handler" ? (load?.names[arg.role] ?? []) : undefined;
  if (names) {
    const select = h("vscode-single-select", {
      class: "arg",
      "data-row": row.id,
      "data-arg": i,
      "aria-label": arg.role,
    });
    const all = names.includes(arg.value) ? names : [arg.value, ...names];
    select.append(...all.map((n) => h("vscode-option", { value: n }, n)));
    select.value = arg.value;
    select.addEventListener("change", () => {
      if (select.value !== arg.value) edit({ type: "setArg", row: row.id, arg: i, value: select.value });
    });
    return select;
  }
  const field = h("vscode-textfield", {
    class: `arg role-${arg.role}`,
    "data-row": row.id,
    "data-arg": i,
    "aria-label": arg.role,
    value: arg.value,
  });
  let sent = false;
  const commit = (value: string) => {
    if (sent || value === arg.value) return;
    sent = true;
    edit({ type: "setArg", row: row.id, arg: i, value });
  };
  field.addEventListener("change", () => commit(field.value));
  return arg.role === "value" ? field : suggestions.attach(field, arg.role, commit);
}

function valuesOf(live: Live | undefined, row: StepRow): HTMLElement | null {
  const l = live?.rows[row.id];
  if (!l) return null;
  const bits = [...l.values];
  if (l.branch === "then") bits.unshift("condition true");
  else if (l.branch === "else" || l.branch === "none") bits.unshift("condition false");
  return bits.length ? h("span", { class: "values mono" }, bits.join(" · ")) : null;
}

function rowEl(row: StepRow, block: StepBlock, index: number, live: Live | undefined): HTMLElement {
  const status = live?.rows[row.id]?.status ?? "none";
  const sentence = h("span", { class: row.kind === "code" ? "sentence mono" : "sentence" });
  for (const p of rowParts(row)) sentence.append(typeof p === "string" ? p : argInput(row, p.arg));
  const tools = h("span", { class: "tools" });
  const tool = (label: string, name: string, fn: () => void) => {
    const b = h(
      "vscode-button",
      { secondary: true, class: `tool ${name}`, "aria-label": `${label} (row ${row.id})` },
      label,
    );
    b.addEventListener("click", fn);
    tools.append(b);
  };
  tool("code", "open", () =>
    host.post({ type: "openLines", line: row.location.line, endLine: row.location.endLine }),
  );
  if (block.editable) {
    if (index > 0) tool("↑", "up", () => edit({ type: "move", row: row.id, to: index - 1 }));
    if (index < block.rows.length - 1)
      tool("↓", "down", () => edit({ type: "move", row: row.id, to: index + 1 }));
    tool("+", "add", () => openPalette({ block: block.id, index }));
    tool("delete", "delete", () => edit({ type: "delete", row: row.id }));
  }
  const head = h(
    "div",
    { class: `row kind-${row.kind} status-${status}`, "data-id": row.id, role: "treeitem" },
    h("span", { class: "line muted" }, `${row.location.line}`),
    sentence,
    valuesOf(live, row),
    tools,
  );
  const out = h(
    "div",
    { class: "step" },
    row.comment ? h("div", { class: "comment muted" }, `// ${row.comment}`) : null,
    head,
  );
  for (const b of row.blocks ?? []) out.append(blockEl(b, live));
  return out;
}

function blockEl(b: StepBlock, live: Live | undefined): HTMLElement {
  const el = h("div", { class: `block label-${b.label}`, "data-block": b.id, role: "group" });
  if (b.label !== "body" || b.id !== "")
    el.append(
      h(
        "div",
        { class: "block-label muted" },
        b.label === "then" ? "then" : b.label === "else" ? "else" : "each time",
      ),
    );
  b.rows.forEach((r, i) => {
    el.append(rowEl(r, b, i, live));
  });
  if (b.editable || b.id === "") {
    const add = h("vscode-button", { secondary: true, class: "add-step", "data-block": b.id }, "Add step…");
    add.addEventListener("click", () =>
      openPalette({ block: b.id, index: b.editable ? appendIndex(b.rows) : 0 }),
    );
    el.append(add);
  }
  return el;
}

function openPalette(at: { block: string; index: number }): void {
  if (!load) return;
  target = at;
  const entries = paletteFor(load.steps.kind);
  const kindSelect = h("vscode-single-select", { id: "palette-kind", "aria-label": "Action" });
  kindSelect.append(...entries.map((e) => h("vscode-option", { value: e.kind }, e.label)));
  const fields = h("div", { id: "palette-fields", class: "toolbar" });
  const inputs = new Map<string, { value: string }>();
  const showFields = (entry: PaletteEntry | undefined) => {
    inputs.clear();
    replaceChildren(fields);
    for (const f of entry?.fields ?? []) {
      const names = f.role === "outbound" || f.role === "handler" ? load?.names[f.role] : undefined;
      let input: HTMLElement & { value: string };
      if (names) {
        input = h("vscode-single-select", { "data-field": f.name, "aria-label": f.label });
        input.append(...names.map((n) => h("vscode-option", { value: n }, n)));
      } else
        input = h("vscode-textfield", { "data-field": f.name, "aria-label": f.label, placeholder: f.label });
      inputs.set(f.name, input);
      const shown = f.role === "value" || names ? input : suggestions.attach(input, f.role, () => undefined);
      fields.append(h("label", { class: "field" }, h("span", { class: "muted" }, f.label), shown));
    }
  };
  kindSelect.addEventListener("change", () => showFields(entries.find((e) => e.kind === kindSelect.value)));
  const add = h("vscode-button", { id: "palette-add" }, "Add");
  const cancel = h("vscode-button", { id: "palette-cancel", secondary: true }, "Cancel");
  add.addEventListener("click", () => {
    if (!target) return;
    const values: Record<string, string> = {};
    for (const [k, v] of inputs) values[k] = v.value;
    const kind = (kindSelect.value || entries[0]?.kind) as PaletteEntry["kind"];
    edit({ type: "insert", block: target.block, index: target.index, step: newStep(kind, values) });
    closePalette();
  });
  cancel.addEventListener("click", closePalette);
  replaceChildren(
    palette,
    h(
      "div",
      { class: "muted" },
      `Add a step ${at.block === "" ? "" : `in ${at.block} `}at position ${at.index + 1}`,
    ),
    h("div", { class: "toolbar" }, kindSelect),
    fields,
    h("div", { class: "toolbar" }, add, cancel),
  );
  showFields(entries[0]);
  palette.classList.remove("hidden");
}

function closePalette(): void {
  target = undefined;
  palette.classList.add("hidden");
  replaceChildren(palette);
}

function render(): void {
  if (!load) return;
  const s = load.steps;
  title.textContent = `${s.kind === "router" ? "Router" : "Handler"} ${s.name} — ${s.file}`;
  const live = result ? liveValues(s, result, state.mask) : undefined;
  summary.textContent = live?.summary ?? (sample ? "" : "Pick a sample message to see values.");
  replaceChildren(
    elsewhere,
    ...(live?.elsewhere.length
      ? [
          h("div", { class: "muted" }, "Also read and written by code these rows call:"),
          ...live.elsewhere.map((e) => h("div", { class: "mono values" }, e)),
        ]
      : []),
  );
  const typing = typingIn();
  replaceChildren(rowsEl, blockEl(s.body, live));
  if (typing) resumeTyping(typing);
}

/** An argument field the user is typing in: a re-render (fresh values, a refreshed text) must keep it. */
interface Typing {
  row: string;
  arg: string;
  value: string;
}

function typingIn(): Typing | undefined {
  const el = document.activeElement as (HTMLElement & { value?: string }) | null;
  if (!el?.matches("vscode-textfield[data-row]") || !rowsEl.contains(el)) return undefined;
  return { row: el.dataset.row ?? "", arg: el.dataset.arg ?? "", value: el.value ?? "" };
}

function resumeTyping(t: Typing): void {
  const field = rowsEl.querySelector<HTMLElement & { value: string }>(
    `vscode-textfield[data-row="${CSS.escape(t.row)}"][data-arg="${CSS.escape(t.arg)}"]`,
  );
  if (!field) return;
  field.value = t.value;
  // The element draws its <input> asynchronously (a Lit update): focus that input once it exists, caret
  // at the end, so the next keystroke lands where the last one did.
  void Promise.resolve((field as { updateComplete?: Promise<unknown> }).updateComplete).then(() => {
    const input = field.shadowRoot?.querySelector("input");
    if (!input) return field.focus();
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
  });
}

function renderSamples(): void {
  replaceChildren(sampleSelect, ...samples.map((x) => h("vscode-option", { value: x.id }, x.label)));
  if (sample) sampleSelect.value = sample;
}

runButton.addEventListener("click", () => {
  const id = sampleSelect.value || samples[0]?.id;
  if (!id) return;
  sample = id;
  summary.textContent = "Running…";
  host.post({ type: "runSample", sample: id });
});
maskBox.addEventListener("change", () => {
  state.mask = maskBox.checked;
  host.setState(state);
  render();
});
maskBox.checked = state.mask;

host.listen((message) => {
  switch (message.type) {
    case "steps":
      load = message;
      render();
      return;
    case "samples":
      samples = message.samples;
      if (message.selected) sample = message.selected;
      renderSamples();
      return;
    case "live":
      if (message.sample !== sample) sample = message.sample;
      result = message.result;
      if (message.error) showNotice(message.error);
      render();
      return;
    case "completions":
      suggestions.resolve(message);
      return;
    case "editRefused":
    case "hostError":
      showNotice(message.message);
      return;
  }
});
