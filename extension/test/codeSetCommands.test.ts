/** The pure parts of New / Rename / Delete Code Set: starter texts, name checks, the "still used" warning. */
import assert from "node:assert/strict";
import { readCodeSetText } from "messagefoundry/graph";
import { describe, it } from "mocha";
import { codeSetNameProblem, deleteWarning, newCodeSetText } from "../src/codesets/model.js";

describe("code set commands (pure parts)", () => {
  it("a new code set in every format is an empty table the shared reader accepts", () => {
    for (const format of ["toml", "csv", "json"] as const) {
      const r = readCodeSetText(format, newCodeSetText("flags", format));
      assert.deepEqual([format, r.rows, r.problems], [format, [], []]);
    }
    assert.equal(newCodeSetText("x", "csv"), "code,value\n");
  });

  it("a name must be a file name and free in every format", () => {
    const existing = ["sex.csv", "flags.toml"];
    assert.equal(codeSetNameProblem("", existing), "Give the code set a name, e.g. abnormal_flags.");
    assert.equal(
      codeSetNameProblem("a/b", existing),
      "Use letters, digits, _ . and - only (it becomes the file name).",
    );
    assert.equal(codeSetNameProblem("sex", existing), "codesets/sex.csv already exists.");
    assert.equal(codeSetNameProblem("sex2", existing), undefined);
  });

  it("deleting a used code set warns with where it is used", () => {
    assert.equal(deleteWarning("sex", []), undefined);
    assert.equal(
      deleteWarning("sex", [
        { file: "adt.ts", line: 3 },
        { file: "oru.ts", line: 9 },
      ]),
      'Code set "sex" is used in 2 places (adt.ts:3, oru.ts:9). The config will not load until those codeSet() calls are changed. Delete it anyway?',
    );
  });
});
