/**
 * Code set files: the shared reader (messagefoundry/graph) in every format with exact rows and problems,
 * the loader's errors and defaults through a real config dir, and the traced dry run's code set lookups.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "mocha";
import { CodeSetError, loadCodeSet, loadConfig, withCodeSetTrace } from "../../src/config/index.js";
import { type CodeSetFormat, parseCsv, readCodeSetText } from "../../src/graph/index.js";
import { cleanupConfigs, writeConfig } from "./helpers.js";

/** `code=value@line` per row and `line:column message` per problem: the whole reading, exactly. */
function check(format: CodeSetFormat, text: string, rows: string[], problems: string[] = []): void {
  const r = readCodeSetText(format, text);
  assert.deepEqual(
    r.rows.map((x) => `${x.code}=${x.value}@${x.line}`),
    rows,
  );
  assert.deepEqual(
    r.problems.map((p) => `${p.line}:${p.column} ${p.message}`),
    problems,
  );
}

describe("code set files", () => {
  after(cleanupConfigs);

  describe("CSV (RFC 4180)", () => {
    it("quoted fields hold commas, doubled quotes and line breaks; CRLF and LF both end records", () => {
      const text = 'code,value\r\nH,High\r\n"A,B","say ""hi"""\r\n"N","two\r\nlines"\r\n*,Unknown\r\n';
      check("csv", text, ["H=High@2", 'A,B=say "hi"@3', "N=two\r\nlines@4", "*=Unknown@6"]);
      check("csv", "code,value\nL,Low", ["L=Low@2"]);
    });

    it("record offsets cover the record's text without its line break", () => {
      const text = 'code,value\n"x\ny",1\nz,2\n';
      const { records, problems } = parseCsv(text);
      assert.deepEqual(problems, []);
      assert.deepEqual(
        records.map((r) => [r.fields, text.slice(r.start, r.end), r.line]),
        [
          [["code", "value"], "code,value", 1],
          [["x\ny", "1"], '"x\ny",1', 2],
          [["z", "2"], "z,2", 4],
        ],
      );
    });

    it("spaces are part of a field; an empty value is allowed", () => {
      check("csv", "code,value\nF, female\nU,\n", ["F= female@2", "U=@3"]);
    });

    it("the header must be code,value", () => {
      check(
        "csv",
        "from,to\nF,female\n",
        [],
        ['1:1 the first line must be the header code,value (found "from,to")'],
      );
      check("csv", "", [], ["1:1 the file is empty: start it with the header line code,value"]);
    });

    it("a row with other than two fields, a stray quote, an unclosed quote: positioned, with the fix", () => {
      check(
        "csv",
        'code,value\nA,1,2\nB,x"y\n',
        ['B=x"y@3'],
        [
          "2:1 a row needs exactly two fields, code and value (found 3): put a field that holds a comma in double quotes",
          '3:4 a quote inside an unquoted field: put the field in quotes and double the quote ("")',
        ],
      );
      check(
        "csv",
        'code,value\nA,"open\n',
        ["A=open\n@2"],
        ['2:3 a quoted field is never closed: add the closing " (write a quote inside as "")'],
      );
    });

    it("a duplicate code is an error at the later row, naming the first", () => {
      check(
        "csv",
        "code,value\nF,female\nM,male\nF,woman\n",
        ["F=female@2", "M=male@3", "F=woman@4"],
        ['4:1 code "F" appears twice (first at line 2): keep one row — each code maps to one value'],
      );
      check(
        "csv",
        "code,value\n*,a\n*,b\n",
        ["*=a@2", "*=b@3"],
        [
          "3:1 the default row (code *) appears twice (first at line 2): keep one row — each code maps to one value",
        ],
      );
    });
  });

  describe("JSON", () => {
    it("one flat object, keys in order, numbers and booleans as text", () => {
      check("json", '{\n  "H": "High",\n  "n": 1.5,\n  "b": true,\n  "*": "Other"\n}\n', [
        "H=High@2",
        "n=1.5@3",
        "b=true@4",
        "*=Other@5",
      ]);
      check("json", "{}", []);
    });

    it("a duplicate key is an error (JSON.parse would keep the later one silently)", () => {
      check(
        "json",
        '{\n  "H": "High",\n  "H": "Hi"\n}',
        ["H=High@2", "H=Hi@3"],
        ['3:1 code "H" appears twice (first at line 2): keep one row — each code maps to one value'],
      );
    });

    it("nested values and syntax errors are positioned", () => {
      check(
        "json",
        '{ "H": {"x": 1} }',
        [],
        ['1:8 the value of "H" must be text (in double quotes), a number or true/false'],
      );
      check(
        "json",
        '["H"]',
        [],
        ['1:1 a JSON code set is one object of codes to values, e.g. { "H": "High" }'],
      );
      check("json", '{ "H": "High" "L": "Low" }', [], ['1:15 expected "," or "}" after a value']);
    });
  });

  describe("TOML", () => {
    it("code = value lines, comments, quoted keys and the default row", () => {
      check("toml", '# flags\nH = "High"\n"A B" = "x"\n\'lit\' = 2\n"*" = "Unknown"\n', [
        "H=High@2",
        "A B=x@3",
        "lit=2@4",
        "*=Unknown@5",
      ]);
    });

    it("a duplicate key names both lines; tables are refused", () => {
      check(
        "toml",
        'H = "High"\nL = "Low"\nH = "Hi"\n',
        [],
        ['3:1 code "H" appears twice (first at line 1): keep one row — each code maps to one value'],
      );
      check(
        "toml",
        'H = "High"\n[default]\nvalue = "x"\n',
        [],
        ['2:1 a code set is flat: write code = "value" lines, not tables ([default])'],
      );
    });

    it("a syntax error keeps the TOML parser's position", () => {
      const r = readCodeSetText("toml", 'H = "High\n');
      assert.equal(r.problems.length, 1);
      assert.equal(r.problems[0]?.line, 1);
      assert.deepEqual(r.rows, []);
    });
  });

  describe("the loader", () => {
    it("maps through the table, then the caller's fallback, then the default row, then the code", () => {
      const dir = writeConfig({ "codesets/sex.csv": "code,value\nF,female\nM,male\n*,unknown\n" });
      const cs = loadCodeSet(dir, "sex");
      assert.equal(cs.size, 2);
      assert.equal(cs.default, "unknown");
      assert.deepEqual(cs.entries(), [
        ["F", "female"],
        ["M", "male"],
      ]);
      assert.equal(cs.map("F"), "female");
      assert.equal(cs.map("X"), "unknown");
      assert.equal(cs.map("X", "other"), "other");
      assert.equal(cs.get("X"), undefined);
      assert.equal(cs.has("*"), false);
      const plain = loadCodeSet(writeConfig({ "codesets/f.json": '{"H":"High"}' }), "f");
      assert.equal(plain.default, undefined);
      assert.equal(plain.map("Q"), "Q");
    });

    it("a file with a duplicate code does not load: the error names file, line and the fix", () => {
      const dir = writeConfig({ "codesets/flags.toml": 'H = "High"\nH = "Hi"\n' });
      assert.throws(
        () => loadCodeSet(dir, "flags"),
        (e: unknown) =>
          e instanceof CodeSetError &&
          e.message ===
            'codesets/flags.toml:2: code "H" appears twice (first at line 1): keep one row — each code maps to one value',
      );
    });

    it("validate reports a broken code set file at its line even when no module uses it", async () => {
      const dir = writeConfig({
        "environments/dev.toml": "",
        "codesets/unused.csv": "code,value\nA,1\nA,2\n",
        "codesets/good.json": '{"A": "1"}',
      });
      const r = await loadConfig(dir, { env: "dev" });
      assert.deepEqual(
        r.problems.map((p) => `${p.code} ${p.location.file}:${p.location.line} ${p.message}`),
        [
          'MF-CODESET codesets/unused.csv:3 codesets/unused.csv: code "A" appears twice (first at line 2): keep one row — each code maps to one value',
        ],
      );
    });

    it("while traced, every lookup is reported with where its value came from", async () => {
      const cs = loadCodeSet(writeConfig({ "codesets/s.json": '{"F":"female","*":"unknown"}' }), "s");
      const seen: unknown[] = [];
      await withCodeSetTrace(
        (e) => seen.push(e),
        async () => {
          cs.map("F");
          await Promise.resolve();
          cs.map("Z");
          cs.map("Z", "fb");
          cs.get("Q");
        },
      );
      cs.map("F"); // outside: not reported
      assert.deepEqual(seen, [
        { codeSet: "s", code: "F", value: "female", source: "table" },
        { codeSet: "s", code: "Z", value: "unknown", source: "default" },
        { codeSet: "s", code: "Z", value: "fb", source: "fallback" },
        { codeSet: "s", code: "Q", value: undefined, source: "none" },
      ]);
    });
  });
});
