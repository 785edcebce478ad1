/**
 * connections.toml editor: a form generated from the transport and option schemas. The view never edits
 * text: every change is posted as an edit intent; the host applies it as a WorkspaceEdit and posts the
 * re-read document back, which re-renders the form (so undo in the text editor shows here too).
 */
import "@vscode-elements/elements/dist/vscode-button/index.js";
import "@vscode-elements/elements/dist/vscode-option/index.js";
import "@vscode-elements/elements/dist/vscode-single-select/index.js";
import "@vscode-elements/elements/dist/vscode-textfield/index.js";
import "../../ui/base.css";
import "./connectionsEditor.css";
import { checkSchema, isEnvRef, type JsonSchema, type SettingValue } from "messagefoundry/graph";
import {
  type FieldSpec,
  type FormIssue,
  fieldsFor,
  formatValue,
  isWiring,
  parseInput,
  settingDirection,
  transportsFor,
  validateConnection,
} from "../../model/connection-form.js";
import type {
  ConnectionsDocument,
  ConnectionsEditorFromView,
  ConnectionsEditorToView,
  Direction,
  EditIntent,
  FormConnection,
} from "../../protocol/connectionsEditor.js";
import { h, replaceChildren } from "../../ui/dom.js";
import { connectHost } from "../../ui/host.js";

interface State {
  version: number;
  model?: ConnectionsDocument;
  envKeys?: string[];
  selected?: { direction: Direction; name: string };
  /** Env mode per input path for non-secret fields the user switched to an env reference. */
  envMode: string[];
}

const host = connectHost<ConnectionsEditorToView, ConnectionsEditorFromView, State>();

/**
 * Text typed into a field but not committed yet, by field id, with the value the field showed when the
 * typing started. A re-render (a late `context`, a `document` after another edit) rebuilds the form;
 * the typing survives it unless the field's own value changed underneath (then the document wins).
 */
const typing = new Map<string, { base: string; text: string; caret: number | null }>();

/**
 * Bumped by every render. Removing a focused field that holds typed text makes the browser fire its
 * `change`: that is not the user committing (their text moves to the new field), so fields of an
 * earlier render ignore it.
 */
let generation = 0;

function current(): () => boolean {
  const mine = generation;
  return () => mine === generation;
}
const state: State = host.getState() ?? { version: 0, envMode: [] };

const list = h("nav", { id: "list", "aria-label": "Connections" });
const form = h("section", { id: "form", "aria-live": "polite" });
const banner = h("div", { id: "banner", role: "alert" });
document.body.append(banner, h("div", { class: "layout" }, list, form));

function save(): void {
  host.setState(state);
}

function edit(intent: EditIntent): void {
  host.post({ type: "edit", version: state.version, intent });
}

function connections(): FormConnection[] {
  return state.model?.connections ?? [];
}

function selectedConnection(): FormConnection | undefined {
  const sel = state.selected;
  return sel ? connections().find((c) => c.direction === sel.direction && c.name === sel.name) : undefined;
}

function uniqueName(direction: Direction): string {
  const prefix = direction === "inbound" ? "IB_NEW_" : "OB_NEW_";
  for (let i = 1; ; i++) {
    const name = `${prefix}${i}`;
    if (!connections().some((c) => c.direction === direction && c.name === name)) return name;
  }
}

function renderList(): void {
  // Until the host's first document arrives there is nothing to list or add to (an edit made now would
  // carry version 0 and be refused).
  if (!state.model) {
    replaceChildren(list);
    return;
  }
  const issuesOf = (c: FormConnection) => validateConnection(c, connections(), state.envKeys).length;
  const group = (direction: Direction, title: string) =>
    h(
      "div",
      { class: "group" },
      h("h2", {}, title),
      h(
        "ul",
        { role: "list" },
        ...connections()
          .filter((c) => c.direction === direction)
          .map((c) => {
            const current = state.selected?.direction === direction && state.selected.name === c.name;
            const n = issuesOf(c);
            return h(
              "li",
              {},
              h(
                "button",
                {
                  class: `conn${current ? " current" : ""}`,
                  "data-name": c.name,
                  "aria-current": current ? "true" : undefined,
                  onclick: () => {
                    state.selected = { direction, name: c.name };
                    typing.clear(); // the same field ids belong to another connection now
                    save();
                    render();
                  },
                },
                h("span", { class: "mono" }, c.name || "(unnamed)"),
                h("span", { class: "muted" }, ` ${c.transport}`),
                n > 0 ? h("span", { class: "badge error-text", title: `${n} problem(s)` }, ` ⚠ ${n}`) : null,
              ),
            );
          }),
      ),
      h(
        "vscode-button",
        {
          secondary: true,
          id: `add-${direction}`,
          onclick: () => {
            const name = uniqueName(direction);
            edit({ kind: "upsertConnection", direction, name, transport: "mllp", settings: {}, fields: {} });
            state.selected = { direction, name };
            typing.clear();
            save();
          },
        },
        `Add ${direction}`,
      ),
    );
  replaceChildren(list, group("inbound", "Inbound"), group("outbound", "Outbound"));
}

