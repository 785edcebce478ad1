/**
 * The tee compare view in headless Chromium under the extension's CSP: the summary, the pairs that
 * are not identical with their legacy → shadow diffs (message content as text, never HTML), the
 * filters, the rules box (checked before anything is posted), and saving the HTML report.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "mocha";
import type { TeeCompareToView } from "../../src/protocol/teeCompare.js";
import { teeReport } from "../fixtures.js";
import { type OpenView, startHarness, type ViewHarness } from "./harness.js";

describe("webview: tee compare (headless Chromium)", function () {
  this.timeout(60_000);
  let harness: ViewHarness;
  let view: OpenView;

  before(async () => {
    harness = await startHarness(["teeCompare"]);
    view = await harness.open("teeCompare");
    const message: TeeCompareToView = { type: "report", report: teeReport() };
    await view.send(message);
  });
  after(async () => harness?.close());

  it("shows the summary and the pairs that are not identical, each with its diff", async () => {
    const { page } = view;
    await page.waitForSelector(".pair");
    assert.deepEqual(await page.$$eval(".card", (els) => els.map((e) => e.textContent)), [
      "4pairs",
      "1identical",
      "1differing",
      "1missing in shadow",
      "1missing in legacy",
    ]);
    assert.deepEqual(
      await page.$$eval(".pair", (els) =>
        els.map((e) => [e.getAttribute("data-key"), e.getAttribute("data-status")]),
      ),
      [
        ["C002", "differing"],
        ["C004", "missing-shadow"],
        ["C005", "missing-legacy"],
      ],
    );
    const rows = await page.$$eval('.pair[data-key="C002"] tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent)),
    );
    assert.deepEqual(rows, [["PID-5PID-5.1", "changed", "TEST^PATIENT", "<b>TSET</b>^PATIENT"]]);
    // Message content is text: no element was made from it.
    assert.equal(await page.locator(".pair b").count(), 0);
    assert.match(
      (await page.textContent('.pair[data-key="C004"]')) ?? "",
      /Only the legacy destination received it:/,
    );
    assert.match((await page.textContent("#sources")) ?? "", /ignored: MSH-7, MSH-10, PID-3\.4/);
    assert.match((await page.textContent("#top-paths")) ?? "", /PID-5 in 1 pair\(s\)/);
    assert.match((await page.textContent("#top-paths .notice")) ?? "", /shadow\.ndjson:4: not JSON/);
    assert.equal(
      await page.evaluate(() => (document.querySelector("#ignore") as HTMLInputElement).value),
      "PID-3.4",
    );
  });

  it("filters: identical pairs on request, the choice kept in the view state", async () => {
    const { page } = view;
    assert.deepEqual(await page.$$eval(".filter", (els) => els.map((e) => e.textContent)), [
      "Not identical (3)",
      "Differing (1)",
      "Missing (2)",
      "Identical (1)",
      "All (4)",
    ]);
    await page.click('.filter[data-filter="identical"]');
    assert.deepEqual(await page.$$eval(".pair", (els) => els.map((e) => e.getAttribute("data-key"))), [
      "C001",
    ]);
    assert.equal(((await view.state()) as { filter: string }).filter, "identical");
    await page.click('.filter[data-filter="problems"]');
  });

  it("compares again with the rules typed, refusing a rule that is not a field path", async () => {
    const { page } = view;
    await page.evaluate(() => {
      (document.querySelector("#ignore") as HTMLInputElement).value = "PID-3.4, PID";
    });
    await page.click("#compare");
    assert.match((await page.textContent("#status")) ?? "", /^PID: /);
    assert.equal((await view.posted()).filter((m) => m.type === "compare").length, 0);
    await page.evaluate(() => {
      (document.querySelector("#ignore") as HTMLInputElement).value = "PID-3.4, OBX-14";
      (document.querySelector("#pair-by") as HTMLInputElement).value = "order";
    });
    await page.click("#compare");
    assert.deepEqual(await view.waitForPosted("compare"), {
      type: "compare",
      ignore: ["PID-3.4", "OBX-14"],
      pairBy: "order",
    });
    await view.send({ type: "running" } satisfies TeeCompareToView);
    assert.equal(await page.textContent("#status"), "Comparing…");
    await view.send({
      type: "hostError",
      message: "messagefoundry tee compare exited with 2",
    } satisfies TeeCompareToView);
    assert.match((await page.textContent("#status")) ?? "", /exited with 2/);
  });

  it("asks the host to save the HTML report; ran under the strict CSP without errors", async () => {
    await view.page.click("#save-html");
    assert.deepEqual(await view.waitForPosted("saveHtml"), { type: "saveHtml" });
    await view.screenshot("teeCompare");
    assert.deepEqual(view.errors, []);
  });
});
