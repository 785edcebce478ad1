import assert from "node:assert/strict";
import { parse, peekMsh } from "messagefoundry/hl7";
import { describe, it } from "mocha";
import { ADT_A01, ODD_SEPARATORS } from "./fixtures.js";

describe("hl7 peekMsh (header fields without a parse)", () => {
  it("reads the same MSH fields and components as a full parse, from text and from bytes", () => {
    for (const text of [ADT_A01, ODD_SEPARATORS]) {
      const m = parse(text);
      const bytes = Buffer.from(text, "latin1");
      for (const path of ["MSH-1", "MSH-2", "MSH-3", "MSH-9", "MSH-9.1", "MSH-9.2", "MSH-10", "MSH-12"]) {
        const [field, component] = path.slice(4).split(".").map(Number) as [number, number | undefined];
        assert.equal(peekMsh(text, field, component), m.get(path), `${path} from text`);
        assert.equal(peekMsh(bytes, field, component), m.get(path), `${path} from bytes`);
      }
    }
  });

  it("reads separators from the MSH itself", () => {
    assert.equal(peekMsh(ODD_SEPARATORS, 9, 2), "R01");
    assert.equal(peekMsh("MSH#^~\\&#A#B#C#D#E##ORU^R01#42", 10), "42");
  });

  it("skips leading line breaks and spaces, and stops at the end of the MSH line", () => {
    assert.equal(peekMsh("\r\n  MSH|^~\\&|A|B|C|D|E||ADT^A08|X9|P", 10), "X9");
    assert.equal(peekMsh("MSH|^~\\&|A|B|C|D|E||ADT\rPID|1|2|3", 10), undefined);
    assert.equal(peekMsh("MSH|^~\\&|A|B|C|D|E||ADT^A08|\rPID", 10), "");
  });

  it("tells absent (undefined) from empty, and refuses what is not an MSH", () => {
    assert.equal(peekMsh("MSH|^~\\&|A|B|C|D|E||ACK|1", 9, 2), undefined);
    assert.equal(peekMsh("MSH|^~\\&|A|B|C|D|E||ADT^|1", 9, 2), "");
    assert.equal(peekMsh("MSH|^~\\&|A|B|C|D|E||ADT^A01~X^Y|1", 9, 3), undefined);
    assert.equal(peekMsh("PID|1", 1), undefined);
    assert.equal(peekMsh("", 10), undefined);
    assert.equal(peekMsh(new Uint8Array([0x4d, 0x53]), 1), undefined);
    assert.equal(peekMsh('{"json": true}', 10), undefined);
  });
});
