/** Synthetic, deterministic, PHI-free HL7 and X12 for tests, demos and benchmarks. */
export {
  isMessageType,
  isX12MessageType,
  MESSAGE_TYPES,
  type MessageTypeName,
} from "./message-types.js";
export { type GenerateOptions, generateMessage, generateMessages } from "./messages.js";
export { Rng, seedOf } from "./rng.js";
export { type Answer271Options, answer271, generate270 } from "./x12.js";
