import assert from "node:assert/strict";
import { after, before, describe, it } from "mocha";
import { initialPromoteState, type PromoteEvent, transition } from "../../src/model/promote-flow.js";
import type { PromoteState, PromoteSummary, PromoteToView } from "../../src/protocol/promote.js";
import { type OpenView, startHarness, type ViewHarness } from "./harness.js";

const target = { env: "staging", url: "https://127.0.0.1:8765" };
const summary: PromoteSummary = {
  activeVersion: "2026.11.27-1",
  stagedVersion: "2026.11.27-2",
  added: [{ kind: "outbound", name: "OB_ACME_ARCHIVE" }],
  removed: [{ kind: "handler", name: "acme_old_handler" }],
  changed: [{ kind: "inbound", name: "IB_ACME_ADT", changes: ["settings.port: 2600 → 2601"] }],
};
const warning = {
  code: "MF-UNUSED-OUTBOUND",
  severity: "warning" as const,
  message: "OB_LAB_ORU is never sent to",
  file: "connections.toml",
  line: 20,
};

/** Drives the real state machine, as the host does, and posts the resulting state. */
async function show(view: OpenView, events: PromoteEvent[]): Promise<PromoteState> {
  const flow = events.reduce(transition, initialPromoteState());
  const message: PromoteToView = { type: "state", state: flow };
  await view.send(message);
  return flow;
}

const toReview: PromoteEvent[] = [
  { type: "validated", problems: [] },
  { type: "targetPicked", target },
  { type: "staged", summary, problems: [warning] },
];

describe("webview: promote (headless Chromium)", function () {
  this.timeout(60_000);
  let harness: ViewHarness;
  let view: OpenView;

  before(async () => {
    harness = await startHarness(["promote"]);
    view = await harness.open("promote");
  });
  after(async () => harness?.close());

  it("shows the review: steps, problems, added/removed/changed, Confirm enabled", async () => {
    await show(view, toReview);
    const { page } = view;
    assert.deepEqual(await page.$$eval(".step", (els) => els.map((e) => `${e.textContent}:${e.className}`)), [
      "Validate:step complete",
      "Pick target:step complete",
      "Stage:step complete",
      "Review:step current",
      "Confirm:step pending",
      "Promote:step pending",
      "Done:step pending",
    ]);
    assert.match(
      (await page.textContent("#problems")) ?? "",
      /MF-UNUSED-OUTBOUND: OB_LAB_ORU is never sent to/,
    );
    assert.match((await page.textContent("#added")) ?? "", /outbound OB_ACME_ARCHIVE/);
    assert.match((await page.textContent("#removed")) ?? "", /handler acme_old_handler/);
    assert.match((await page.textContent("#changed")) ?? "", /settings\.port: 2600 → 2601/);
    assert.equal(await page.getAttribute("#confirm", "disabled"), null);
    await view.screenshot("promote");
  });

  it("Confirm posts the staged version; a problem link opens its file", async () => {
    await view.page.click("#confirm");
    assert.deepEqual(await view.waitForPosted("confirm"), { type: "confirm", stagedVersion: "2026.11.27-2" });
    await view.page.click("a.location");
    assert.deepEqual(await view.waitForPosted("openProblem"), {
      type: "openProblem",
      file: "connections.toml",
      line: 20,
    });
  });

  it("disables Confirm when the engine reports errors", async () => {
    await show(view, [
      ...toReview.slice(0, 2),
      { type: "staged", summary, problems: [{ code: "MF-X", severity: "error", message: "bad bundle" }] },
    ]);
    assert.equal(await view.page.getAttribute("#confirm", "disabled"), "");
    await view.page.click("#confirm", { force: true });
    assert.equal((await view.posted()).filter((m) => m.type === "confirm").length, 1);
  });

  it("Cancel is offered before promote and posts cancel", async () => {
    await show(view, toReview.slice(0, 1));
    await view.page.click("#cancel");
    assert.deepEqual(await view.waitForPosted("cancel"), { type: "cancel" });
  });

  it("shows done with the new active version, and a failure with where it failed", async () => {
    const { page } = view;
    await show(view, [
      ...toReview,
      { type: "confirm", stagedVersion: "2026.11.27-2" },
      { type: "promoting" },
      { type: "promoted", activeVersion: "2026.11.27-2" },
    ]);
    assert.match(
      (await page.textContent("#headline")) ?? "",
      /Version 2026\.11\.27-2 is now active on staging/,
    );
    assert.equal(await page.isVisible("#cancel"), false);
    await show(view, [...toReview.slice(0, 2), { type: "failed", error: "engine unreachable" }]);
    assert.match((await page.textContent("#headline")) ?? "", /Failed at Stage: engine unreachable/);
    await page.click("#restart");
    assert.deepEqual(await view.waitForPosted("restart"), { type: "restart" });
  });

  it("keeps the flow in view state and ran without CSP errors", async () => {
    const saved = (await view.state()) as { flow: PromoteState };
    assert.equal(saved.flow.step, "failed");
    assert.deepEqual(view.errors, []);
  });
});
