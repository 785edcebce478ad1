/** Pure parts of the code set commands: a new file's text, name checks, and the "still used" warning. */
import { CODESET_FORMATS, CODESET_NAME_RE, type CodeSetFormat } from "messagefoundry/graph";

/** The text a new code set file starts with, per format (an empty table, ready for the grid). */
export function newCodeSetText(name: string, format: CodeSetFormat): string {
  if (format === "csv") return "code,value\n";
  if (format === "json") return "{}\n";
  return `# Code set ${name}: one code = "value" per line. The row "*" = "..." is the value for codes not listed.\n`;
}

/**
 * Why `name` cannot be a new code set's name (undefined: it can). `existing` are the file names under
 * codesets/ (e.g. `sex.csv`): a name taken in any format is taken (the engine would read only one).
 */
export function codeSetNameProblem(name: string, existing: readonly string[]): string | undefined {
  if (name === "") return "Give the code set a name, e.g. abnormal_flags.";
  if (!CODESET_NAME_RE.test(name)) return "Use letters, digits, _ . and - only (it becomes the file name).";
  const taken = existing.find((f) => CODESET_FORMATS.some((ext) => f === `${name}.${ext}`));
  return taken ? `codesets/${taken} already exists.` : undefined;
}

/** The confirmation asked before deleting a code set that code still uses; undefined when unused. */
export function deleteWarning(
  name: string,
  uses: readonly { file: string; line: number }[],
): string | undefined {
  if (uses.length === 0) return undefined;
  const list = uses
    .slice(0, 5)
    .map((u) => `${u.file}:${u.line}`)
    .join(", ");
  const more = uses.length > 5 ? ` and ${uses.length - 5} more` : "";
  return (
    `Code set "${name}" is used in ${uses.length} place${uses.length === 1 ? "" : "s"} (${list}${more}). ` +
    "The config will not load until those codeSet() calls are changed. Delete it anyway?"
  );
}
