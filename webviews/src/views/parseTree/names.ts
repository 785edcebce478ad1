/**
 * Field and component names for the tree, from the HL7 definitions (messagefoundry/hl7) of the
 * message's MSH-12 version. The dictionary is bundled into this view (it loads lazily, once).
 */
import { getDefinitions } from "messagefoundry/hl7";
import { type Namer, NO_NAMES } from "../../model/parse-tree.js";

export function namerFor(version: string | undefined): Namer {
  let defs: ReturnType<typeof getDefinitions>;
  try {
    defs = getDefinitions(version);
  } catch {
    // No names is better than no tree: the structure still shows.
    return NO_NAMES;
  }
  const pick = (f: { name: string; dataType: string } | undefined) =>
    f ? { name: f.name, type: f.dataType } : undefined;
  return {
    segment: (name) => defs.segment(name)?.description || undefined,
    field: (segment, field) => pick(defs.field(segment, field)),
    component: (type, component) => pick(defs.component(type, component)),
  };
}
