/**
 * What "Open as Steps" was invoked on: the code lens (uri, kind, name), a config explorer item
 * ({ dir, item: { kind, name, location } }) or the graph view (the same fields as the explorer).
 * Pure: the command hands over whatever it got; undefined means "use the editor's cursor".
 */
export interface StepsTarget {
  /** The file's URI string. */
  uri: string;
  kind: "router" | "handler";
  name: string;
}

const isFnKind = (k: unknown): k is "router" | "handler" => k === "router" || k === "handler";

/** `joinUri(dir, file)` makes a config dir URI and a config-relative file one URI string. */
export function stepsTarget(
  args: readonly unknown[],
  joinUri: (dir: unknown, file: string) => string | undefined,
): StepsTarget | undefined {
  const [first, kind, name] = args;
  if (typeof first === "string" && isFnKind(kind) && typeof name === "string")
    return { uri: first, kind, name };
  const node = first as {
    dir?: unknown;
    item?: { kind?: unknown; name?: unknown; location?: { file?: unknown } };
  };
  const it = node?.item;
  if (it && isFnKind(it.kind) && typeof it.name === "string" && typeof it.location?.file === "string") {
    const uri = joinUri(node.dir, it.location.file);
    return uri ? { uri, kind: it.kind, name: it.name } : undefined;
  }
  return undefined;
}
