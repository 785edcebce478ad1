/**
 * The promote review's new parts in headless Chromium: each changed file links to the diff editor, the
 * removed connections with queued rows each need a choice before Confirm (and Confirm carries them),
 * and the version active on the engine now is shown from the host's one source.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "mocha";
import { initialPromoteState, type PromoteEvent, transition } from "../../src/model/promote-flow.js";
import type { PromoteSummary } from "../../src/protocol/promote.js";
import { type OpenView, startHarness, type ViewHarness } from "./harness.js";

const target = { env: "staging", url: "https://127.0.0.1:8765" };
const summary: PromoteSummary = {
  activeVersion: "v3",
  stagedVersion: "stg_1",
  added: [],
  removed: [{ kind: "outbound", name: "OB_LAB_OLD" }],
  changed: [{ kind: "outbound", name: "OB_LAB_ORU", changes: ["settings.port: 2600 → 2601"] }],
  files: [
    { path: "lab.ts", status: "modified" },
    { path: "old.ts", status: "removed" },
  ],
  removedQueued: [{ connection: "OB_LAB_OLD", queued: 3 }],
};

describe("webview: promote review — diffs, removed connections with queued rows (headless Chromium)", function () {
  this.timeout(60_000);
  let harness: ViewHarness;
  let view: OpenView;

  before(async () => {
    harness = await startHarness(["promote"]);
    view = await harness.open("promote");
    const events: PromoteEvent[] = [
      { type: "validated", problems: [] },
      { type: "targetPicked", target },
      { type: "staged", summary, problems: [] },
    ];
    const state = events.reduce(transition, initialPromoteState());
    await view.send({ type: "state", state: { ...state, activeNow: "v3 (rollback to v1)" } });
  });
  after(async () => harness?.close());

  it("lists the changed files; a file opens its diff", async () => {
    const { page } = view;
    assert.match((await page.textContent("#files")) ?? "", /lab\.ts.*modified.*old\.ts.*removed/s);
    await page.click("#files a.diff-link >> text=lab.ts");
    assert.deepEqual(await view.waitForPosted("openDiff"), { type: "openDiff", path: "lab.ts" });
  });

  it("shows the active version from the host", async () => {
    assert.equal(await view.page.textContent("#active-now"), "Active on the engine now: v3 (rollback to v1)");
  });

  it("asks what to do with the queued rows; Confirm waits for the choice and carries it", async () => {
    const { page } = view;
    assert.match((await page.textContent("#removed-queued")) ?? "", /OB_LAB_OLD — 3 queued/);
    assert.equal(await page.getAttribute("#confirm", "disabled"), "", "no choice yet");
    await page.selectOption('select[data-connection="OB_LAB_OLD"]', "dead-letter");
    assert.equal(await page.getAttribute("#confirm", "disabled"), null);
    await view.screenshot("promote-review");
    await page.click("#confirm");
    assert.deepEqual(await view.waitForPosted("confirm"), {
      type: "confirm",
      stagedVersion: "stg_1",
      removedQueued: { OB_LAB_OLD: "dead-letter" },
    });
    assert.deepEqual(view.errors, []);
  });
});
