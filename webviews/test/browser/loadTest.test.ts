import assert from "node:assert/strict";
import type { LoadEvent, LoadSample, LoadVerdict } from "messagefoundry/api";
import { after, before, describe, it } from "mocha";
import type { LoadTestToView } from "../../src/protocol/loadTest.js";
import { type OpenView, startHarness, type ViewHarness } from "./harness.js";

const PROFILES = [
  { name: "smoke", description: "A few seconds at a low rate." },
  { name: "baseline", description: "Warm up, ramp to 400 msg/s, hold it." },
  { name: "failover", description: "Fail the leader over mid-run.", failover: true },
];

function sample(t: number, phase: LoadSample["phase"], rate: number): LoadEvent {
  return {
    type: "sample",
    t,
    phase,
    sent: rate,
    acked: rate,
    errors: t === 3 ? 1 : 0,
    delivered: rate,
    ackP50: 1.2,
    ackP99: 4.5 + t,
    e2eP50: 3.1,
    e2eP99: 9.8 + t,
    backlog: t,
    engineErrors: 0,
  };
}

const VERDICT: LoadVerdict = {
  pass: false,
  checks: [
    {
      gate: "minSustainedRate",
      limit: 40,
      actual: 50,
      pass: true,
      detail: "50.0 msg/s sustained (at least 40)",
    },
    { gate: "ackP99Ms", limit: 1, actual: 7.5, pass: false, detail: "ACK p99 7.5 ms (at most 1 ms)" },
    {
      gate: "zeroLoss",
      limit: true,
      actual: true,
      pass: true,
      detail: "sent 150, ACKed 150; engine received 150",
    },
  ],
  regressions: [],
};

describe("webview: load test (headless Chromium)", function () {
  this.timeout(60_000);
  let harness: ViewHarness;
  let view: OpenView;

  before(async () => {
    harness = await startHarness(["loadTest"]);
    view = await harness.open("loadTest");
    const init: LoadTestToView = {
      type: "init",
      profiles: PROFILES,
      form: {
        profile: "smoke",
        target: "127.0.0.1:2600",
        sinkPort: "2700",
        useEngine: true,
        failoverCommand: "",
      },
      engine: "local, http://127.0.0.1:8765",
    };
    await view.send(init);
  });
  after(async () => harness?.close());

  it("offers the built-in profiles and a profile file, filled from the last form", async () => {
    const { page } = view;
    await page.waitForSelector("#profile vscode-option", { state: "attached" });
    assert.deepEqual(await page.$$eval("#profile vscode-option", (els) => els.map((e) => e.textContent)), [
      "smoke",
      "baseline",
      "failover",
      "Profile file…",
    ]);
    // Only a failover profile asks for a failover command.
    assert.equal(await page.locator("#failover-command.hidden").count(), 1);
    assert.equal(await page.$eval("#target", (e) => (e as HTMLInputElement).value), "127.0.0.1:2600");
    assert.equal(await page.$eval("#sink-port", (e) => (e as HTMLInputElement).value), "2700");
    assert.match((await page.textContent("#use-engine")) ?? "", /local, http:\/\/127\.0\.0\.1:8765/);
    assert.equal(await page.textContent("#profile-help"), "A few seconds at a low rate.");
    // One empty chart per LOAD_CHARTS entry, drawn by uPlot.
    assert.equal(await page.locator(".chart .uplot").count(), 5);
  });

  it("Run posts the form and disables itself until the run finishes", async () => {
    await view.page.click("#run");
    const run = await view.waitForPosted("run");
    assert.deepEqual(run, {
      type: "run",
      form: {
        profile: "smoke",
        target: "127.0.0.1:2600",
        sinkPort: "2700",
        useEngine: true,
        failoverCommand: "",
      },
    });
    assert.equal(await view.page.getAttribute("#run", "disabled"), "");
    assert.equal(await view.page.getAttribute("#stop", "disabled"), null);
  });

  it("draws the CLI's samples live and reports the phase", async () => {
    const { page } = view;
    await view.send({
      type: "event",
      event: { type: "start", profile: "smoke", target: "127.0.0.1:2600", phases: [], seconds: 6 },
    } satisfies LoadTestToView);
    for (let t = 1; t <= 4; t++)
      await view.send({
        type: "event",
        event: sample(t, t === 1 ? "warmup" : "sustained", 50),
      } satisfies LoadTestToView);
    assert.equal(await page.textContent("#status"), "4 s, sustained: 50 ACKed/s, 0 errors");
    // uPlot's legend shows the last value of each series when the cursor is off the plot.
    const throughput = page.locator('[data-chart="throughput"] .u-series');
    assert.equal(await throughput.count(), 4);
    assert.equal(await page.locator('[data-chart="errors"] .u-series').count(), 3);
    assert.equal(((await view.state()) as { samples: unknown[] }).samples.length, 4);
    await view.send({
      type: "event",
      event: { type: "drain", seconds: 1, backlog: 3, delivered: 147, expected: 150 },
    } satisfies LoadTestToView);
    assert.equal(await page.textContent("#status"), "Draining (1 s): backlog 3, sink 147 of 150");
  });

  it("shows the verdict gate by gate, and Open report asks the host", async () => {
    const { page } = view;
    await view.send({
      type: "finished",
      exitCode: 1,
      verdict: VERDICT,
      report: "/tmp/r/report.html",
    } satisfies LoadTestToView);
    assert.equal(await page.textContent("#verdict h2"), "FAIL (exit 1)");
    assert.deepEqual(
      await page.$$eval("#verdict li", (els) => els.map((e) => [e.getAttribute("data-gate"), e.className])),
      [
        ["minSustainedRate", "pass"],
        ["ackP99Ms", "fail"],
        ["zeroLoss", "pass"],
      ],
    );
    assert.equal(await page.getAttribute("#run", "disabled"), null);
    await view.screenshot("loadTest");
    await page.click("#open-report");
    assert.deepEqual(await view.waitForPosted("openReport"), { type: "openReport" });
  });

  it("a file profile is typed in its own field", async () => {
    const { page } = view;
    await page.evaluate(() => {
      const select = document.getElementById("profile") as HTMLElement & { value: string };
      select.value = "__file__";
      select.dispatchEvent(new Event("change"));
    });
    await page.locator("#profile-file input").fill("profiles/strict.json");
    await page.click("#run");
    const run = await view.waitForPosted("run", 1);
    assert.equal((run.form as { profile: string }).profile, "profiles/strict.json");
  });

  it("a failover profile shows the failover command field and sends what is typed there", async () => {
    const { page } = view;
    await view.send({ type: "finished", exitCode: 2, error: "usage" } satisfies LoadTestToView); // the file run above
    await page.evaluate(() => {
      const select = document.getElementById("profile") as HTMLElement & { value: string };
      select.value = "failover";
      select.dispatchEvent(new Event("change"));
    });
    assert.equal(await page.locator("#failover-command:not(.hidden)").count(), 1);
    await page.locator("#failover-command input").fill("kill -9 4242");
    await page.click("#run");
    const run = await view.waitForPosted("run", 2);
    const form = run.form as { profile: string; failoverCommand: string };
    assert.deepEqual([form.profile, form.failoverCommand], ["failover", "kill -9 4242"]);
  });

  it("ran under the strict CSP without errors", async () => {
    assert.deepEqual(view.errors, []);
  });
});
