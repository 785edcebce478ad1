/**
 * Parse tree view: segments → fields → repetitions → components → subcomponents of one HL7 message.
 * Selecting a node asks the host to select its text; the host's cursor moves select the node here.
 * Field names come from the host (a `lookup` per new set of segments): the tree shows at once and is
 * labelled when the answer arrives.
 */
import "@vscode-elements/elements/dist/vscode-button/index.js";
import "@vscode-elements/elements/dist/vscode-checkbox/index.js";
import "@vscode-elements/elements/dist/vscode-textfield/index.js";
import "@vscode-elements/elements/dist/vscode-tree/index.js";
import "@vscode-elements/elements/dist/vscode-tree-item/index.js";
import "../../ui/base.css";
import "./parseTree.css";
import type { VscodeTree } from "@vscode-elements/elements/dist/vscode-tree/vscode-tree.js";
import type { VscodeTreeItem } from "@vscode-elements/elements/dist/vscode-tree-item/vscode-tree-item.js";
import {
  buildParseTree,
  displayValue,
  findNodes,
  nodeForSelection,
  type ParseTree,
  type TreeNode,
} from "../../model/parse-tree.js";
import { NameCache } from "../../model/parse-tree-names.js";
import type { ParseTreeFromView, ParseTreeLoad, ParseTreeToView } from "../../protocol/parseTree.js";
import { append, h, replaceChildren } from "../../ui/dom.js";
import { connectHost } from "../../ui/host.js";

interface State {
  load?: ParseTreeLoad;
  mask: boolean;
  selectedId?: string;
  query: string;
}

const host = connectHost<ParseTreeToView, ParseTreeFromView, State>();
const state: State = host.getState() ?? { mask: true, query: "" };

const title = h("span", { class: "title", id: "title" }, "No message");
const findBox = h("vscode-textfield", {
  id: "find",
  placeholder: "Find field: PID-5 or a name",
  "aria-label": "Find a field by path or name",
});
const findStatus = h("span", { class: "muted", id: "find-status", "aria-live": "polite" });
const maskBox = h("vscode-checkbox", { id: "mask", label: "Mask identifiers" });
const copyButton = h("vscode-button", { id: "copy-path", secondary: true, disabled: true }, "Copy path");
const expandButton = h("vscode-button", { id: "expand-all", secondary: true }, "Expand all");
const collapseButton = h("vscode-button", { id: "collapse-all", secondary: true }, "Collapse all");
const problems = h("div", { id: "problems", role: "status" });
const tree = h("vscode-tree", {
  id: "tree",
  "aria-label": "HL7 message parse tree",
  "indent-guides": "always",
}) as VscodeTree;
const selectedPath = h("div", { id: "selected", class: "muted mono", "aria-live": "polite" });

document.body.append(
  h("div", { class: "toolbar" }, title),
  h("div", { class: "toolbar" }, findBox, findStatus, maskBox, copyButton, expandButton, collapseButton),
  problems,
  tree,
  selectedPath,
);

let model: ParseTree = { root: [], problems: [], version: undefined, lookups: [] };

const names = new NameCache();

const items = new Map<string, VscodeTreeItem>();
const nodes = new Map<string, TreeNode>();
const parents = new Map<string, string>();
let matches: TreeNode[] = [];
let matchIndex = -1;

function save(): void {
  host.setState(state);
}

function describe(node: TreeNode): string {
  const value = displayValue(node, state.mask);
  const type = node.type ? `${node.type} ` : "";
  return value === "" ? type.trim() : `${type}= ${value}`;
}

function renderItem(node: TreeNode): VscodeTreeItem {
  const item = document.createElement("vscode-tree-item") as VscodeTreeItem;
  item.dataset.id = node.id;
  append(
    item,
    h("span", { class: `path kind-${node.kind}` }, node.path),
    node.name ? h("span", { class: "name" }, ` ${node.name}`) : null,
    h("span", { slot: "description", class: "value mono" }, describe(node)),
  );
  items.set(node.id, item);
  nodes.set(node.id, node);
  for (const child of node.children) {
    parents.set(child.id, node.id);
    item.append(renderItem(child));
  }
  return item;
}

