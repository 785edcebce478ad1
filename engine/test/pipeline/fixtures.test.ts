/** Which files under a config's tests/ are fixture specs (what `check` and the Test Bench run). */
import assert from "node:assert/strict";
import { join } from "node:path";
import { findFixtures } from "../../src/pipeline/index.js";
import { writeConfig } from "../config/helpers.js";

describe("fixture discovery", () => {
  it("takes every .json under tests/ and its subfolders, but no payload under an expected/ folder", () => {
    const dir = writeConfig({
      "tests/a.json": "{}",
      "tests/group/b.json": "{}",
      "tests/expected/a.OB_DB.json": '{ "statement": "insert_adt" }',
      "tests/expected/a.OB_EMR.hl7": "MSH|^~\\\\&|",
      "tests/group/expected/b.OB_REST.json": "{}",
    });
    assert.deepEqual(
      findFixtures(dir).map((f) => f.slice(join(dir, "tests").length + 1)),
      ["a.json", join("group", "b.json")],
    );
  });
});
