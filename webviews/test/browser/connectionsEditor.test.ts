import assert from "node:assert/strict";
import { after, before, describe, it } from "mocha";
import { applyIntent, readConnections } from "../../src/model/toml-form.js";
import type { ConnectionsEditorToView, EditIntent } from "../../src/protocol/connectionsEditor.js";
import { type OpenView, startHarness, type ViewHarness } from "./harness.js";

const DOC = `# ACME connections (comments survive form edits)
[[inbound]]
name = "IB_ACME_ADT"   # the ADT feed
transport = "mllp"
router = "acme_adt_router"
settings = { port = 2600 }

[[outbound]]
name = "OB_ACME_REST"
transport = "rest"
[outbound.settings]
url = "https://127.0.0.1:9000/adt"
`;

describe("webview: connectionsEditor (headless Chromium)", function () {
  this.timeout(60_000);
  let harness: ViewHarness;
  let view: OpenView;
  let text = DOC;
  let version = 1;
  let edits = 0;

  /** Plays the host: apply the next posted edit with toml-form and post the re-read document. */
  async function applyNextEdit(): Promise<EditIntent> {
    const posted = (await view.waitForPosted("edit", edits)) as unknown as {
      version: number;
      intent: EditIntent;
    };
    edits++;
    assert.equal(posted.version, version, "edits carry the version they were made against");
    const r = applyIntent(text, posted.intent);
    text = text.slice(0, r.start) + r.newText + text.slice(r.end);
    version++;
    const message: ConnectionsEditorToView = { type: "document", version, model: readConnections(text) };
    await view.send(message);
    return posted.intent;
  }

  before(async () => {
    harness = await startHarness(["connectionsEditor"]);
    view = await harness.open("connectionsEditor");
    await view.send({ type: "context", envKeys: ["acme_rest_token", "acme_adt_host"] });
    await view.send({ type: "document", version, model: readConnections(text) });
  });
  after(async () => harness?.close());

  it("renders the connections and a form generated from the mllp schema", async () => {
    const { page } = view;
    assert.deepEqual(await page.$$eval("#list .conn .mono", (els) => els.map((e) => e.textContent)), [
      "IB_ACME_ADT",
      "OB_ACME_REST",
    ]);
    assert.equal(
      await page.evaluate(
        () => (document.getElementById("f-settings-port") as unknown as { value: string }).value,
      ),
      "2600",
    );
    assert.equal(
      await page.evaluate(() => (document.getElementById("f-router") as unknown as { value: string }).value),
      "acme_adt_router",
    );
    // mllp settings and the inbound options are all there.
    for (const id of [
      "f-settings-host",
      "f-settings-maxFrameBytes",
      "f-settings-keepAlive",
      "f-contentType",
      "f-ack",
    ]) {
      assert.ok(await page.$(`#${id}`), id);
    }
    assert.equal(await page.textContent("#issues"), "No problems.");
  });

  it("puts the wiring (name, router) first and shows only the inbound's settings", async () => {
    const { page } = view;
    const ids = await page.$$eval("#form [id^='f-']", (els) =>
      els.map((e) => e.id).filter((id) => !id.endsWith("-help")),
    );
    assert.deepEqual(ids.slice(0, 3), ["f-name", "f-router", "f-transport"]);
    assert.ok(ids.includes("f-settings-maxConnections"), "a listener setting");
    for (const outboundOnly of [
      "f-settings-ackTimeoutMs",
      "f-settings-expectAck",
      "f-settings-reconnectBaseMs",
    ])
      assert.ok(!ids.includes(outboundOnly), outboundOnly);
  });

  it("validates as you type, without posting an edit", async () => {
    const { page } = view;
    await page.click("#f-settings-port");
    await page.keyboard.press("Control+A");
    await page.keyboard.type("26x");
    await page.waitForFunction(
      () => document.getElementById("f-settings-port-help")?.textContent === "must be a whole number",
    );
    await page.keyboard.press("Control+A");
    await page.keyboard.type("70000");
    await page.waitForFunction(
      () => document.getElementById("f-settings-port-help")?.textContent === "must be ≤ 65535",
    );
    assert.equal((await view.posted()).filter((m) => m.type === "edit").length, 0);
  });

  it("posts a setField edit on Enter; the host's minimal edit keeps the comments", async () => {
    const { page } = view;
    await page.keyboard.press("Control+A");
    await page.keyboard.type("2601");
    await page.keyboard.press("Enter");
    const intent = await applyNextEdit();
    assert.deepEqual(intent, {
      kind: "setField",
      direction: "inbound",
      name: "IB_ACME_ADT",
      path: ["settings", "port"],
      value: 2601,
    });
    assert.match(text, /settings = \{ port = 2601 \}/);
    assert.match(text, /# the ADT feed/);
    assert.equal(
      await page.evaluate(
        () => (document.getElementById("f-settings-port") as unknown as { value: string }).value,
      ),
      "2601",
    );
  });

  it("keeps what the user is typing, and the focus, when a late context or document message re-renders the form", async () => {
    const { page } = view;
    const port = () =>
      page.evaluate(() => (document.getElementById("f-settings-port") as unknown as { value: string }).value);
    /** Messages are handled in order: once the marker shows, the re-renders before it are done. */
    const settled = async (marker: string) => {
      await view.send({ type: "editRejected", message: marker });
      await page.waitForFunction((m) => document.getElementById("banner")?.textContent === m, marker);
    };
    await page.click("#f-settings-port");
    await page.keyboard.press("Control+A");
    await page.keyboard.type("26");
    // The host's messages arrive while the user is mid-word: both rebuild the form.
    await view.send({ type: "context", envKeys: ["acme_rest_token", "acme_adt_host", "late_key"] });
    await view.send({ type: "document", version, model: readConnections(text) });
    await settled("late messages handled");
    assert.equal(await port(), "26", "the typed text survives the re-render");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "f-settings-port");
    await page.keyboard.type("02");
    assert.equal(await port(), "2602", "typing carries on where it was");
    assert.equal(
      (await view.posted()).filter((m) => m.type === "edit").length,
      edits,
      "nothing committed yet",
    );
    await page.keyboard.press("Enter");
    const intent = await applyNextEdit();
    assert.deepEqual(intent, {
      kind: "setField",
      direction: "inbound",
      name: "IB_ACME_ADT",
      path: ["settings", "port"],
      value: 2602,
    });
    assert.equal(await port(), "2602");
  });

  it("lets the document win when the field being typed in changed underneath", async () => {
    const { page } = view;
    const port = () =>
      page.evaluate(() => (document.getElementById("f-settings-port") as unknown as { value: string }).value);
    await page.click("#f-settings-port");
    await page.keyboard.press("Control+A");
    await page.keyboard.type("27");
    // Someone edits the port in the text editor (undo, another tool): the form shows the file's value.
    text = text.replace("port = 2602", "port = 2700");
    await view.send({ type: "document", version: ++version, model: readConnections(text) });
    await page.waitForFunction(
      () => (document.getElementById("f-settings-port") as unknown as { value: string }).value === "2700",
    );
    assert.equal(await port(), "2700");
  });

  it("offers secrets only as env references and writes { env = ... }", async () => {
    const { page } = view;
    await page.click('#list .conn[data-name="OB_ACME_REST"]');
    await page.waitForSelector("#f-settings-token");
    assert.equal(
      await page.textContent("#f-settings-token >> xpath=../span[contains(@class,'env-badge')]"),
      "env only",
    );
    await page.click("#f-settings-token");
    await page.keyboard.type("acme_rest_token");
    await page.keyboard.press("Enter");
    const intent = await applyNextEdit();
    assert.deepEqual(intent, {
      kind: "setField",
      direction: "outbound",
      name: "OB_ACME_REST",
      path: ["settings", "token"],
      value: { env: "acme_rest_token" },
    });
    assert.match(text, /token = \{ env = "acme_rest_token" \}/);
  });

  it("adds an inbound and shows what is missing", async () => {
    const { page } = view;
    await page.click("#add-inbound");
    const intent = await applyNextEdit();
    assert.equal(intent.kind, "upsertConnection");
    await page.waitForFunction(() => document.querySelector("#form h2")?.textContent === "Inbound IB_NEW_1");
    const issues = (await page.textContent("#issues")) ?? "";
    assert.match(issues, /settings\.port is required/);
    assert.match(issues, /options\.router is required/);
    assert.equal(readConnections(text).connections.filter((c) => c.direction === "inbound").length, 2);
    await view.screenshot("connectionsEditor");
  });

  it("removes a connection and asks to show text", async () => {
    const { page } = view;
    await page.click("#show-text");
    assert.deepEqual(await view.waitForPosted("showText"), {
      type: "showText",
      line: readConnections(text).connections[1]!.line,
    });
    await page.click("#remove");
    const intent = await applyNextEdit();
    assert.deepEqual(intent, { kind: "removeConnection", direction: "inbound", name: "IB_NEW_1" });
    assert.doesNotMatch(text, /IB_NEW_1/);
  });

  it("on a cold open, keeps the first keystroke: the host's repeated messages do not rebuild the field", async () => {
    // A fresh page, as VS Code opens one: nothing to add to or type in until the host's document arrives.
    const cold = await harness.open("connectionsEditor");
    const { page } = cold;
    assert.equal(await page.textContent("#form"), "Loading connections.toml…");
    assert.equal(
      await page.$("#add-inbound"),
      null,
      "no edit before the document (it would carry version 0)",
    );
    const keys = ["acme_rest_token", "acme_adt_host"];
    await cold.send({ type: "context", envKeys: keys });
    await cold.send({ type: "document", version: 1, model: readConnections(DOC) });
    await page.click("#f-settings-port");
    await page.keyboard.press("Control+A");
    await page.evaluate(() => {
      (document.getElementById("f-settings-port") as unknown as { mark: string }).mark = "first";
    });
    await page.keyboard.type("2");
    // What a host answering `ready` (or an edit elsewhere) may send again right after the first key.
    await cold.send({ type: "context", envKeys: [...keys] });
    await cold.send({ type: "document", version: 1, model: readConnections(DOC) });
    await cold.send({ type: "document", version: 2, model: readConnections(DOC) });
    await page.keyboard.type("725");
    assert.equal(
      await page.evaluate(() => {
        const f = document.getElementById("f-settings-port") as unknown as { value: string; mark?: string };
        return `${f.mark}:${f.value}`;
      }),
      "first:2725",
      "the same field, with every key typed",
    );
    await page.keyboard.press("Enter");
    const posted = (await cold.waitForPosted("edit")) as unknown as { version: number; intent: EditIntent };
    assert.equal(posted.version, 2, "the edit carries the latest version");
    assert.deepEqual(posted.intent, {
      kind: "setField",
      direction: "inbound",
      name: "IB_ACME_ADT",
      path: ["settings", "port"],
      value: 2725,
    });
    assert.deepEqual(cold.errors, []);
  });

  it("shows a broken document's problem and disables the form", async () => {
    await view.send({ type: "document", version: ++version, model: readConnections("[[inbound]\nname=") });
    assert.match(
      (await view.page.textContent("#banner")) ?? "",
      /connections\.toml 1:\d+: .* fix the text to use the form/,
    );
    assert.equal(await view.page.evaluate(() => document.body.classList.contains("broken")), true);
    assert.deepEqual(view.errors, []);
  });
});
