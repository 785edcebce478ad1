/**
 * Runs the engine stand-in as its own process (for the end-to-end test, which drives a real VS Code and
 * needs an engine to promote to): prints `{"url": ...}` on one line, serves until SIGTERM.
 */
import { startTestEngine } from "./testEngine.js";

const engine = await startTestEngine();
process.stdout.write(`${JSON.stringify({ url: engine.url })}\n`);
process.on("SIGTERM", () => {
  void engine.close().then(() => process.exit(0));
});
