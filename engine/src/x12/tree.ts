/**
 * Editors' view of a parsed file: which segment, element, repetition and component an offset falls
 * in, spelled as the one path form (`NM1[2]-09-1`). The language server's hover and the parse-tree
 * view both use it, so they agree. Offsets are those of the parsed text (untouched interchanges).
 */
import type { X12Interchange } from "./interchange.js";
import { formatX12Path } from "./path.js";
import type { X12Segment } from "./segment.js";

export interface X12Location {
  /** Index of the interchange in the file. */
  interchange: number;
  /** Index of the segment in its interchange's `segments`. */
  segmentIndex: number;
  segment: X12Segment;
  /** The segment's occurrence among those with its id in the interchange (1-based). */
  occurrence: number;
  element?: number;
  repetition?: number;
  component?: number;
  /** `NM1[2]-09-1`: `[n]` only from the second occurrence, `(r)` only from the second repetition. */
  path: string;
  /** The innermost part's text range. */
  start: number;
  end: number;
  value: string;
}

/** The part of a file's interchanges at `offset`; undefined outside every segment. */
export function locateX12(interchanges: readonly X12Interchange[], offset: number): X12Location | undefined {
  for (let k = 0; k < interchanges.length; k++) {
    const ic = interchanges[k] as X12Interchange;
    if (offset < ic.start || offset > ic.end) continue;
    const counts = new Map<string, number>();
    for (let i = 0; i < ic.segments.length; i++) {
      const seg = ic.segments[i] as X12Segment;
      const occurrence = (counts.get(seg.id) ?? 0) + 1;
      counts.set(seg.id, occurrence);
      const segEnd = seg.start + seg.text.length;
      if (offset < seg.start || offset > segEnd) continue;
      return locateInSegment(k, i, seg, occurrence, offset);
    }
  }
  return undefined;
}

function locateInSegment(
  interchange: number,
  segmentIndex: number,
  seg: X12Segment,
  occurrence: number,
  offset: number,
): X12Location {
  const base = { interchange, segmentIndex, segment: seg, occurrence };
  const segmentIndexPart = occurrence > 1 ? occurrence : undefined;
  const idEnd = seg.start + seg.id.length;
  const whole: X12Location = {
    ...base,
    path: occurrence > 1 ? `${seg.id}[${occurrence}]` : seg.id,
    start: seg.start,
    end: seg.start + seg.text.length,
    value: seg.text,
  };
  if (offset < idEnd + 1 || seg.elementCount === 0) return whole;
  let n = 1;
  while (n < seg.elementCount && offset > seg.elementStart(n) + (seg.element(n) as string).length) n++;
  const elementStart = seg.elementStart(n);
  const reps = seg.repetitions(n) ?? [""];
  const sepLen = 1;
  let at = elementStart;
  let r = 0;
  while (r < reps.length - 1 && offset > at + (reps[r] as string).length) {
    at += (reps[r] as string).length + sepLen;
    r++;
  }
  const rep = reps[r] as string;
  const comps = seg.components(rep);
  let c = 0;
  let cAt = at;
  while (c < comps.length - 1 && offset > cAt + (comps[c] as string).length) {
    cAt += (comps[c] as string).length + sepLen;
    c++;
  }
  const hasReps = reps.length > 1;
  const hasComps = comps.length > 1;
  const path = formatX12Path({
    segment: seg.id,
    ...(segmentIndexPart ? { segmentIndex: segmentIndexPart } : {}),
    element: n,
    ...(hasReps && r > 0 ? { repetition: r + 1 } : {}),
    ...(hasComps ? { component: c + 1 } : {}),
  });
  const value = hasComps ? (comps[c] as string) : hasReps ? rep : (seg.element(n) as string);
  const start = hasComps ? cAt : hasReps ? at : elementStart;
  const loc: X12Location = { ...base, element: n, path, start, end: start + value.length, value };
  if (hasReps) loc.repetition = r + 1;
  if (hasComps) loc.component = c + 1;
  return loc;
}
