/**
 * An HL7 file as editors see it: every message of a batch (FHS/BHS/.../BTS/FTS) or plainly
 * concatenated file with its offset tree, the envelope segments with theirs, and what was skipped.
 * The language server's hover and the parse-tree view both read files through this, so they name
 * and bound the same nodes the same way.
 */
import type { Message, ParseIssue } from "./message.js";
import { parseBatchFile } from "./parse.js";
import { type Location, locate, type MessageNode, type SegmentNode, segmentNodes } from "./tree.js";

export interface FileMessage {
  readonly message: Message;
  /** `message.tree()`, offsets file-wide. */
  readonly tree: MessageNode;
}

export interface Hl7FileTree {
  readonly messages: readonly FileMessage[];
  /** FHS/BHS/BTS/FTS segments in file order, each split by the separators its own header declares. */
  readonly envelope: readonly SegmentNode[];
  /** Text outside any message, then each message's parse issues, in that order. */
  readonly issues: readonly ParseIssue[];
}

/** What sits at an offset of a file: a node of message `message` (0-based), or of the envelope. */
export interface FileLocation extends Location {
  /** Index into `messages`; undefined when the node is an envelope segment. */
  readonly message: number | undefined;
}

/** Reads a whole file (one message, a batch, or concatenated messages) with file-wide offsets. */
export function parseFileTree(text: string): Hl7FileTree {
  const batch = parseBatchFile(text);
  return {
    messages: batch.messages.map((message) => ({ message, tree: message.tree() })),
    envelope: segmentNodes(batch.envelope, 0, true),
    issues: [...batch.issues, ...batch.messages.flatMap((m) => m.issues)],
  };
}

/** The innermost node at `offset` (end inclusive, as `locate`), in a message or the envelope. */
export function locateInFile(file: Hl7FileTree, offset: number): FileLocation | undefined {
  // A message's range ends after its terminators, where the next one starts: try each that holds it.
  for (let i = 0; i < file.messages.length; i++) {
    const tree = file.messages[i]!.tree;
    if (offset < tree.start || offset > tree.end) continue;
    const at = locate(tree, offset);
    if (at) return { ...at, message: i };
  }
  const env = locate({ segments: file.envelope }, offset);
  return env ? { ...env, message: undefined } : undefined;
}
