/**
 * File-name globs for the File inbound: `*`, `?`, `[abc]`, `[!a-z]`, `{hl7,txt}`. Matched against the
 * base name only. Like a shell, a leading `*`, `?` or `[` never matches a leading dot, so hidden and
 * temporary files (our own `.name.tmp` writes included) are skipped.
 */

export function globToRegExp(pattern: string): RegExp {
  let re = "";
  let depth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const close = pattern.indexOf("]", i + 2);
      if (close < 0) {
        re += "\\[";
        continue;
      }
      let body = pattern.slice(i + 1, close);
      const negate = body[0] === "!" || body[0] === "^";
      if (negate) body = body.slice(1);
      re += `[${negate ? "^" : ""}${body.replace(/[\\\]^]/g, "\\$&")}]`;
      i = close;
    } else if (c === "{") {
      depth++;
      re += "(?:";
    } else if (c === "}" && depth > 0) {
      depth--;
      re += ")";
    } else if (c === "," && depth > 0) re += "|";
    else re += c.replace(/[.+^$()|\\/{}]/g, "\\$&");
  }
  if (depth > 0) throw new Error(`unclosed '{' in glob ${JSON.stringify(pattern)}`);
  return new RegExp(`^${re}$`);
}

export function globMatcher(pattern: string): (name: string) => boolean {
  const re = globToRegExp(pattern);
  const dotOk = pattern.startsWith(".");
  return (name) => (dotOk || !name.startsWith(".")) && re.test(name);
}
