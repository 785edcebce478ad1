/** Synthetic, deterministic, PHI-free HL7 for tests, demos and benchmarks. */
export {
  type GenerateOptions,
  generateMessage,
  generateMessages,
  isMessageType,
  MESSAGE_TYPES,
  type MessageTypeName,
} from "./messages.js";
export { Rng, seedOf } from "./rng.js";