function issueText(issues: FormIssue[], path: string): string {
  return issues
    .filter((i) => i.path === path || i.path.startsWith(`${path}.`))
    .map((i) => i.message)
    .join("; ");
}

function fieldPath(spec: FieldSpec, sub?: string): string[] {
  const base = spec.group === "settings" ? ["settings", spec.key] : [spec.key];
  return sub ? [...base, sub] : base;
}

function currentValue(conn: FormConnection, path: string[]): SettingValue | undefined {
  let v: SettingValue | undefined = path[0] === "settings" ? conn.settings : conn.fields;
  for (const key of path[0] === "settings" ? path.slice(1) : path) {
    v =
      v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, SettingValue>)[key] : undefined;
  }
  return v;
}

/** The <input> inside a vscode-textfield's open shadow root (for the caret). */
function innerInput(field: HTMLElement): HTMLInputElement | null {
  return field.shadowRoot?.querySelector("input") ?? null;
}

/**
 * Wires a text field rendered with `base` so what the user types outlives a re-render: recorded on
 * input, put back (with the caret) when the form is rebuilt and the field's value is still `base`.
 * `replay` re-runs the field's as-you-type validation on the restored text.
 */
function keepTyping(field: HTMLElement & { value: string }, base: string, replay: () => void): void {
  const id = field.id;
  field.addEventListener("input", () => {
    typing.set(id, { base, text: field.value, caret: innerInput(field)?.selectionStart ?? null });
  });
  const kept = typing.get(id);
  if (!kept) return;
  if (kept.base !== base || kept.text === base) {
    typing.delete(id); // committed, or changed underneath: the document's value stands
    return;
  }
  field.value = kept.text;
  replay();
}

/** After a re-render: focus the field that had it, with its caret where it was. */
function restoreFocus(id: string): void {
  const el = document.getElementById(id) as (HTMLElement & { updateComplete?: Promise<unknown> }) | null;
  if (!el) return;
  el.focus();
  // A vscode-textfield renders its <input> asynchronously (lit): until then focus has nowhere to go.
  void Promise.resolve(el.updateComplete).then(() => {
    if (!el.isConnected) return;
    const input = innerInput(el);
    if (!input) return;
    input.focus();
    const caret = typing.get(id)?.caret;
    if (caret !== undefined && caret !== null) input.setSelectionRange(caret, caret);
  });
}

