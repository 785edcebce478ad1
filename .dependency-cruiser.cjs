// The dependency rules of docs/ARCHITECTURE.md, checked by `npm run check:deps` (part of `npm test`).
// Type-only imports count: a cycle through types still ties two parts together.

const { readFileSync } = require("node:fs");
const { join } = require("node:path");

/** The workspace packages (folder names); each may reach another only through its package.json "exports". */
const PACKAGES = ["engine", "language-server", "webviews", "extension", "bench", "test"];

/**
 * Test and benchmark harnesses that drive engine internals in-process on purpose (a store opened to
 * measure it or to check what a killed engine left on disk; the staging sandbox timed on its own; an engine started in-process for the
 * extension's tests). They may reach engine/src only; product code has no such exception.
 */
const ENGINE_WHITE_BOX = [
  "^bench/store/run\\.ts$",
  "^bench/throughput/run\\.ts$",
  "^bench/staging/run\\.ts$",
  "^test/e2e-engine/crash\\.test\\.ts$",
  "^test/e2e-engine/amqp-crash\\.test\\.ts$",
  "^test/e2e-engine/remote-crash\\.test\\.ts$",
  "^bench/database/run\\.ts$",
  "^bench/dicom/run\\.ts$",
  "^bench/tee/run\\.ts$",
  "^test/e2e-engine/database-crash\\.test\\.ts$",
  "^extension/test/support/realEngine\\.ts$",
];

const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The export conditions the cruise resolves with: "source" makes workspace packages resolve to TypeScript. */
const CONDITIONS = ["source", "import", "require", "node", "default", "types"];

/** The file an "exports" entry resolves to: like Node, the first key in the entry's own order that is active. */
function exportTarget(entry) {
  if (typeof entry === "string") return entry;
  if (Array.isArray(entry)) return entry.map(exportTarget).find((target) => target !== undefined);
  if (entry === null || typeof entry !== "object") return undefined;
  for (const [condition, value] of Object.entries(entry)) {
    if (!CONDITIONS.includes(condition)) continue;
    const target = exportTarget(value);
    if (target !== undefined) return target;
  }
  return undefined;
}

/** Path patterns of the files a package's "exports" map points at (a "*" subpath matches any file). */
function faces(pkg) {
  const field = JSON.parse(readFileSync(join(__dirname, pkg, "package.json"), "utf8")).exports ?? {};
  const subpaths = typeof field === "object" && Object.keys(field).some((key) => key.startsWith("."));
  return (subpaths ? Object.values(field) : [field])
    .map(exportTarget)
    .filter((target) => target !== undefined)
    .map((target) => `^${escapeRegExp(`${pkg}/${target.replace(/^\.\//, "")}`).replaceAll("\\*", ".+")}$`);
}

/** Per package: others reach its src/ only through an exported face, and only by package name. */
const noDeepImports = PACKAGES.flatMap((pkg) => {
  const from = { path: "^", pathNot: [`^${pkg}/`, ...(pkg === "engine" ? ENGINE_WHITE_BOX : [])] };
  const pathNot = faces(pkg);
  return [
    {
      name: `only-faces-of-${pkg}`,
      comment: `Outside ${pkg}/, import only what ${pkg}/package.json exports (e.g. messagefoundry/hl7).`,
      severity: "error",
      from,
      to: { path: `^${pkg}/src/`, ...(pathNot.length > 0 ? { pathNot } : {}) },
    },
    {
      name: `no-relative-path-into-${pkg}`,
      comment: `Outside ${pkg}/, reach ${pkg}/src by its package name, never by a relative path.`,
      severity: "error",
      from,
      to: { path: `^${pkg}/src/`, dependencyTypesNot: ["aliased-workspace"] },
    },
  ];
});

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "No import circles anywhere, type-only imports included.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "config-not-pipeline",
      comment:
        "config/ is authoring and loading; executing config code (dry-run, fixtures) lives in pipeline/.",
      severity: "error",
      from: { path: "^engine/src/config/" },
      to: { path: "^engine/src/pipeline/" },
    },
    {
      name: "pipeline-not-below",
      comment: "The store, the connectors and auth are below the pipeline: they never import it.",
      severity: "error",
      from: { path: "^engine/src/(store|transports|auth)/" },
      to: { path: "^engine/src/pipeline/" },
    },
    {
      name: "queue-behind-seams",
      comment:
        "The queue parts of pipeline/ reach user code and connectors only through RouteFn/TransformFn/DeliverFn " +
        "(types.ts); the registry runner, steps and the dry-run are where config and transports meet them.",
      severity: "error",
      from: {
        path: "^engine/src/pipeline/(intake|stage-workers|delivery-worker|handoff-inbox|worker-loop|retention|supervisor|types)\\.ts$",
      },
      to: { path: "^engine/src/(config|transports)/" },
    },
    {
      name: "engine-not-clients",
      comment:
        "The engine runs headless: it never imports the extension, the language server or the webviews.",
      severity: "error",
      from: { path: "^engine/" },
      to: { path: "^(extension|language-server|webviews)/" },
    },
    {
      name: "hl7-pure",
      comment: "messagefoundry/hl7 is pure: no other engine folder, no node built-ins but node:module.",
      severity: "error",
      from: { path: "^engine/src/hl7/" },
      // node:module: definitions.ts loads the dictionary through process.getBuiltinModule("node:module").
      to: { pathNot: ["^engine/src/hl7/", "^node_modules/hl7v2-dictionary/", "^module$"] },
    },
    {
      name: "x12-pure",
      comment: "messagefoundry/x12 is pure: no other engine folder, no node built-ins, no packages.",
      severity: "error",
      from: { path: "^engine/src/x12/" },
      to: { pathNot: ["^engine/src/x12/"] },
    },
    {
      name: "graph-pure",
      comment:
        "messagefoundry/graph is pure: no other engine folder, no node built-ins, no packages but croner (pure, no dependencies: the timer's cron check, one rule for the loader and the language server).",
      severity: "error",
      from: { path: "^engine/src/graph/" },
      to: { pathNot: ["^engine/src/graph/", "^node_modules/croner/"] },
    },
    {
      name: "no-api-below",
      comment: "The API adapts the engine; nothing under it imports it.",
      severity: "error",
      from: { path: "^engine/src/(pipeline|store|transports|config|auth|hl7|x12|graph)/" },
      to: { path: "^engine/src/api/" },
    },
    {
      name: "auth-without-fastify",
      comment: "auth/ is framework-free; the API adapts it.",
      severity: "error",
      from: { path: "^engine/src/auth/" },
      to: { path: "^node_modules/(fastify|@fastify)/" },
    },
    ...noDeepImports,
    {
      name: "resolvable",
      comment: "An import the checker cannot resolve cannot be checked.",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(dist|out)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.base.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: CONDITIONS,
      extensions: [".ts", ".tsx", ".js", ".mjs", ".cjs", ".json", ".d.ts"],
      mainFields: ["module", "main", "types", "typings"],
    },
    skipAnalysisNotInRules: true,
    combinedDependencies: true,
    // process.getBuiltinModule("node:…") counts as an import (hl7 loads its dictionary that way).
    detectProcessBuiltinModuleCalls: true,
  },
};
