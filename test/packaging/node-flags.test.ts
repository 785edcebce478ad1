// Wherever this project starts the engine, it starts it with ENGINE_NODE_FLAGS (messagefoundry/api): V8
// sizes the main thread's heap when the process starts, so the flags must be on each command line.
// (VS Code's local engine takes them from the same constant, engine benchmarks from the build they run.)
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ENGINE_NODE_FLAGS } from "messagefoundry/api";

const root = fileURLToPath(new URL("../..", import.meta.url));
const read = (rel: string) => readFileSync(`${root}/${rel}`, "utf8");

/** The command line's Node flags: what sits between `node` and the script it runs. */
function nodeFlagsOf(commandLine: string): string[] {
  const words = commandLine.split(/\s+/);
  const node = words.findIndex((w) => w === "node" || w.endsWith("/node"));
  assert.ok(node >= 0, `no node in: ${commandLine}`);
  const script = words.findIndex((w, i) => i > node && !w.startsWith("-"));
  return words.slice(node + 1, script);
}

describe("the engine's Node.js flags on every command line that starts it", () => {
  it("npm start", () => {
    const pkg = JSON.parse(read("package.json")) as { scripts: Record<string, string> };
    const start = pkg.scripts.start ?? "";
    const serve = start.split("&&").find((part) => part.includes(" serve "));
    assert.ok(serve, `npm start runs no serve: ${start}`);
    assert.deepEqual(nodeFlagsOf(serve), [...ENGINE_NODE_FLAGS]);
  });

  it("the systemd example", () => {
    const exec = read("docs/examples/messagefoundry.service")
      .split("\n")
      .find((l) => l.startsWith("ExecStart="));
    assert.ok(exec);
    assert.deepEqual(nodeFlagsOf(exec.slice("ExecStart=".length)), [...ENGINE_NODE_FLAGS]);
  });

  it("the README's command for a long-running engine", () => {
    const readme = read("README.md");
    assert.ok(
      readme.includes(
        `node ${ENGINE_NODE_FLAGS.join(" ")} node_modules/messagefoundry/bin/messagefoundry.js serve`,
      ),
    );
  });
});
