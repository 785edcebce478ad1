import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "mocha";
import { DEFAULT_TARGET } from "../src/engine/targets.js";
import {
  addTarget,
  ENGINE_STATE_CONTEXT,
  type EngineState,
  engineState,
  nextPollMs,
  POLL,
  showsEngineContent,
  viewsNeedRefresh,
} from "../src/ops/engineState.js";

describe("engine state: the sidebar before (and while) an engine exists", () => {
  it("tells no target, down, signed out and ready apart", () => {
    assert.equal(engineState({ target: false, reachable: false, token: false }), "none");
    assert.equal(engineState({ target: true, reachable: false, token: true }), "unreachable");
    assert.equal(engineState({ target: true, reachable: true, token: false }), "signedOut");
    assert.equal(engineState({ target: true, reachable: true, token: true }), "ready");
    assert.deepEqual(
      (["none", "unreachable", "signedOut", "ready"] as EngineState[]).filter(showsEngineContent),
      ["ready"],
      "only a ready engine fills the views; otherwise the welcome shows",
    );
  });

  it("probes a down engine soon, then backs off to a minute; a reachable one every 30 s", () => {
    const delays: number[] = [];
    let d: number | undefined;
    for (let i = 0; i < 8; i++) {
      d = nextPollMs("unreachable", i === 0 ? "ready" : "unreachable", d);
      delays.push(d ?? -1);
    }
    assert.deepEqual(delays, [2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
    assert.equal(nextPollMs("ready", "unreachable", 60000), POLL.steadyMs);
    assert.equal(nextPollMs("signedOut", undefined, undefined), POLL.steadyMs);
    assert.equal(
      nextPollMs("unreachable", "ready", POLL.steadyMs),
      POLL.firstMs,
      "an engine that just went away",
    );
    assert.equal(
      nextPollMs("unreachable", "unreachable", undefined),
      POLL.firstMs,
      "probed again after a change",
    );
    assert.equal(nextPollMs("none", "unreachable", 2000), undefined, "no target: nothing to probe");
  });

  it("refreshes the views when the engine comes up, and only on a change", () => {
    assert.equal(viewsNeedRefresh("unreachable", "signedOut"), true);
    assert.equal(viewsNeedRefresh("signedOut", "ready"), true);
    assert.equal(viewsNeedRefresh(undefined, "none"), true);
    assert.equal(viewsNeedRefresh("unreachable", "unreachable"), false);
  });

  it("adds an engine target to the setting, keeping the ones there and refusing bad entries", () => {
    const staging = { name: "staging", url: "https://stage.example.test:8765/", environment: "staging" };
    assert.deepEqual(addTarget([DEFAULT_TARGET], staging), {
      value: [DEFAULT_TARGET, { ...staging, url: "https://stage.example.test:8765" }],
    });
    assert.deepEqual(addTarget(undefined, staging), {
      value: [DEFAULT_TARGET, { ...staging, url: "https://stage.example.test:8765" }],
    });
    assert.match(
      (addTarget([DEFAULT_TARGET], { ...staging, name: "local" }) as { error: string }).error,
      /"local" is used twice/,
    );
    assert.match(
      (addTarget([], { ...staging, url: "ftp://x" }) as { error: string }).error,
      /url must be an http\(s\) URL/,
    );
    assert.match((addTarget("oops", staging) as { error: string }).error, /Fix the setting first/);
  });

  it("has a welcome with actions for every state but ready, keyed on the context the extension sets", () => {
    const manifest = JSON.parse(readFileSync("package.json", "utf8")) as {
      contributes: {
        commands: { command: string }[];
        viewsWelcome: { view: string; when?: string; contents: string }[];
      };
    };
    const commands = new Set(manifest.contributes.commands.map((c) => c.command));
    const welcome = manifest.contributes.viewsWelcome.filter((w) => w.view === "messagefoundry.connections");
    // A state's welcome may also yield to the local engine's own (`… && messagefoundry.localEngine != starting`).
    const whenOf = (state: string) =>
      welcome.find((w) => w.when?.split(" && ")[0] === `${ENGINE_STATE_CONTEXT} == ${state}`);
    for (const state of ["none", "unreachable", "signedOut"]) assert.ok(whenOf(state), state);
    assert.match(whenOf("none")!.contents, /command:messagefoundry\.engine\.add/);
    assert.match(whenOf("none")!.contents, /command:messagefoundry\.wizard\.route/);
    assert.match(whenOf("none")!.contents, /command:messagefoundry\.localEngine\.start/);
    assert.match(whenOf("signedOut")!.contents, /command:messagefoundry\.engine\.signIn/);
    for (const w of manifest.contributes.viewsWelcome) {
      for (const m of w.contents.matchAll(/\(command:([\w.]+)\)/g)) assert.ok(commands.has(m[1]!), m[1]);
    }
  });
});
