/**
 * What the Route Wizard binds to a new database outbound's statement: its `:named` params, each from
 * the message (`:controlId`, `:messageType`, `:body`). Other params are edited into the handler by hand.
 */

/** The `:name` params of `sql` in order of first use (`::casts` and `:=` are not params). */
export function namedParams(sql: string): string[] {
  const out: string[] = [];
  for (const m of sql.matchAll(/(?<![:\w]):([A-Za-z_]\w*)/g)) if (!out.includes(m[1]!)) out.push(m[1]!);
  return out;
}

/** The expression the generated handler passes for each bindable param. */
export function paramSources(hl7: boolean): Record<string, string> {
  return hl7
    ? { controlId: 'msg.controlId ?? ""', messageType: "msg.messageType", body: "msg.encode()" }
    : { body: "msg.text" };
}

/** Params of `sql` the wizard cannot fill from the message. */
export function unboundParams(sql: string, hl7: boolean): string[] {
  const sources = paramSources(hl7);
  return namedParams(sql).filter((p) => !Object.hasOwn(sources, p));
}
