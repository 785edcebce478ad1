/** Grid edits → text edits for code sets in every format, with exact resulting texts. */
import assert from "node:assert/strict";
import { readCodeSetText } from "messagefoundry/graph";
import { describe, it } from "mocha";
import {
  applyCodeSetIntent,
  applyCodeSetIntentToText,
  CodeSetEditError,
  codeSetOfPath,
  csvField,
  readCodeSetDocument,
} from "../src/model/codeset-table.js";
import type { CodeSetIntent } from "../src/protocol/codeSetEditor.js";

const TOML = `# HL7 table 0078
H = "High"   # above range
L = "Low"

"*" = "Other"
`;

const CSV = 'code,value\r\nF,female\r\n"A,B","say ""hi"""\r\n*,unknown\r\n';

const JSON_TEXT = '{\n    "H": "High",\n    "n": 1\n}\n';

/** Every edit must leave a file the shared reader reads without problems. */
function edit(format: "toml" | "csv" | "json", text: string, intent: CodeSetIntent): string {
  const out = applyCodeSetIntentToText(format, text, intent);
  assert.deepEqual(readCodeSetText(format, out).problems, []);
  return out;
}

describe("code set table model", () => {
  it("reads the grid: rows apart from the default row, with lines", () => {
    assert.deepEqual(readCodeSetDocument("flags", "toml", TOML), {
      name: "flags",
      format: "toml",
      rows: [
        { code: "H", value: "High", line: 2 },
        { code: "L", value: "Low", line: 3 },
      ],
      default: { value: "Other", line: 5 },
      problems: [],
    });
    assert.deepEqual(codeSetOfPath("/x/codesets/sex.csv"), { name: "sex", format: "csv" });
    assert.equal(codeSetOfPath("/x/connections.toml.bak"), undefined);
  });

  describe("TOML: comments and layout stay", () => {
    it("edit a value keeps the row's trailing comment; rename a code in place", () => {
      assert.equal(
        edit("toml", TOML, { kind: "editRow", code: "H", newCode: "H", value: "Above range" }),
        TOML.replace('H = "High"   # above range', 'H = "Above range"   # above range'),
      );
      assert.equal(
        edit("toml", TOML, { kind: "editRow", code: "L", newCode: "L L", value: 'say "lo"' }),
        TOML.replace('L = "Low"', '"L L" = "say \\"lo\\""'),
      );
    });

    it("add appends a line; delete removes the line; the default row is set, changed, removed", () => {
      assert.equal(
        edit("toml", TOML, { kind: "addRow", code: "HH", value: "Critically high" }),
        `${TOML}HH = "Critically high"\n`,
      );
      assert.equal(edit("toml", TOML, { kind: "deleteRow", code: "L" }), TOML.replace('L = "Low"\n', ""));
      assert.equal(
        edit("toml", TOML, { kind: "setDefault", value: "Unlisted" }),
        TOML.replace('"Other"', '"Unlisted"'),
      );
      assert.equal(
        edit("toml", TOML, { kind: "setDefault", value: null }),
        TOML.replace('"*" = "Other"\n', ""),
      );
      assert.equal(edit("toml", 'H = "High"', { kind: "setDefault", value: "x" }), 'H = "High"\n"*" = "x"\n');
    });

    it("one minimal replacement for the host's WorkspaceEdit", () => {
      assert.deepEqual(
        applyCodeSetIntent("toml", TOML, { kind: "editRow", code: "H", newCode: "H", value: "Hi" }),
        {
          start: TOML.indexOf('gh"   #'),
          end: TOML.indexOf('"   #'),
          newText: "",
        },
      );
    });
  });

  describe("CSV (RFC 4180)", () => {
    it("quotes only fields that need it, keeps CRLF and the exact text of untouched rows", () => {
      assert.equal(
        edit("csv", CSV, { kind: "addRow", code: "M", value: 'm,"x"\nline' }),
        `${CSV}M,"m,""x""\nline"\r\n`,
      );
      assert.equal(
        edit("csv", CSV, { kind: "editRow", code: "F", newCode: "W", value: "woman" }),
        CSV.replace("F,female", "W,woman"),
      );
      assert.equal(
        edit("csv", CSV, { kind: "deleteRow", code: "A,B" }),
        "code,value\r\nF,female\r\n*,unknown\r\n",
      );
      assert.equal(edit("csv", CSV, { kind: "setDefault", value: "?" }), CSV.replace("*,unknown", "*,?"));
      assert.equal(csvField(" a "), " a ");
      assert.equal(csvField("a\rb"), '"a\rb"');
    });

    it("a file without a final line break gets one", () => {
      assert.equal(
        edit("csv", "code,value\nF,female", { kind: "addRow", code: "M", value: "male" }),
        "code,value\nF,female\nM,male\n",
      );
    });
  });

  describe("JSON", () => {
    it("keeps untouched entries and the indentation", () => {
      assert.equal(
        edit("json", JSON_TEXT, { kind: "setDefault", value: "x" }),
        '{\n    "H": "High",\n    "n": 1,\n    "*": "x"\n}\n',
      );
      assert.equal(edit("json", JSON_TEXT, { kind: "deleteRow", code: "H" }), '{\n    "n": 1\n}\n');
      assert.equal(
        edit("json", JSON_TEXT, { kind: "editRow", code: "n", newCode: "n", value: "one" }),
        '{\n    "H": "High",\n    "n": "one"\n}\n',
      );
      assert.equal(edit("json", "{}", { kind: "addRow", code: "a", value: "b" }), '{\n  "a": "b"\n}\n');
      assert.equal(edit("json", '{"a": "b"}', { kind: "deleteRow", code: "a" }), "{}\n");
    });
  });

  it("refuses a duplicate code, the reserved *, a missing row and a broken file — naming the fix", () => {
    const refused = (format: "toml" | "csv" | "json", text: string, intent: CodeSetIntent, message: string) =>
      assert.throws(
        () => applyCodeSetIntentToText(format, text, intent),
        (e: unknown) => e instanceof CodeSetEditError && e.message === message,
      );
    refused(
      "toml",
      TOML,
      { kind: "addRow", code: "H", value: "x" },
      'The code "H" is already in the table: each code maps to one value.',
    );
    refused(
      "csv",
      CSV,
      { kind: "editRow", code: "F", newCode: "A,B", value: "x" },
      'The code "A,B" is already in the table: each code maps to one value.',
    );
    refused(
      "json",
      JSON_TEXT,
      { kind: "addRow", code: "*", value: "x" },
      'The code * is the default row: set it with "Default value" instead.',
    );
    refused("json", JSON_TEXT, { kind: "addRow", code: "", value: "x" }, "A row needs a code.");
    refused("toml", TOML, { kind: "deleteRow", code: "Q" }, 'No row with the code "Q".');
    refused(
      "json",
      '{"a": "1", "a": "2"}',
      { kind: "addRow", code: "b", value: "x" },
      'The file has a problem at line 1: code "a" appears twice (first at line 1): keep one row — each code maps to one value. Fix it in the text editor first.',
    );
    refused(
      "toml",
      'M = """\nx\n"""\n',
      { kind: "editRow", code: "M", newCode: "M", value: "y" },
      "This row's value spans several lines: edit it in the text editor.",
    );
  });
});
