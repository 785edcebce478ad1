import assert from "node:assert/strict";
import { DEFAULT_SEPARATORS, escapeValue, parse, unescapeValue } from "messagefoundry/hl7";
import { describe, it } from "mocha";

const sep = DEFAULT_SEPARATORS;

describe("hl7 escape sequences", () => {
  const cases: [string, string][] = [
    ["\\F\\", "|"],
    ["\\S\\", "^"],
    ["\\T\\", "&"],
    ["\\R\\", "~"],
    ["\\E\\", "\\"],
    ["a\\X0D0A\\b", "a\r\nb"],
    ["\\X414243\\", "ABC"],
    ["line1\\.br\\line2", "line1\rline2"],
    ["\\H\\bold\\N\\", "\\H\\bold\\N\\"],
    ["\\Zcustom\\", "\\Zcustom\\"],
    ["\\X4\\", "\\X4\\"],
    ["dangling \\", "dangling \\"],
    ["plain", "plain"],
  ];
  for (const [raw, plain] of cases) {
    it(`unescapes ${JSON.stringify(raw)}`, () => assert.equal(unescapeValue(raw, sep), plain));
  }

  it("escapes every separator and line breaks", () => {
    assert.equal(escapeValue("a|b^c&d~e\\f", sep), "a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f");
    assert.equal(escapeValue("x\r\ny\nz", sep), "x\\.br\\y\\.br\\z");
  });

  it("uses the message's escape character (#)", () => {
    const m = parse("MSH|^~#&|A\rNTE|1||a#F#b#.br#c#E#\r");
    assert.equal(m.get("NTE-3"), "a|b\rc#");
    m.set("NTE-3", "x#y");
    assert.equal(m.segments("NTE")[0]?.field(3), "x#E#y");
  });
});
