/**
 * Runs a bundled config's top-level code against a Collector: `messagefoundry` is bound to this load's
 * authoring API, declarations are placed by mapping the call stack through the bundle's source map.
 * The one place config code is executed at load time — by the loader in the engine (boot, promote,
 * rollback, CLI) and by the sandbox child for staging (sandbox-child.ts).
 */
import { createRequire, SourceMap } from "node:module";
import { join, sep } from "node:path";
import vm from "node:vm";
import type { Problem } from "../graph/index.js";
import * as hl7 from "../hl7/index.js";
import * as x12 from "../x12/index.js";
import { CONNECTION_FACTORIES, createApi, dbStatement, send } from "./api.js";
import type { Callsite, Collector } from "./collector.js";
import { pointLocation } from "./locations.js";
import { RawMessage } from "./raw-message.js";

/** A config dir bundled by esbuild: plain data, so it can be handed to another process. */
export interface ConfigBundle {
  code: string;
  /** The external source map (JSON text), when esbuild wrote one. */
  map: string | undefined;
  /** The name the code runs under (stack frames carry it). */
  filename: string;
  /** Relative paths of every source in the bundle (entries and helpers). */
  sources: string[];
}

/** Where config code threw at load time (site mapped to the original source when known). */
export interface Thrown {
  message: string;
  site: Callsite | undefined;
}

/** The problem a load-time throw becomes: the same text in the engine and from the sandbox. */
export function thrownProblem(t: Thrown): Problem {
  return {
    code: "MF-LOAD-EXEC",
    severity: "error",
    message: `config threw while loading: ${t.message}`,
    hint: "Declarations run at load time; keep top-level code to declarations and pure setup.",
    location: t.site ? pointLocation(t.site.file, t.site.line, t.site.column) : pointLocation("", 1, 1),
  };
}

function sourceMap(b: ConfigBundle): SourceMap | undefined {
  return b.map ? new SourceMap(JSON.parse(b.map) as ConstructorParameters<typeof SourceMap>[0]) : undefined;
}

/** Find the config-code frame on the current stack and map it to the original source. */
export function makeLocator(b: ConfigBundle): () => Callsite | undefined {
  const map = sourceMap(b);
  return () => {
    const prev = Error.prepareStackTrace;
    const limit = Error.stackTraceLimit;
    let sites: NodeJS.CallSite[] = [];
    Error.prepareStackTrace = (_e, s) => s;
    Error.stackTraceLimit = 30;
    try {
      const holder: { stack?: unknown } = {};
      Error.captureStackTrace(holder);
      sites = holder.stack as NodeJS.CallSite[];
    } finally {
      Error.prepareStackTrace = prev;
      Error.stackTraceLimit = limit;
    }
    const frame = sites.find((s) => s.getFileName() === b.filename);
    if (!frame || !map) return undefined;
    const entry = map.findEntry((frame.getLineNumber() ?? 1) - 1, (frame.getColumnNumber() ?? 1) - 1);
    if (!entry || !("originalSource" in entry) || !entry.originalSource) return undefined;
    return {
      file: entry.originalSource.split(sep).join("/"),
      line: entry.originalLine + 1,
      column: entry.originalColumn + 1,
    };
  };
}

function mapErrorStack(err: unknown, b: ConfigBundle): Callsite | undefined {
  const stack = err instanceof Error ? (err.stack ?? "") : "";
  const esc = b.filename.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const m = new RegExp(`${esc}:(\\d+):(\\d+)`).exec(stack);
  const map = sourceMap(b);
  if (!m || !map) return undefined;
  const entry = map.findEntry(Number(m[1]) - 1, Number(m[2]) - 1);
  if (!entry || !("originalSource" in entry) || !entry.originalSource) return undefined;
  return { file: entry.originalSource, line: entry.originalLine + 1, column: entry.originalColumn + 1 };
}

/** Runs the bundle's top-level code; declarations land in `collector`. Returns what it threw, if anything. */
export function executeBundle(configDir: string, b: ConfigBundle, collector: Collector): Thrown | undefined {
  const api = createApi(collector);
  const root = { ...hlApi(), ...api };
  const userRequire = createRequire(join(configDir, "__messagefoundry_bundle__.js"));
  const req = (id: string): unknown => {
    if (id === "messagefoundry") return root;
    if (id === "messagefoundry/hl7") return hl7;
    if (id === "messagefoundry/x12") return x12;
    return userRequire(id);
  };
  const module = { exports: {} as object };
  try {
    const fn = vm.runInThisContext(
      `(function (require, module, exports, __filename, __dirname) {${b.code}\n})`,
      {
        filename: b.filename,
      },
    ) as (r: typeof req, m: typeof module, e: object, f: string, d: string) => void;
    fn(req, module, module.exports, join(configDir, "__messagefoundry_bundle__.js"), configDir);
    return undefined;
  } catch (e) {
    return { message: describe(e), site: mapErrorStack(e, b) };
  }
}

/** The text of whatever was thrown; a thrown value whose text itself throws is not a way out. */
function describe(e: unknown): string {
  try {
    return e instanceof Error ? String(e.message) : String(e);
  } catch {
    return "a value that cannot be shown";
  }
}

/** The non-declaration exports a config may use from `messagefoundry` (HL7 helpers, RawMessage, send...). */
function hlApi(): Record<string, unknown> {
  return { ...hl7, RawMessage, ...pureApi };
}

// Factories and send are pure and identical for every load.
const pureApi: Record<string, unknown> = { ...CONNECTION_FACTORIES, dbStatement, send };
