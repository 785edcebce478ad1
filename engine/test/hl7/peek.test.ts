import assert from "node:assert/strict";
import fc from "fast-check";
import { parse, peekMsa, peekMsh } from "messagefoundry/hl7";
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

describe("hl7 peekMsa (an ACK's MSA-1 and MSA-2 without a parse)", () => {
  const msa = (text: string) => {
    const m = parse(text);
    return { code: m.get("MSA-1"), controlId: m.get("MSA-2") };
  };
  const bytes = (text: string) => Buffer.from(text, "latin1");

  it("reads what a full parse reads from plain ACKs, separators from the MSH", () => {
    for (const text of [
      "MSH|^~\\&|SINK|F|ENG|F|20260101||ACK^A01^ACK|A1|P|2.5.1\rMSA|AA|CTRL42\r",
      "MSH|^~\\&|SINK|F|ENG|F|20260101||ACK|A1|P|2.3\r\nMSA|AE|X9|text here\r\nERR|1\r\n",
      "\r\n MSH#^~\\&#S#F#E#F#1##ACK#A2#P#2.4\rMSA#CA#77\r",
      "MSH|^~\\&|S|F|E|F|1||ACK|A3|P|2.4\rMSA|AR\r",
      "MSH|^~\\&|S|F|E|F|1||ACK|A4|P|2.4\rMSA|AA|\r",
      "MSH|^~\\&|S|F|E|F|1||ACK|A5|P|2.4\rMSA||\r",
      "MSH|^~\\&|S|F|E|F|1||ACK|A6|P|2.4\rMSA|AA~AE|ID1~ID2\r",
      "MSH|^~\\&|S|F|E|F|1||ACK|A7|P|2.4\rERR|1\rMSA| aa |  C1 \r",
      'MSH|^~\\&|S|F|E|F|1||ACK|A8|P|2.4\rMSA|AA|""\r',
    ]) {
      assert.deepEqual(peekMsa(bytes(text)), msa(text), JSON.stringify(text));
    }
  });

  it("leaves to the parse what a byte read could get wrong", () => {
    for (const text of [
      "MSH|^~\\&|S|F|E|F|1||ACK|B1|P|2.4\rMSA|AA|ID\\F\\1\r", // an escape sequence
      "MSH|^~\\&|S|F|E|F|1||ACK|B2|P|2.4\rMSA|AA|ID^2\r", // components
      "MSH|^~\\&|S|F|E|F|1||ACK|B3|P|2.4\rMSA|AA|ID&3\r", // subcomponents
      "MSH|^~\\&|S|F|E|F|1||ACK|B4|P|2.4|||||8859/1\rMSA|AA|Ä4\r", // not ASCII
      "MSH|^~\\&|S|F|E|F|1||ACK|B5|P|2.4\rPID|1\r", // no MSA
      "MSH|^~\\&|S|F|E|F|1||ACK|B6|P\rMSH|^~\\&|S|F|E|F|1||ACK|B7|P\rMSA|AA|B7\r", // MSA of a second message
      "MSH|^~\\&|S|F|E|F|1||ACK|B8|P\rMSA\r", // an MSA without fields
      "MSH|^~\r", // MSH-2 cut short
      "xMSH|^~\\&|S|F|E|F|1||ACK|B9|P\rMSA|AA|B9\r", // text before the MSH
      "",
    ]) {
      assert.equal(peekMsa(bytes(text)), undefined, JSON.stringify(text));
    }
  });

  it("leaves a reply whose first MSA line has no fields to the full parse", () => {
    assert.equal(peekMsa(bytes("MSH|^~\\&|S|F|E|F|1||ACK|G1|P|2.5\rMSA\nMSA|AA|C1")), undefined);
  });

  it("never disagrees with a full parse on generated replies", () => {
    const part = fc.constantFrom(
      "AA",
      "AE",
      "",
      " ",
      "C1",
      "~",
      "^",
      "&",
      "\\",
      "|",
      "\r",
      "\n",
      '""',
      "Ä",
      "MSA",
      "MSH",
    );
    fc.assert(
      fc.property(fc.array(part, { maxLength: 12 }), (parts) => {
        const text = `MSH|^~\\&|S|F|E|F|1||ACK|G1|P|2.5\r${parts.join("")}`;
        const peeked = peekMsa(bytes(text));
        if (peeked !== undefined) assert.deepEqual(peeked, msa(text));
      }),
      { numRuns: 2000 },
    );
  });
});
