/**
 * The message types `messagefoundry generate --type` accepts. Pure data in its own module so the Test
 * Bench can offer the same list (through `messagefoundry/api`) without bundling the generator.
 */
export const MESSAGE_TYPES = [
  "ADT^A01",
  "ADT^A03",
  "ADT^A04",
  "ADT^A08",
  "ORU^R01",
  "ORM^O01",
  "SIU^S12",
  "VXU^V04",
] as const;
export type MessageTypeName = (typeof MESSAGE_TYPES)[number];

export function isMessageType(t: string): t is MessageTypeName {
  return (MESSAGE_TYPES as readonly string[]).includes(t);
}
