import assert from "node:assert/strict";
import { charsetFor, decodeHl7Bytes, encodeHl7Text, parse } from "messagefoundry/hl7";
import { describe, it } from "mocha";

function header(msh18: string): string {
  return `MSH|^~\\&|A|B|C|D|20240101||ADT^A01|1|P|2.5||||||${msh18}\r`;
}

describe("hl7 charset per MSH-18", () => {
  it("defaults to UTF-8", () => {
    const text = `${header("")}PID|1||||TEST^RENÉ\r`;
    assert.equal(decodeHl7Bytes(Buffer.from(text, "utf8")), text);
    const utf8 = `${header("UNICODE UTF-8")}PID|1||||TEST^雪\r`;
    assert.equal(decodeHl7Bytes(Buffer.from(utf8, "utf8")), utf8);
  });

  it("decodes Latin-1 when MSH-18 says 8859/1", () => {
    const text = `${header("8859/1")}PID|1||||TEST^RENÉ\r`;
    const bytes = Buffer.from(text, "latin1");
    assert.equal(bytes.includes(0xc9), true);
    const decoded = decodeHl7Bytes(bytes);
    assert.equal(parse(decoded).get("PID-5.2"), "RENÉ");
    assert.deepEqual(encodeHl7Text(decoded), bytes);
  });

  it("trusts the declared charset even when the bytes would also be valid UTF-8", () => {
    const bytes = Buffer.from(`${header("8859/1")}PID|1||||\u00c3\u00a9\r`, "latin1"); // C3 A9 is UTF-8 for é
    assert.equal(parse(decodeHl7Bytes(bytes)).get("PID-5"), "\u00c3\u00a9");
    const undeclared = Buffer.from(`${header("")}PID|1||||\u00e9\r`, "utf8");
    assert.equal(parse(decodeHl7Bytes(undeclared)).get("PID-5"), "\u00e9");
  });

  it("reads only the first repetition of MSH-18 and honours odd separators", () => {
    const text = "MSH|*!\\&|A|B|C|D|20240101||ADT*A01|1|P|2.5||||||8859/1!UNICODE UTF-8\rPID|1||||Ã©\r";
    assert.equal(decodeHl7Bytes(Buffer.from(text, "latin1")), text);
  });

  it("falls back to Latin-1 for undeclared non-UTF-8 bytes instead of losing them", () => {
    const bytes = Buffer.from(`${header("")}PID|1||||\u00e9\r`, "latin1");
    assert.equal(decodeHl7Bytes(bytes).includes("é"), true);
  });

  it("maps table 0211 names", () => {
    assert.equal(charsetFor("8859/15"), "iso-8859-15");
    assert.equal(charsetFor("ascii"), "utf-8");
    assert.equal(charsetFor("EBCDIC"), undefined);
  });
});
