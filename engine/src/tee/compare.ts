/**
 * `tee compare`'s core, pure: pair the legacy and shadow destinations' messages, diff each pair
 * HL7-aware (messagefoundry/hl7's diff, with ignore rules) and summarise.
 *
 * Pairing: by a key field (MSH-10 by default: both engines forward the sender's control id), the
 * n-th legacy message with a key meeting the n-th shadow message with that key (a redelivery pairs
 * with the other side's redelivery); or by order (`order`: the n-th with the n-th), for engines that
 * rewrite control ids. A message whose key is empty or unreadable pairs by nothing and shows as
 * missing on the other side.
 */
import { diffHl7, parse, parseIgnoreRules } from "../hl7/index.js";
import type { Captured } from "./capture.js";
import type { TeeComparePair, TeeCompareReport } from "./report-types.js";

/** Left out of every comparison unless --no-default-ignore: each engine stamps its own. */
export const DEFAULT_IGNORE: readonly string[] = ["MSH-7", "MSH-10"];

export interface CompareOptions {
  /** `MSH-10` (default), another field path, or `order`. */
  pairBy?: string;
  /** Ignore rules (field paths); DEFAULT_IGNORE is added unless `defaultIgnore` is false. */
  ignore?: readonly string[];
  defaultIgnore?: boolean;
  legacySource: string;
  shadowSource: string;
  problems?: string[];
}

interface Side {
  legacy: Captured[];
  shadow: Captured[];
}

export function compareCaptures(
  legacy: readonly Captured[],
  shadow: readonly Captured[],
  opts: CompareOptions,
): TeeCompareReport {
  const pairBy = opts.pairBy ?? "MSH-10";
  const ignore = [
    ...new Set([...(opts.defaultIgnore === false ? [] : DEFAULT_IGNORE), ...(opts.ignore ?? [])]),
  ];
  parseIgnoreRules(ignore); // a bad rule fails here, before any work
  if (pairBy !== "order") parseIgnoreRules([pairBy]);
  const groups = new Map<string, Side>();
  const place = (list: readonly Captured[], side: keyof Side) => {
    const seen = new Map<string, number>();
    list.forEach((c, i) => {
      const base = c.key ?? keyOf(c.message, pairBy, i, side);
      const n = (seen.get(base) ?? 0) + 1;
      seen.set(base, n);
      const key = n > 1 ? `${base} (${n})` : base;
      let g = groups.get(key);
      if (!g) {
        g = { legacy: [], shadow: [] };
        groups.set(key, g);
      }
      g[side].push(c);
    });
  };
  place(legacy, "legacy");
  place(shadow, "shadow");

  const pairs: TeeComparePair[] = [];
  const paths = new Map<string, number>();
  for (const [key, g] of groups) {
    const l = present(g.legacy[0]);
    const s = present(g.shadow[0]);
    const pair: TeeComparePair = { key, status: "identical" };
    const type = typeOf(l ?? s);
    if (type) pair.messageType = type;
    if (l !== undefined) pair.legacy = l;
    if (s !== undefined) pair.shadow = s;
    if (l === undefined && s === undefined) continue;
    if (l === undefined) pair.status = "missing-legacy";
    else if (s === undefined) pair.status = "missing-shadow";
    else {
      const diff = diffHl7(l, s, { ignore });
      if (diff.changeCount > 0) {
        pair.status = "differing";
        pair.diff = diff;
        const here = new Set<string>();
        for (const seg of diff.segments) {
          if (seg.status === "added" || seg.status === "removed") here.add(`${seg.name} (${seg.status})`);
          for (const ch of seg.changes) here.add(ch.path);
        }
        for (const p of here) paths.set(p, (paths.get(p) ?? 0) + 1);
      }
    }
    pairs.push(pair);
  }
  const count = (st: TeeComparePair["status"]) => pairs.filter((p) => p.status === st).length;
  return {
    legacySource: opts.legacySource,
    shadowSource: opts.shadowSource,
    pairBy,
    ignore,
    summary: {
      pairs: pairs.length,
      identical: count("identical"),
      differing: count("differing"),
      missingLegacy: count("missing-legacy"),
      missingShadow: count("missing-shadow"),
      topPaths: [...paths]
        .map(([path, n]) => ({ path, count: n }))
        .sort((a, b) => b.count - a.count || a.path.localeCompare(b.path)),
    },
    pairs,
    problems: opts.problems ?? [],
  };
}

/** The exit verdict: every pair identical and nothing unreadable. */
export function allIdentical(r: TeeCompareReport): boolean {
  return r.summary.identical === r.summary.pairs && r.problems.length === 0;
}

function present(c: Captured | undefined): string | undefined {
  return c && c.message !== "" ? c.message : undefined;
}

function keyOf(message: string, pairBy: string, index: number, side: keyof Side): string {
  if (pairBy === "order") return `#${index + 1}`;
  try {
    const v = parse(message).get(pairBy);
    if (v) return v;
  } catch {
    // not HL7: no key
  }
  return `(no ${pairBy}) ${side} #${index + 1}`;
}

function typeOf(message: string | undefined): string | undefined {
  if (!message) return undefined;
  try {
    return parse(message).get("MSH-9") ?? undefined;
  } catch {
    return undefined;
  }
}
