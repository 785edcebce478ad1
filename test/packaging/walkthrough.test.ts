// The Getting Started walkthrough (package.json contributes.walkthroughs): every step's media ships and
// every command it links or completes on exists (contributed here, or one of VS Code's own).
// Plain Node: reads the manifest and the files; mocha runs from the repo root.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "mocha";

interface Step {
  id: string;
  title: string;
  description: string;
  media: { markdown?: string; image?: string };
  completionEvents?: string[];
}
interface Manifest {
  contributes: {
    commands: { command: string }[];
    walkthroughs: { id: string; steps: Step[] }[];
  };
}

const root = process.cwd();
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as Manifest;
/** VS Code's own commands the walkthrough may use. */
const BUILT_IN = new Set(["workbench.action.files.openFolder"]);

describe("Getting Started walkthrough", () => {
  const walkthrough = manifest.contributes.walkthroughs?.find(
    (w) => w.id === "messagefoundry.gettingStarted",
  );
  const contributed = new Set(manifest.contributes.commands.map((c) => c.command));

  it("walks the first hour in order: config, wizard, Test Bench, engine, sample, promote", () => {
    assert.ok(walkthrough, "contributes.walkthroughs has messagefoundry.gettingStarted");
    assert.deepEqual(
      walkthrough.steps.map((s) => s.id),
      ["open-config", "route-wizard", "test-bench", "engine", "send-sample", "promote"],
    );
  });

  it("links and completes on commands that exist, and ships each step's markdown", () => {
    assert.ok(walkthrough);
    const vscodeignore = readFileSync(join(root, ".vscodeignore"), "utf8").split("\n");
    for (const step of walkthrough.steps) {
      const linked = [...step.description.matchAll(/\(command:([\w.]+)\)/g)].map((m) => m[1]!);
      const completing = (step.completionEvents ?? [])
        .filter((e) => e.startsWith("onCommand:"))
        .map((e) => e.slice("onCommand:".length));
      assert.ok(linked.length > 0, `${step.id} offers an action`);
      assert.ok(completing.length > 0, `${step.id} completes when its action runs`);
      for (const cmd of [...linked, ...completing]) {
        assert.ok(contributed.has(cmd) || BUILT_IN.has(cmd), `${step.id}: unknown command ${cmd}`);
      }
      for (const cmd of completing) assert.ok(linked.includes(cmd), `${step.id}: ${cmd} is offered`);
      const md = step.media.markdown ?? "";
      assert.ok(md?.startsWith("media/walkthrough/"), `${step.id} has markdown media`);
      const text = readFileSync(join(root, md), "utf8");
      assert.match(text, /^# /, `${md} starts with a heading`);
      assert.ok(existsSync(join(root, md)));
    }
    assert.ok(vscodeignore.includes("!media/walkthrough/**"), ".vscodeignore lets the media into the .vsix");
  });

  it("links the local engine and Send to MLLP where the user starts an engine and sends a sample", () => {
    const step = (id: string) => walkthrough?.steps.find((s) => s.id === id);
    assert.match(step("engine")?.description ?? "", /\(command:messagefoundry\.localEngine\.start\)/);
    assert.match(step("send-sample")?.description ?? "", /\(command:messagefoundry\.sendMllp\)/);
  });
});
