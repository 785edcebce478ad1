import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "mocha";
import { CONNECTIONS_EDITOR_VIEW_TYPE, howToOpen } from "../src/wizard/model.js";

const toml = "file:///ws/config/connections.toml";
const module = "file:///ws/config/routes/lab.ts";

describe("wizard: how a written file is shown (one tab per file)", () => {
  it("opens connections.toml in its visual editor, a module as text", () => {
    assert.deepEqual(howToOpen(toml, []), { kind: "openWith", viewType: CONNECTIONS_EDITOR_VIEW_TYPE });
    assert.deepEqual(howToOpen(module, []), { kind: "text" });
    assert.deepEqual(howToOpen("file:///ws/config/not-connections.toml", []), { kind: "text" });
  });

  it("reveals the tab that already shows the file, whichever editor it is", () => {
    assert.deepEqual(howToOpen(toml, [{ uri: toml, kind: "text" }]), { kind: "text" });
    assert.deepEqual(
      howToOpen(toml, [
        { uri: module, kind: "text" },
        { uri: toml, kind: "custom", viewType: CONNECTIONS_EDITOR_VIEW_TYPE },
      ]),
      { kind: "openWith", viewType: CONNECTIONS_EDITOR_VIEW_TYPE },
    );
    // Another config's connections.toml being open changes nothing for this one.
    assert.deepEqual(howToOpen(toml, [{ uri: "file:///other/connections.toml", kind: "text" }]), {
      kind: "openWith",
      viewType: CONNECTIONS_EDITOR_VIEW_TYPE,
    });
  });

  it("names the custom editor the manifest contributes for connections.toml", () => {
    const manifest = JSON.parse(readFileSync("package.json", "utf8")) as {
      contributes: { customEditors: { viewType: string; selector: { filenamePattern: string }[] }[] };
    };
    const editor = manifest.contributes.customEditors.find(
      (e) => e.viewType === CONNECTIONS_EDITOR_VIEW_TYPE,
    );
    assert.ok(editor, "package.json contributes the view type the wizard opens");
    assert.ok(editor.selector.some((s) => s.filenamePattern.endsWith("connections.toml")));
  });
});
