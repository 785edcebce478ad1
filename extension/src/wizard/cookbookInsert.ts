/**
 * A recipe inserted into a module's text: its code at the cursor, indented to the cursor's line, and the
 * names it needs added to the `messagefoundry` import — as minimal edits. Refuses a cursor where the
 * recipe's code would not compile (a handler's statements outside a handler's `{ … }` body). Pure.
 */
import { type Recipe, recipeText } from "./cookbook.js";
import { addImports, placeAt, type TextEdit } from "./tsEdit.js";

export type RecipeInsert = { edits: TextEdit[] } | { error: string };

const WHERE: Record<Recipe["place"], string> = {
  handler: "inside a handler's { … } body",
  router: "inside a router's { … } body",
  module: "at the top level of a module, between declarations",
};

export function insertRecipe(
  text: string,
  offset: number,
  recipe: Recipe,
  values: Readonly<Record<string, string>>,
): RecipeInsert {
  const at = placeAt(text, offset);
  if (at.place !== recipe.place) {
    const hint =
      at.place === "expression"
        ? ` The ${at.kind} ${at.name} returns an expression: give it a { … } body first.`
        : "";
    return { error: `"${recipe.label}" goes ${WHERE[recipe.place]}; put the cursor there.${hint}` };
  }
  const lineStart = text.lastIndexOf("\n", offset - 1) + 1;
  const newline = text.indexOf("\n", offset);
  const lineEnd = newline === -1 ? text.length : newline;
  const line = text.slice(lineStart, lineEnd);
  const indent = /^[ \t]*/.exec(line)?.[0] ?? "";
  const code = recipeText(recipe, values, indent);
  // Cursor in the line's indentation: the code goes on this line, pushing what is there below it;
  // cursor after code: the recipe starts on a new line below.
  const col = lineStart + indent.length;
  const edit: TextEdit =
    text.slice(lineStart, offset).trim() === ""
      ? { start: col, end: col, text: line.trim() === "" ? code : `${code}\n${indent}` }
      : { start: lineEnd, end: lineEnd, text: `\n${indent}${code}` };
  return { edits: [...addImports(text, recipe.imports), edit] };
}