/** One input row; validates as the user types and posts the edit on change (Enter or leaving the field). */
function inputRow(
  conn: FormConnection,
  label: string,
  schema: JsonSchema,
  path: string[],
  required: boolean,
  secret: boolean,
  issue: string,
) {
  const id = `f-${path.join("-")}`;
  const key = path.join(".");
  const value = currentValue(conn, path);
  const env = secret || isEnvRef(value) || state.envMode.includes(key);
  const helper = h(
    "div",
    { class: `helper${issue ? " error-text" : " muted"}`, id: `${id}-help` },
    issue || schema.description || "",
  );
  const commit = (v: SettingValue | undefined) => {
    if (v === undefined) {
      if (value !== undefined)
        edit({ kind: "removeField", direction: conn.direction, name: conn.name, path });
    } else if (JSON.stringify(v) !== JSON.stringify(value)) {
      edit({ kind: "setField", direction: conn.direction, name: conn.name, path, value: v });
    }
  };
  let input: HTMLElement;
  if (!env && (schema.enum || schema.type === "boolean")) {
    const choices = schema.enum ? schema.enum.map(String) : ["true", "false"];
    const select = h("vscode-single-select", { id, "aria-describedby": `${id}-help` });
    select.append(
      h(
        "vscode-option",
        { value: "" },
        schema.default !== undefined ? `(default: ${String(schema.default)})` : "(not set)",
      ),
      ...choices.map((c) => h("vscode-option", { value: c }, c)),
    );
    select.value = value === undefined ? "" : String(value);
    select.addEventListener("change", () => {
      const parsed = parseInput(schema.enum ? { type: "string" } : schema, select.value);
      commit(parsed.value);
    });
    input = select;
  } else {
    const field = h("vscode-textfield", {
      id,
      "aria-describedby": `${id}-help`,
      placeholder: env
        ? "environment key, e.g. acme_adt_host"
        : schema.default !== undefined
          ? `default: ${String(schema.default)}`
          : "",
    });
    field.value = formatValue(value);
    const check = (text: string): { value?: SettingValue; error?: string } => {
      if (env) return text.trim() === "" ? {} : { value: { env: text.trim() } };
      const parsed = parseInput(schema, text);
      if (parsed.error || parsed.value === undefined) return parsed;
      const problems = checkSchema(schema, parsed.value);
      return problems[0] ? { error: problems[0].message } : parsed;
    };
    const showCheck = () => {
      const r = check(field.value);
      const message = r.error ?? (required && r.value === undefined ? "is required" : "");
      helper.textContent = message || schema.description || "";
      helper.className = `helper${message ? " error-text" : " muted"}`;
      field.invalid = Boolean(r.error);
    };
    field.addEventListener("input", showCheck);
    keepTyping(field, formatValue(value), showCheck);
    const live = current();
    field.addEventListener("change", () => {
      if (!live()) return;
      const r = check(field.value);
      if (!r.error) commit(r.value);
    });
    input = field;
  }
  const envToggle = secret
    ? h("span", { class: "env-badge", title: "Secrets may only come from the environment" }, "env only")
    : h(
        "vscode-button",
        {
          secondary: true,
          class: "env-toggle",
          "aria-pressed": env ? "true" : "false",
          title: env ? "Use a literal value" : "Use an environment value",
          "aria-label": `${label}: ${env ? "use a literal value" : "use an environment value"}`,
          onclick: () => {
            state.envMode = env ? state.envMode.filter((k) => k !== key) : [...state.envMode, key];
            save();
            if (env && isEnvRef(value))
              edit({ kind: "removeField", direction: conn.direction, name: conn.name, path });
            else render();
          },
        },
        env ? "env" : "{ }",
      );
  return h(
    "div",
    { class: `row${issue ? " invalid" : ""}` },
    h(
      "label",
      { for: id },
      label,
      required ? h("span", { class: "required", "aria-label": "required" }, " *") : null,
    ),
    h("div", { class: "control" }, input, envToggle),
    helper,
  );
}

