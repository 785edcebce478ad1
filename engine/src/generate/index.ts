/** Synthetic, deterministic, PHI-free HL7 for tests, demos and benchmarks. */
export { isMessageType, MESSAGE_TYPES, type MessageTypeName } from "./message-types.js";
export { type GenerateOptions, generateMessage, generateMessages } from "./messages.js";
export { Rng, seedOf } from "./rng.js";
