/**
 * Parse tree view: shows one HL7 message as segments → fields → repetitions → components → subcomponents.
 * The view parses the text itself (messagefoundry/hl7's parser); the host hands over text and cursor
 * moves, and answers name look-ups from the HL7 definitions, which the view does not bundle (≈4 MB).
 */
import type { DefinitionsExtract } from "messagefoundry/hl7";
import type { HostErrorMessage, OffsetRange, ReadyMessage } from "./common.js";

/** Host → view: show this text. */
export interface ParseTreeLoad {
  type: "load";
  /** The message text (a whole .hl7 file, a selection, or a message fetched from the engine). */
  text: string;
  /**
   * Document offset of `text[0]`: added to every `reveal` range and subtracted from every `selectOffset`,
   * so both directions speak document offsets. 0 for a whole file.
   */
  baseOffset: number;
  /** Shown as the tree's caption, e.g. the file name or "Message 42 (engine)". */
  title: string;
  /** The text is not in an editor (a message from the engine): the view shows no reveal affordance. */
  readOnly?: boolean;
}

/**
 * Host → view: the editor selection changed; the view selects and expands the node there. `offset` is
 * the selection's START (not the cursor, which sits at its end); `end` is sent for a non-empty
 * selection, so selecting a whole field (as clicking a node does) selects that field, not the component
 * the cursor ends in.
 */
export interface ParseTreeSelectOffset {
  type: "selectOffset";
  offset: number;
  end?: number;
}

/** Host → view: the answer to a `lookup`, the named segments' slice of the definitions. */
export interface ParseTreeLookupResult {
  type: "lookupResult";
  /** The `requestId` of the lookup answered. */
  requestId: number;
  /** The version the view asked for, as it asked (the view's cache key). */
  version: string;
  /** Absent when the host could not read the definitions (`error` says why); the tree stays unnamed. */
  definitions?: DefinitionsExtract;
  error?: string;
}

export type ParseTreeToView =
  | ParseTreeLoad
  | ParseTreeSelectOffset
  | ParseTreeLookupResult
  | HostErrorMessage;

/** View → host: select this document range in the editor (the user clicked or pressed Enter on a node). */
export interface ParseTreeReveal extends OffsetRange {
  type: "reveal";
}

/** View → host: put this text on the clipboard (`vscode.env.clipboard`, which works in every webview). */
export interface ParseTreeCopy {
  type: "copy";
  /** A field path such as `PID-5.1` or `OBX[2]-5`. */
  text: string;
}

/**
 * View → host: names, data types and descriptions for these segments (their fields, components and
 * subcomponents) from the definitions of `version` (MSH-12; "" when the message declares none).
 * The host answers with `lookupResult`: `getDefinitions(version).extract(segments)` of messagefoundry/hl7.
 */
export interface ParseTreeLookup {
  type: "lookup";
  requestId: number;
  version: string;
  segments: string[];
}

export type ParseTreeFromView = ReadyMessage | ParseTreeReveal | ParseTreeCopy | ParseTreeLookup;