function renderForm(): void {
  const conn = selectedConnection();
  if (!conn) {
    const hint = !state.model
      ? "Loading connections.toml…"
      : connections().length
        ? "Pick a connection to edit."
        : "No connections yet: add one.";
    replaceChildren(form, h("p", { class: "muted" }, hint));
    return;
  }
  const issues = validateConnection(conn, connections(), state.envKeys);
  const nameField = h("vscode-textfield", { id: "f-name", "aria-describedby": "f-name-help" });
  nameField.value = conn.name;
  const nameHelp = h(
    "div",
    { id: "f-name-help", class: `helper${issueText(issues, "name") ? " error-text" : " muted"}` },
    issueText(issues, "name"),
  );
  const checkName = () => {
    const probe = validateConnection({ ...conn, name: nameField.value }, connections(), state.envKeys);
    const msg = issueText(probe, "name");
    nameHelp.textContent = msg;
    nameHelp.className = `helper${msg ? " error-text" : " muted"}`;
  };
  nameField.addEventListener("input", checkName);
  keepTyping(nameField, conn.name, checkName);
  const live = current();
  nameField.addEventListener("change", () => {
    if (!live()) return;
    const newName = nameField.value.trim();
    if (newName === conn.name || newName === "") return;
    if (connections().some((c) => c.direction === conn.direction && c.name === newName)) return;
    edit({ kind: "renameConnection", direction: conn.direction, name: conn.name, newName });
    state.selected = { direction: conn.direction, name: newName };
    save();
  });
  const transport = h("vscode-single-select", { id: "f-transport" });
  transport.append(...transportsFor(conn.direction).map((t) => h("vscode-option", { value: t }, t)));
  transport.value = conn.transport;
  transport.addEventListener("change", () => {
    if (transport.value === conn.transport) return;
    const keep = new Set(
      fieldsFor(conn.direction, transport.value)
        .filter((f) => f.group === "settings")
        .map((f) => f.key),
    );
    const settings = Object.fromEntries(Object.entries(conn.settings).filter(([k]) => keep.has(k)));
    edit({
      kind: "upsertConnection",
      direction: conn.direction,
      name: conn.name,
      transport: transport.value,
      settings,
      fields: conn.fields,
    });
  });
  const specRows = (spec: FieldSpec): HTMLElement[] => {
    if (!(spec.schema.type === "object" && spec.schema.properties)) {
      const issue = issueText(issues, `${spec.group}.${spec.key}`);
      return [inputRow(conn, spec.key, spec.schema, fieldPath(spec), spec.required, spec.secret, issue)];
    }
    const set = currentValue(conn, fieldPath(spec));
    const setKeys = set && typeof set === "object" && !Array.isArray(set) ? Object.keys(set) : [];
    const out: HTMLElement[] = [h("h4", {}, spec.key)];
    for (const [sub, schema] of Object.entries(spec.schema.properties)) {
      // A sub-setting of the other direction (tls.servername on an inbound) only when already set.
      const only = settingDirection(schema);
      if (only && only !== conn.direction && !setKeys.includes(sub)) continue;
      const issue = issueText(issues, `${spec.group}.${spec.key}.${sub}`);
      out.push(inputRow(conn, `${spec.key}.${sub}`, schema, fieldPath(spec, sub), false, false, issue));
    }
    return out;
  };
  const specs = fieldsFor(conn.direction, conn.transport, conn.settings);
  // Wiring (name, then an inbound's router) first: it is what the rest of the config refers to.
  const wiring = specs.filter(isWiring).flatMap(specRows);
  const rows: HTMLElement[] = [];
  for (const group of ["settings", "options"] as const) {
    const groupRows = specs.filter((s) => s.group === group && !isWiring(s)).flatMap(specRows);
    if (groupRows.length === 0) continue;
    rows.push(h("h3", {}, group === "settings" ? `${conn.transport} settings` : "Options"), ...groupRows);
  }
  replaceChildren(
    form,
    h("h2", {}, `${conn.direction === "inbound" ? "Inbound" : "Outbound"} ${conn.name}`),
    h(
      "div",
      { id: "issues", class: issues.length ? "notice" : "muted" },
      issues.length
        ? `${issues.length} problem(s): ${issues.map((i) => `${i.path} ${i.message}`).join(" · ")}`
        : "No problems.",
    ),
    h(
      "div",
      { class: "row" },
      h("label", { for: "f-name" }, "name", h("span", { class: "required" }, " *")),
      h("div", { class: "control" }, nameField),
      nameHelp,
    ),
    ...wiring,
    h(
      "div",
      { class: "row" },
      h("label", { for: "f-transport" }, "transport"),
      h("div", { class: "control" }, transport),
    ),
    ...rows,
    h(
      "div",
      { class: "toolbar actions" },
      h(
        "vscode-button",
        { id: "show-text", secondary: true, onclick: () => host.post({ type: "showText", line: conn.line }) },
        "Show in text",
      ),
      h(
        "vscode-button",
        {
          id: "remove",
          secondary: true,
          onclick: () => {
            edit({ kind: "removeConnection", direction: conn.direction, name: conn.name });
            state.selected = undefined;
            typing.clear();
            save();
          },
        },
        "Remove connection",
      ),
    ),
  );
}

function render(): void {
  const focused = document.activeElement?.id;
  generation++;
  const problems = state.model?.problems ?? [];
  replaceChildren(
    banner,
    ...problems.map((p) =>
      h(
        "div",
        { class: "notice" },
        `connections.toml ${p.line}:${p.column}: ${p.message} — fix the text to use the form.`,
      ),
    ),
  );
  document.body.classList.toggle("broken", problems.length > 0);
  renderList();
  renderForm();
  // Re-rendering (after an edit, or a late message from the host) keeps the user where they were,
  // with what they were typing.
  if (focused) restoreFocus(focused);
}

/**
 * Re-rendering rebuilds every field, so it happens only when what the form shows changed: a message
 * that repeats the current model or env keys (the host re-sends after each edit, and on `ready`) must
 * not replace the field the user is typing in. The host sends the env keys before the first document,
 * so a cold open renders the form once.
 */
function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

host.listen((message) => {
  switch (message.type) {
    case "document":
      state.version = message.version;
      if (same(state.model, message.model) && selectedConnection()) {
        save();
        break;
      }
      state.model = message.model;
      if (!selectedConnection()) {
        typing.clear();
        const first = message.model.connections[0];
        state.selected = first ? { direction: first.direction, name: first.name } : undefined;
      }
      save();
      render();
      break;
    case "context":
      if (same(state.envKeys, message.envKeys)) break;
      state.envKeys = message.envKeys;
      save();
      if (state.model) render(); // before the first document there is no form to validate
      break;
    case "editRejected":
    case "hostError":
      replaceChildren(banner, h("div", { class: "notice" }, message.message));
      break;
  }
});
render();
