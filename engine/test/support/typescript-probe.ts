/**
 * Preloaded into a child process (`--import`): on SIGUSR2 it prints, as a JSON line among the engine's
 * log lines, whether the TypeScript compiler is loaded in that process (ESM imports of the CommonJS
 * compiler land in the CommonJS module cache).
 */
import { createRequire } from "node:module";

const cache = createRequire(import.meta.url).cache;
process.on("SIGUSR2", () => {
  const loaded = Object.keys(cache).some((k) => /[\\/]node_modules[\\/]typescript[\\/]/.test(k));
  process.stdout.write(`\n${JSON.stringify({ probe: "typescript", loaded })}\n`);
});
