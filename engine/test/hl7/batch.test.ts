import assert from "node:assert/strict";
import { parseBatch, parseBatchFile } from "messagefoundry/hl7";
import { describe, it } from "mocha";
import { ADT_A01 } from "./fixtures.js";

const msg = (id: string) => ADT_A01.replace("MSG00001", id);

describe("hl7 batches and concatenated files", () => {
  it("splits an FHS/BHS/BTS/FTS batch into its messages and envelope", () => {
    const file = `FHS|^~\\&|APP\rBHS|^~\\&|APP\r${msg("A1")}${msg("A2")}BTS|2\rFTS|1\r`;
    const r = parseBatchFile(file);
    assert.deepEqual(
      r.messages.map((m) => m.controlId),
      ["A1", "A2"],
    );
    assert.deepEqual(
      r.envelope.map((s) => s.name),
      ["FHS", "BHS", "BTS", "FTS"],
    );
    assert.equal(r.envelope[2]?.get("1"), "2");
    assert.deepEqual(r.issues, []);
    // Each message's segments stop before the envelope trailer.
    assert.deepEqual(
      r.messages[1]?.segments().map((s) => s.name),
      ["MSH", "EVN", "PID", "PV1", "ZPI"],
    );
    assert.equal(r.messages[1]?.encode(), msg("A2"));
  });

  it("splits a plain concatenated file with LF line ends", () => {
    const file = [msg("B1"), msg("B2"), msg("B3")].join("").replaceAll("\r", "\n");
    assert.deepEqual(
      parseBatch(file).map((m) => [m.controlId, m.get("PID-5.1")]),
      [
        ["B1", "TEST"],
        ["B2", "TEST"],
        ["B3", "TEST"],
      ],
    );
  });

  it("reports stray text between messages and returns [] when there are none", () => {
    const r = parseBatchFile(`junk line\r${msg("C1")}`);
    assert.equal(r.messages.length, 1);
    assert.deepEqual(
      r.issues.map((i) => [i.code, i.start, i.end]),
      [["HL7_TEXT_OUTSIDE_MESSAGE", 0, 9]],
    );
    assert.deepEqual(parseBatch(""), []);
    assert.deepEqual(parseBatch("FHS|^~\\&\rFTS|0\r"), []);
  });
});
