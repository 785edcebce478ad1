/**
 * The analysis core: a pure function of config file texts (no LSP, no I/O beyond the injected FsHost
 * used for TypeScript's lib and typings). The LSP adapter (../lsp) is its only user.
 */
export { type CodeAction, codeActions } from "./actions.js";
export { type CompletionEntry, type CompletionKind, complete } from "./completion.js";
export type { FileProblem } from "./facts.js";
export { engineDictionary, engineValidator } from "./hl7Dictionary.js";
export { Hl7File, type Hl7Validator } from "./hl7Files.js";
export { DEFAULT_HL7_VERSION, type ElementInfo, type Hl7Dictionary, type SegmentInfo } from "./hl7Paths.js";
export { type HoverResult, hover } from "./hover.js";
export { addImports, type OffsetEdit } from "./imports.js";
export { isX12FileName } from "./messageFiles.js";
export { Analysis, ConfigModel, type FileRole, roleOf } from "./model.js";
export {
  definition,
  documentSymbols,
  prepareRename,
  type RenameResult,
  references,
  rename,
  type SymbolInfo,
  type TextEdit,
  workspaceSymbols,
} from "./navigation.js";
export {
  argCompletions,
  checkArg,
  insertCode,
  insertStep,
  quoted,
  type StepEditOutcome,
  type StepTarget,
  stepEdit,
  stepText,
} from "./stepEdits.js";
export { allRows, type StepsAnswer, stepFunctions, stepsOf, stepTargets } from "./steps.js";
export { LineIndex } from "./text.js";
export type { FsHost } from "./typecheck.js";
export { X12File } from "./x12Files.js";
