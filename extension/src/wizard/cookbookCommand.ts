/**
 * "Insert Recipe…": the cookbook as a searchable QuickPick (label, what it does, where it goes); the
 * recipes that fit where the cursor is come first. The recipe's questions are asked with the names of
 * the workspace (outbounds, handlers, code sets), then its code is inserted at the cursor with the
 * imports it needs — one undo step.
 */
import * as vscode from "vscode";
import { requestGraph } from "../lsp/graph.js";
import type { Services } from "../services.js";
import { checkRecipeValue, RECIPES, type Recipe, type RecipeParam } from "./cookbook.js";
import { insertRecipe } from "./cookbookInsert.js";
import { type PickItem, runSteps, type Step, type StepInput } from "./steps.js";
import { placeAt } from "./tsEdit.js";

const PLACE_LABEL: Record<Recipe["place"], string> = {
  handler: "in a handler",
  router: "in a router",
  module: "top level",
};

export async function runCookbook(services: Services, configDir: vscode.Uri): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (editor?.document.languageId !== "typescript") {
    void vscode.window.showInformationMessage(
      "Open a config module (.ts) and put the cursor where the recipe goes, then run Insert Recipe… again.",
    );
    return;
  }
  const doc = editor.document;
  const offset = doc.offsetAt(editor.selection.active);
  const here = placeAt(doc.getText(), offset).place;
  const ordered = [...RECIPES].sort((a, b) => Number(b.place === here) - Number(a.place === here));
  const graph = (await requestGraph(services.languageClient(), configDir))?.graph;
  const names = (kind: "outbound" | "handler") =>
    (graph?.nodes ?? []).filter((n) => n.kind === kind).map((n) => n.name);
  const codeSets = await codeSetNames(configDir);

  // Plain data only: the steps snapshot their state (structuredClone) for Back; a recipe is kept by id.
  const state: { recipe: string; values: Record<string, string> } = { recipe: "", values: {} };
  const chosen = (s: typeof state) => RECIPES.find((r) => r.id === s.recipe);
  const steps: Step<typeof state>[] = [
    async (input, s) => {
      const items: PickItem<string>[] = ordered.map((r) => ({
        label: r.label,
        description: PLACE_LABEL[r.place],
        detail: r.detail,
        value: r.id,
      }));
      s.recipe = await input.pick<string>({
        placeholder: "Insert which recipe at the cursor? Type to search.",
        items,
        matchOnDescription: true,
        matchOnDetail: true,
      });
    },
    async (input, s) => {
      for (const p of chosen(s)?.params ?? []) {
        s.values[p.key] = await askParam(input, p, s.values[p.key], {
          outbound: names("outbound"),
          handler: names("handler"),
          codeSet: codeSets,
        });
      }
    },
  ];
  const recipe = (await runSteps(steps, state, "Insert Recipe")) ? chosen(state) : undefined;
  if (!recipe) return;
  // The document may have changed while the questions were open: insert into its text as it is now.
  const now = editor.document;
  const result = insertRecipe(now.getText(), now.offsetAt(editor.selection.active), recipe, state.values);
  if ("error" in result) {
    void vscode.window.showErrorMessage(result.error);
    return;
  }
  await editor.edit((b) => {
    for (const e of result.edits)
      b.replace(new vscode.Range(now.positionAt(e.start), now.positionAt(e.end)), e.text);
  });
}

/** A recipe's question: a pick among the workspace's names (or typed), or a validated text. */
async function askParam(
  input: StepInput,
  p: RecipeParam,
  current: string | undefined,
  lists: Record<"outbound" | "handler" | "codeSet", string[]>,
): Promise<string> {
  const list = p.kind === "outbound" || p.kind === "handler" || p.kind === "codeSet" ? lists[p.kind] : [];
  if (list.length > 0) {
    return input.pick<string>({
      placeholder: p.prompt,
      items: list.map((n) => ({ label: n, value: n })),
      ...(current ? { activeValue: current } : {}),
    });
  }
  const typed = await input.text({
    prompt: p.prompt,
    value: current ?? p.default,
    validate: (v) => checkRecipeValue(p, v),
  });
  return typed.trim();
}

/** The code sets of the config dir: codesets/<name>.toml|csv|json. */
async function codeSetNames(configDir: vscode.Uri): Promise<string[]> {
  try {
    const entries = await vscode.workspace.fs.readDirectory(vscode.Uri.joinPath(configDir, "codesets"));
    return [
      ...new Set(
        entries
          .filter(([n, t]) => t === vscode.FileType.File && /\.(toml|csv|json)$/.test(n))
          .map(([n]) => n.replace(/\.(toml|csv|json)$/, "")),
      ),
    ].sort();
  } catch {
    return [];
  }
}
