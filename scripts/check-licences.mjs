// `npm run check:licences`: every package that ships at run time (package-lock.json entries not marked dev:
// the engine's, the language server's and the webviews' dependencies, and theirs) carries a licence from
// the allow-list below. An SPDX `A OR B` passes when either side is allowed, `A AND B` when both are.
// A new licence is a decision for a person: add it here with the reason, or choose another package.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

const ALLOWED = new Set([
  "MIT",
  "MIT-0",
  "ISC",
  "0BSD",
  "BSD-2-Clause",
  "BSD-3-Clause",
  "Apache-2.0",
  "BlueOak-1.0.0",
  "Unlicense",
  "CC0-1.0",
  // Icon artwork and data, not code (@vscode/codicons' icons): attribution only.
  "CC-BY-4.0",
]);

/**
 * npm records only `license` in the lockfile; a package that still declares the old `licenses: [{ type }]`
 * (ssh2 and its helpers) is read from its installed package.json, its types joined with OR.
 */
function legacyLicence(path) {
  const manifest = join(
    dirname(String(lockfile instanceof URL ? lockfile.pathname : lockfile)),
    path,
    "package.json",
  );
  if (!existsSync(manifest)) return undefined;
  const { licenses } = JSON.parse(readFileSync(manifest, "utf8"));
  if (!Array.isArray(licenses) || licenses.length === 0) return undefined;
  return licenses.map((l) => (typeof l === "string" ? l : l.type)).join(" OR ");
}

/** Whether an SPDX expression (no parentheses nesting beyond one level, as npm writes them) is allowed. */
function allowed(expression) {
  const text = expression.replace(/^\((.*)\)$/, "$1").trim();
  if (/ OR /i.test(text)) return text.split(/ OR /i).some((part) => allowed(part));
  if (/ AND /i.test(text)) return text.split(/ AND /i).every((part) => allowed(part));
  return ALLOWED.has(text);
}

// The lockfile to read: the repository's, or the one named on the command line (the test gives its own).
const lockfile = process.argv[2] ?? new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(lockfile, "utf8"));
const refused = [];
let checked = 0;
for (const [path, entry] of Object.entries(lock.packages)) {
  if (!path.includes("node_modules/") || entry.link || entry.dev || entry.devOptional) continue;
  checked += 1;
  const licence = typeof entry.license === "string" ? entry.license : legacyLicence(path);
  if (licence === undefined || !allowed(licence))
    refused.push(
      `${path.replace(/^.*node_modules\//, "")}@${entry.version}: ${licence ?? "no licence declared"}`,
    );
}
if (refused.length > 0) {
  console.error(
    `licence check: ${refused.length} of ${checked} runtime packages have a licence not on the allow-list (scripts/check-licences.mjs):`,
  );
  for (const line of refused) console.error(`  ${line}`);
  process.exit(1);
}
console.log(`licence check: ${checked} runtime packages, all on the allow-list`);
