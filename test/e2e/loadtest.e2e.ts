/**
 * The Load Test panel in a real VS Code (code-server with the packaged .vsix): "MessageFoundry: Load
 * Test…" opens it, a smoke run goes engine-less at the sink `load` starts itself (target = sink port,
 * no engine to reconcile with), the charts fill from the CLI's live events, the verdict shows every
 * gate passed, and the HTML report was written. Screenshots in test-artifacts/e2e/.
 */
import assert from "node:assert/strict";
import { freePort, log, textOf, useWorkbench } from "./harness.js";

describe("the Load Test panel in a real VS Code", function () {
  this.timeout(180_000);
  const suite = useWorkbench("load-test");

  it("runs the smoke profile engine-less: live charts, the verdict, the report", async () => {
    // The extension is up once its status bar items show; the palette lists its commands from then on.
    await suite.wb.page
      .locator(".statusbar-item", { hasText: "Local engine" })
      .first()
      .waitFor({ timeout: 120_000 });
    await suite.wb.runCommand("MessageFoundry: Load Test…").catch(async () => {
      await suite.wb.dismiss();
      await suite.wb.runCommand("MessageFoundry: Load Test…");
    });
    const view = await suite.wb.webview("loadTest");
    const port = String(await freePort());
    await view.locator("#profile vscode-option").first().waitFor({ state: "attached", timeout: 30_000 });
    await view.locator("#target input").fill(`127.0.0.1:${port}`);
    await view.locator("#sink-port input").fill(port);
    // No engine in this run: the sink's arrivals are the reconciliation.
    const engine = view.locator("#use-engine");
    if (await engine.evaluate((el) => (el as HTMLElement & { checked: boolean }).checked))
      await engine.click();
    await view.locator("#run").click();
    // Samples arrive while it runs (the status names the phase).
    await view.locator("#status", { hasText: /s, (warmup|sustained|soak):/ }).waitFor({ timeout: 60_000 });
    await view.locator("#verdict h2").waitFor({ timeout: 120_000 });
    await suite.wb.screenshot("load-test");
    assert.equal(await textOf(view.locator("#verdict h2")), "PASS (exit 0)");
    const gates = await view.locator("#verdict li").allTextContents();
    log(`load test verdict: ${gates.join(" | ")}`);
    assert.ok(gates.some((g) => /zeroLoss: sent \d+, ACKed \d+; sink received \d+ of \d+/.test(g)));
    assert.equal(await view.locator("#verdict li.fail").count(), 0);
    assert.equal(await view.locator(".chart .uplot").count(), 5);
    assert.ok(await view.locator("#open-report").isVisible(), "the report can be opened");
  });
});
