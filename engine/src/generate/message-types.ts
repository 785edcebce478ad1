/**
 * The message types `messagefoundry generate --type` accepts. Pure data in its own module so the Test
 * Bench can offer the same list (through `messagefoundry/api`) without bundling the generator.
 */
export const HL7_MESSAGE_TYPES = [
  "ADT^A01",
  "ADT^A03",
  "ADT^A04",
  "ADT^A08",
  "ORU^R01",
  "ORM^O01",
  "SIU^S12",
  "VXU^V04",
] as const;
/** X12 interchanges (5010): `X12-270` is an eligibility inquiry. */
export const X12_MESSAGE_TYPES = ["X12-270"] as const;
export const MESSAGE_TYPES = [...HL7_MESSAGE_TYPES, ...X12_MESSAGE_TYPES] as const;
export type MessageTypeName = (typeof MESSAGE_TYPES)[number];
export type Hl7MessageTypeName = (typeof HL7_MESSAGE_TYPES)[number];
export type X12MessageTypeName = (typeof X12_MESSAGE_TYPES)[number];

export function isMessageType(t: string): t is MessageTypeName {
  return (MESSAGE_TYPES as readonly string[]).includes(t);
}

/** True for the X12 types (their text is an interchange, not ER7). */
export function isX12MessageType(t: string): t is X12MessageTypeName {
  return (X12_MESSAGE_TYPES as readonly string[]).includes(t);
}
