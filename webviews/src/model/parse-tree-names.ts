/**
 * The parse tree's names, asked of the host (the view bundles no HL7 dictionary): remembers per
 * declared version what the host sent and what is still on the way, so each segment is asked for
 * once, and a failed answer is asked again on the next load. Pure; tested in Node.
 */
import type { DefinitionsExtract } from "messagefoundry/hl7";
import { type Namer, NO_NAMES, namerFromExtract } from "./parse-tree.js";

export interface NameRequest {
  requestId: number;
  version: string;
  segments: string[];
}

export class NameCache {
  private readonly known = new Map<string, { definitions?: DefinitionsExtract; namer: Namer }>();
  private readonly asked = new Map<string, Set<string>>();
  private readonly pending = new Map<number, { version: string; segments: string[] }>();
  private nextId = 1;

  /** Names for one declared version (MSH-12.1, "" when absent), as far as the host has answered. */
  namer(version: string): Namer {
    return this.known.get(version)?.namer ?? NO_NAMES;
  }

  /** The request for the segments neither known nor on the way, or undefined when there are none. */
  request(version: string, segments: readonly string[]): NameRequest | undefined {
    const asked = this.asked.get(version) ?? new Set<string>();
    this.asked.set(version, asked);
    const missing = segments.filter((s) => !asked.has(s));
    if (missing.length === 0) return undefined;
    for (const s of missing) asked.add(s);
    const requestId = this.nextId++;
    this.pending.set(requestId, { version, segments: missing });
    return { requestId, version, segments: missing };
  }

  /**
   * Takes the host's answer; true when it added names (the tree should be re-labelled). Without
   * definitions (the host failed), the segments count as not asked, so the next load asks again.
   */
  answer(requestId: number, definitions: DefinitionsExtract | undefined): boolean {
    const req = this.pending.get(requestId);
    if (!req) return false;
    this.pending.delete(requestId);
    if (!definitions) {
      const asked = this.asked.get(req.version);
      for (const s of req.segments) asked?.delete(s);
      return false;
    }
    const had = this.known.get(req.version)?.definitions;
    const merged: DefinitionsExtract = had
      ? {
          version: definitions.version,
          segments: { ...had.segments, ...definitions.segments },
          types: { ...had.types, ...definitions.types },
        }
      : definitions;
    this.known.set(req.version, { definitions: merged, namer: namerFromExtract(merged) });
    return true;
  }
}
