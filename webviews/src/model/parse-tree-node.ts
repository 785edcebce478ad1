/** The parse tree's nodes, shared by the HL7 (parse-tree.ts) and X12 (parse-tree-x12.ts) builders. */

export type TreeNodeKind = "message" | "segment" | "field" | "repetition" | "component" | "subcomponent";

export interface TreeNode {
  /** Unique and stable for the same text: the node's path, e.g. `m1/PID[1]/5/1/2`. */
  id: string;
  kind: TreeNodeKind;
  /** Field path users type in configs: `PID-5`, `PID-5[2].1`, `OBX[2]-5.1.2`. */
  path: string;
  /** e.g. `Patient Name` (empty when the definitions do not know it). */
  name: string;
  /** Data type, e.g. `XPN` (empty when unknown). */
  type: string;
  /** The encoded text of the node. */
  value: string;
  start: number;
  end: number;
  /** True when the node is (inside) a patient identifier field. */
  sensitive: boolean;
  children: TreeNode[];
}

export interface StructureProblem {
  offset: number;
  message: string;
}

export interface ParseTree {
  root: TreeNode[];
  problems: StructureProblem[];
  /** MSH-12 of the first message. */
  version: string | undefined;
  /**
   * The segment names to ask the host about, per declared version (MSH-12.1, "" when absent): each
   * message is named by its own version, as hover names it; the envelope by the first message's.
   */
  lookups: { version: string; segments: string[] }[];
}