function render(): void {
  items.clear();
  nodes.clear();
  parents.clear();
  const load = state.load;
  title.textContent = load ? load.title : "No message";
  if (!load) {
    replaceChildren(tree);
    return;
  }
  model = buildParseTree(load.text, (version) => names.namer(version));
  for (const { version, segments } of model.lookups) {
    const request = names.request(version, segments);
    if (request) host.post({ type: "lookup", ...request });
  }
  replaceChildren(
    problems,
    ...model.problems.map((p) =>
      h("div", { class: "notice" }, `Offset ${p.offset + load.baseOffset}: ${p.message}`),
    ),
  );
  replaceChildren(tree, ...model.root.map(renderItem));
  // Top-level segments start open; the rest expand on demand.
  for (const node of model.root) {
    const item = items.get(node.id);
    if (item) item.open = model.root.length < 40;
  }
  if (state.selectedId && nodes.has(state.selectedId)) select(state.selectedId, false);
}

function refreshValues(): void {
  for (const [id, item] of items) {
    const node = nodes.get(id);
    const desc = item.querySelector(':scope > [slot="description"]');
    if (node && desc) desc.textContent = describe(node);
  }
}

/** Selects a node in the tree; `reveal` also asks the host to select its text. */
function select(id: string, reveal: boolean): void {
  const node = nodes.get(id);
  const item = items.get(id);
  if (!node || !item) return;
  for (const other of tree.querySelectorAll<VscodeTreeItem>("vscode-tree-item")) {
    if (other !== item && other.selected) other.selected = false;
  }
  for (let p = parents.get(id); p !== undefined; p = parents.get(p)) {
    const parent = items.get(p);
    if (parent) parent.open = true;
  }
  item.selected = true;
  item.scrollIntoView({ block: "nearest" });
  state.selectedId = id;
  save();
  copyButton.toggleAttribute("disabled", false);
  selectedPath.textContent = `${node.path}${node.name ? ` — ${node.name}` : ""}${node.type ? ` (${node.type})` : ""}`;
  const load = state.load;
  if (reveal && load && !load.readOnly) {
    host.post({ type: "reveal", start: node.start + load.baseOffset, end: node.end + load.baseOffset });
  }
}

tree.addEventListener("vsc-tree-select", (event) => {
  // The event's detail is the array of selected items (the element's typings say `{ selectedItems }`).
  const detail = (event as CustomEvent<VscodeTreeItem[] | { selectedItems: VscodeTreeItem[] }>).detail;
  const list = Array.isArray(detail) ? detail : detail.selectedItems;
  const picked = list[list.length - 1];
  const id = picked?.dataset.id;
  if (id) select(id, true);
});

function runFind(next: boolean): void {
  const query = findBox.value ?? "";
  state.query = query;
  save();
  matches = findNodes(model.root, query);
  if (matches.length === 0) {
    findStatus.textContent = query.trim() === "" ? "" : "No field matches";
    matchIndex = -1;
    return;
  }
  matchIndex = next ? (matchIndex + 1) % matches.length : 0;
  const hit = matches[matchIndex]!;
  findStatus.textContent = `${matchIndex + 1} of ${matches.length}`;
  select(hit.id, true);
}

findBox.addEventListener("input", () => runFind(false));
findBox.addEventListener("keydown", (event) => {
  if ((event as KeyboardEvent).key === "Enter") runFind(true);
});

maskBox.addEventListener("change", () => {
  state.mask = maskBox.checked;
  save();
  refreshValues();
});

copyButton.addEventListener("click", () => {
  const node = state.selectedId ? nodes.get(state.selectedId) : undefined;
  if (node) host.post({ type: "copy", text: node.path });
});
expandButton.addEventListener("click", () => tree.expandAll());
collapseButton.addEventListener("click", () => tree.collapseAll());

host.listen((message) => {
  switch (message.type) {
    case "load":
      state.load = message;
      state.selectedId = undefined;
      save();
      render();
      if (state.query) runFind(false);
      break;
    case "selectOffset": {
      const load = state.load;
      if (!load) break;
      const current = state.selectedId ? nodes.get(state.selectedId) : undefined;
      const start = message.offset - load.baseOffset;
      const end = (message.end ?? message.offset) - load.baseOffset;
      const node = nodeForSelection(model.root, start, end, current);
      if (node && node.id !== state.selectedId) select(node.id, false);
      break;
    }
    case "lookupResult": {
      const added = names.answer(message.requestId, message.definitions);
      if (message.error) replaceChildren(problems, h("div", { class: "notice" }, message.error));
      // Re-label if the answer is for the text on screen.
      if (added && state.load && model.lookups.some((l) => l.version === message.version)) render();
      break;
    }
    case "hostError":
      replaceChildren(problems, h("div", { class: "notice" }, message.message));
      break;
  }
});

maskBox.checked = state.mask;
findBox.value = state.query;
render();
