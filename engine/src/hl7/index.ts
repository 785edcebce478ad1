/**
 * messagefoundry/hl7 — the pure HL7 v2 core shared by the engine, the language server, the extension
 * and the webviews: tolerant parser with source offsets, Message API, field paths, escapes, ACKs,
 * MLLP framing, charsets, definitions and strict validation. No I/O, no engine imports.
 */
export {
  type AckCode,
  type AckError,
  type AckOptions,
  buildAck,
  buildAckText,
  buildNakFromBytes,
  type NakOptions,
  versionAtLeast,
} from "./ack.js";
export { charsetFor, decodeHl7Bytes, encodeHl7Text } from "./charset.js";
export {
  type DataTypeDefinition,
  DEFAULT_VERSION,
  type DefinitionsExtract,
  type ElementName,
  type FieldDefinition,
  getDefinitions,
  Hl7Definitions,
  type MessageStructureDefinition,
  type Optionality,
  type PathDescription,
  preloadDefinitions,
  resolveVersion,
  type SegmentDefinition,
  type StructureNode,
  SUPPORTED_VERSIONS,
} from "./definitions.js";
export {
  type DiffOptions,
  type DiffStatus,
  diffHl7,
  diffTrees,
  type FieldChange,
  type MessageDiff,
  parseIgnoreRules,
  type SegmentDiff,
} from "./diff.js";
export { FieldPathError, Hl7EditError, Hl7ParseError, MllpFrameError } from "./errors.js";
export { escapeValue, unescapeValue } from "./escape.js";
export {
  type FileLocation,
  type FileMessage,
  type Hl7FileTree,
  locateInFile,
  parseFileTree,
} from "./file.js";
export { HL7_NULL, Message, type ParseIssue } from "./message.js";
export { encodeMllp, MLLP_CR, MLLP_END, MLLP_START, MllpDecoder, type MllpDecoderOptions } from "./mllp.js";
export { type BatchParse, findMsh, parse, parseBatch, parseBatchFile } from "./parse.js";
export { type FieldPath, formatFieldPath, parseFieldPath, tryParseFieldPath } from "./path.js";
export { type Hl7Source, type PeekedMsa, peekMsa, peekMsh } from "./peek.js";
export { Segment } from "./segment.js";
export { DEFAULT_SEPARATORS, encodingCharacters, type Separators } from "./separators.js";
export {
  type ComponentNode,
  type FieldNode,
  type Hl7Node,
  type Location,
  locate,
  type MessageNode,
  nodePath,
  type RepetitionNode,
  type SegmentNode,
  type SubcomponentNode,
} from "./tree.js";
export {
  type ValidateOptions,
  type ValidationCode,
  type ValidationIssue,
  validateStrict,
} from "./validate.js";
