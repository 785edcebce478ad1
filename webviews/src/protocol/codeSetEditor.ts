/**
 * Code set custom text editor (codesets/<name>.toml|json|csv). Like the connections editor, the view
 * never edits text: it posts edit intents; the host turns each into one minimal replacement with
 * webviews/src/model/codeset-table.ts (`applyCodeSetIntent`) applied as a WorkspaceEdit, so undo/redo,
 * dirty state and save behave as for typing, and posts the re-read document back (`readCodeSetDocument`).
 */
import type { CodeSetFormat, CodeSetProblem } from "messagefoundry/graph";
import type { HostErrorMessage, ReadyMessage } from "./common.js";

/** One row of the table (the default row `*` is kept apart, in `default`). */
export interface CodeSetGridRow {
  code: string;
  value: string;
  /** 1-based line where the row starts (for "show in text"). */
  line: number;
}

/** Document text → grid model. `problems` non-empty means the file is broken: edits are refused. */
export interface CodeSetDocument {
  /** The code set's name (the file name without extension). */
  name: string;
  format: CodeSetFormat;
  rows: CodeSetGridRow[];
  /** The default row (`*`): the value for codes not in the table. */
  default?: { value: string; line: number };
  problems: CodeSetProblem[];
}

/** What the user did in the grid. Rows are identified by their code (unique in a good file). */
export type CodeSetIntent =
  | { kind: "addRow"; code: string; value: string }
  | { kind: "editRow"; code: string; newCode: string; value: string }
  | { kind: "deleteRow"; code: string }
  /** `null` removes the default row. */
  | { kind: "setDefault"; value: string | null };

export interface CodeSetDocumentMessage {
  type: "document";
  /** TextDocument.version the model was read from; echoed in `edit` so stale edits can be dropped. */
  version: number;
  model: CodeSetDocument;
}

/** Host → view: an edit could not be applied (a duplicate code, a broken file); the text is unchanged. */
export interface CodeSetEditRejected {
  type: "editRejected";
  message: string;
}

export type CodeSetEditorToView = CodeSetDocumentMessage | CodeSetEditRejected | HostErrorMessage;

export interface CodeSetEdit {
  type: "edit";
  version: number;
  intent: CodeSetIntent;
}

export interface CodeSetShowText {
  type: "showText";
  line: number;
}

export type CodeSetEditorFromView = ReadyMessage | CodeSetEdit | CodeSetShowText;
