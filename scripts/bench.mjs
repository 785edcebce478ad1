// `npm run bench`: runs every benchmark (bench/<name>/run.ts) one after another, each in its own process so
// one benchmark's heap and JIT state never colour another's numbers. `npm run bench -- hl7` runs one.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
// Names first, then options for the benchmarks: `npm run bench -- throughput --store postgres`.
const firstOption = process.argv.slice(2).findIndex((a) => a.startsWith("--"));
const only = firstOption < 0 ? process.argv.slice(2) : process.argv.slice(2, 2 + firstOption);
const options = firstOption < 0 ? [] : process.argv.slice(2 + firstOption);
const benches = readdirSync(join(root, "bench"), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(root, "bench", d.name, "run.ts")))
  .map((d) => d.name)
  .filter((name) => only.length === 0 || only.includes(name));

let failed = 0;
for (const name of benches) {
  console.log(`\n=== bench/${name} ===`);
  const result = spawnSync(
    process.execPath,
    ["--conditions=source", "--import", "tsx", join("bench", name, "run.ts"), ...options],
    { cwd: root, stdio: "inherit" },
  );
  if (result.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
