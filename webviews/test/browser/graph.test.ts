import assert from "node:assert/strict";
import { after, before, describe, it } from "mocha";
import type { GraphToView } from "../../src/protocol/graph.js";
import { GRAPH, loc } from "../fixtures.js";
import { type OpenView, startHarness, type ViewHarness } from "./harness.js";

describe("webview: graph (headless Chromium)", function () {
  this.timeout(60_000);
  let harness: ViewHarness;
  let view: OpenView;

  before(async () => {
    harness = await startHarness(["graph"]);
    view = await harness.open("graph");
    const message: GraphToView = {
      type: "graph",
      graph: GRAPH,
      problems: [
        {
          code: "MF-UNKNOWN-OUTBOUND",
          severity: "error",
          message: "handler lab_oru_handler sends to a name computed at run time",
          location: loc("routes/lab.ts", 9),
        },
      ],
    };
    await view.send(message);
  });
  after(async () => harness?.close());

  it("draws the four columns with every node and edge", async () => {
    const { page } = view;
    await page.waitForSelector("svg");
    assert.deepEqual(await page.$$eval(".column-title", (els) => els.map((e) => e.textContent)), [
      "Inbound",
      "Routers",
      "Handlers",
      "Outbound",
    ]);
    assert.equal(await page.locator("g.node").count(), GRAPH.nodes.length);
    assert.equal(await page.locator("path.edge").count(), GRAPH.edges.length);
    assert.equal(await page.locator("path.edge.dynamic").count(), 1);
    assert.equal(
      await page.getAttribute('g.node[data-name="lab_oru_handler"]', "class"),
      "node kind-handler has-error",
    );
    assert.equal(await page.textContent("#summary"), "10 nodes, 8 edges, 1 error(s)");
  });

  it("clicking a node posts openLocation with its declaration", async () => {
    await view.page.click('g.node[data-name="OB_ACME_ARCHIVE"]');
    const open = await view.waitForPosted("openLocation");
    assert.deepEqual(open, { type: "openLocation", location: loc("connections.toml", 12) });
  });

  it("is keyboard accessible: Tab to a node, Enter opens it", async () => {
    const { page } = view;
    await page.focus('g.node[data-name="IB_ACME_ADT"]');
    await page.keyboard.press("Tab");
    const focused = await page.evaluate(() => document.activeElement?.getAttribute("data-name"));
    assert.equal(focused, "IB_LAB_ORU");
    await page.keyboard.press("Enter");
    const open = await view.waitForPosted("openLocation", 1);
    assert.deepEqual(open, { type: "openLocation", location: loc("connections.toml", 2) });
  });

  it("opens a router or handler as Steps: its Steps link, a right-click, or S on the node", async () => {
    const { page } = view;
    assert.equal(await page.locator("g.node.kind-inbound .steps-link").count(), 0);
    await page.click('g.node[data-name="lab_oru_handler"] .steps-link');
    const first = (await view.waitForPosted("openSteps")) as unknown as { kind: string; name: string };
    assert.deepEqual([first.kind, first.name], ["handler", "lab_oru_handler"]);
    await page.click('g.node[data-name="acme_adt_router"]', { button: "right" });
    const second = (await view.waitForPosted("openSteps", 1)) as unknown as { kind: string; name: string };
    assert.deepEqual([second.kind, second.name], ["router", "acme_adt_router"]);
    await page.focus('g.node[data-name="acme_adt_router"]');
    await page.keyboard.press("s");
    assert.equal(
      ((await view.waitForPosted("openSteps", 2)) as unknown as { name: string }).name,
      "acme_adt_router",
    );
  });

  it("asks the host for a fresh graph", async () => {
    await view.page.click("#refresh");
    assert.deepEqual(await view.waitForPosted("refresh"), { type: "refresh" });
  });

  it("ran under the strict CSP without errors; screenshot", async () => {
    await view.screenshot("graph");
    assert.deepEqual(view.errors, []);
  });
});
