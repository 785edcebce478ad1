/**
 * What extract.ts finds in config sources (spans of declarations, literal targets) and the lookup the
 * loader joins it with. Kept apart from extract.ts so a process that only joins — the engine, which
 * extracts in a thread — never loads the TypeScript compiler.
 */
import type { SourceLocation } from "../graph/index.js";

export type DeclKind = "inbound" | "outbound" | "router" | "handler" | "env" | "alert";

export interface StaticTarget {
  /** Literal target name, or null when computed. */
  name: string | null;
  location: SourceLocation;
}

export interface StaticCall {
  kind: DeclKind;
  /** Span of the whole call. */
  call: SourceLocation;
  /** Span of the first argument (name literal or env key). */
  nameLocation?: SourceLocation;
  /** `settings.<key>` / `options.<key>` value spans. */
  keyLocations: Record<string, SourceLocation>;
  /** router: handler names returned; handler: outbound names sent to. */
  targets: StaticTarget[];
}

/** A source file to extract from: its path relative to the config dir and its text. */
export interface SourceText {
  rel: string;
  text: string;
}

/** Each source's calls, as a Map's entries (what crosses from the extraction thread). */
export type StaticCallEntries = [string, StaticCall[]][];

function contains(l: SourceLocation, line: number, column: number): boolean {
  const afterStart = line > l.line || (line === l.line && column >= l.column);
  const beforeEnd = line < l.endLine || (line === l.endLine && column <= l.endColumn);
  return afterStart && beforeEnd;
}

/** The innermost call of `kind` whose span contains the runtime position. */
export function findCall(
  calls: readonly StaticCall[],
  kind: DeclKind,
  line: number,
  column: number,
): StaticCall | undefined {
  let best: StaticCall | undefined;
  for (const c of calls) {
    if (c.kind !== kind || !contains(c.call, line, column)) continue;
    if (
      !best ||
      c.call.line > best.call.line ||
      (c.call.line === best.call.line && c.call.column >= best.call.column)
    )
      best = c;
  }
  return best;
}
