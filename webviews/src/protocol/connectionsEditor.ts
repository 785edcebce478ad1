/**
 * connections.toml custom text editor. The view never edits text: it posts edit intents; the host turns
 * them into a WorkspaceEdit with webviews/src/model/toml-form.ts (`applyIntent`) so undo/redo, dirty state
 * and "Reopen With → Text" keep working, then posts the re-read document model back (`readConnections`).
 * The form is generated from messagefoundry/graph's TRANSPORT_SCHEMAS and INBOUND/OUTBOUND_OPTIONS_SCHEMA,
 * which the view imports itself; the host only adds what it alone knows (the env keys).
 */
import type { SettingValue } from "messagefoundry/graph";
import type { HostErrorMessage, ReadyMessage } from "./common.js";

export type Direction = "inbound" | "outbound";

/** One `[[inbound]]` / `[[outbound]]` table as read from the document. */
export interface FormConnection {
  direction: Direction;
  /** Position within its array of tables (0-based). */
  index: number;
  name: string;
  transport: string;
  settings: Record<string, SettingValue>;
  /** Every other top-level key of the entry — the connection's options (router, contentType, retry...). */
  fields: Record<string, SettingValue>;
  /** 1-based line of the `[[inbound]]` header (for "show in text"). */
  line: number;
}

/** A problem with the document text itself (TOML syntax, a non-table entry), positioned 1-based. */
export interface DocumentProblem {
  message: string;
  line: number;
  column: number;
}

/** Document text → form model. `problems` non-empty means the text does not parse; edits are refused. */
export interface ConnectionsDocument {
  connections: FormConnection[];
  problems: DocumentProblem[];
}

/** What the user did in the form. Names identify connections (unique per direction). */
export type EditIntent =
  | {
      kind: "upsertConnection";
      direction: Direction;
      /** Existing name to replace, or a new name to append. */
      name: string;
      transport: string;
      settings: Record<string, SettingValue>;
      fields: Record<string, SettingValue>;
    }
  | { kind: "removeConnection"; direction: Direction; name: string }
  | { kind: "renameConnection"; direction: Direction; name: string; newName: string }
  | {
      kind: "setField";
      direction: Direction;
      name: string;
      /** Key path inside the entry, e.g. `["settings", "port"]` or `["router"]`. */
      path: string[];
      value: SettingValue;
    }
  | { kind: "removeField"; direction: Direction; name: string; path: string[] };

/** Host → view: the current document (after `ready` and after every change of the text). */
export interface ConnectionsDocumentMessage {
  type: "document";
  /** TextDocument.version the model was read from; echoed in `edit` so stale edits can be dropped. */
  version: number;
  model: ConnectionsDocument;
}

/** Host → view: the env keys defined in the config's environments/*.toml (offered for env references). */
export interface ConnectionsContextMessage {
  type: "context";
  envKeys: string[];
}

/** Host → view: an edit could not be applied (stale version, broken document); the text is unchanged. */
export interface ConnectionsEditRejected {
  type: "editRejected";
  message: string;
}

export type ConnectionsEditorToView =
  | ConnectionsDocumentMessage
  | ConnectionsContextMessage
  | ConnectionsEditRejected
  | HostErrorMessage;

/** View → host: apply this intent to the document read at `version`. */
export interface ConnectionsEdit {
  type: "edit";
  version: number;
  intent: EditIntent;
}

/** View → host: show this line of the document in the text editor. */
export interface ConnectionsShowText {
  type: "showText";
  line: number;
}

export type ConnectionsEditorFromView = ReadyMessage | ConnectionsEdit | ConnectionsShowText;
