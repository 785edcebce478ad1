import assert from "node:assert/strict";
import fc from "fast-check";
import { buildAck, buildAckText, buildNakFromBytes, Hl7EditError, parse } from "messagefoundry/hl7";
import { describe, it } from "mocha";
import { ADT_A01, ODD_SEPARATORS } from "./fixtures.js";

const at = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));

describe("hl7 ACK builder", () => {
  it("builds an original-mode AA: swapped apps, MSA from MSH-10, version echoed", () => {
    const ack = buildAck(parse(ADT_A01), { code: "AA", controlId: "ACK1", timestamp: at });
    assert.equal(
      ack.encode(),
      "MSH|^~\\&|RECVAPP|RECVFAC|SENDAPP|SENDFAC|20240102030405+0000||ACK^A01^ACK|ACK1|P|2.5.1\rMSA|AA|MSG00001\r",
    );
    assert.equal(ack.messageType, "ACK^A01");
  });

  it("adds an ERR with the error location (v2.5+: ERR-2/3/4)", () => {
    const ack = buildAck(parse(ADT_A01), {
      code: "AE",
      text: "Patient id missing",
      error: { location: "PID-3[2].1", code: "101", message: "Required field missing" },
      controlId: "ACK2",
      timestamp: at,
    });
    assert.equal(ack.get("MSA-1"), "AE");
    assert.equal(ack.get("MSA-3"), "Patient id missing");
    assert.equal(ack.segments("ERR")[0]?.encode(), "ERR||PID^1^3^2^1|101^Required field missing^HL70357|E");
  });

  it("uses ERR-1 for versions before 2.5 and the inbound's own separators", () => {
    const ack = buildAck(parse(ODD_SEPARATORS), {
      code: "AR",
      error: { location: "OBX-5", message: "bad * value" },
      controlId: "ACK3",
      timestamp: at,
    });
    const out = ack.encode();
    assert.ok(
      out.startsWith(
        "MSH|*~#&|RECVAPP|RECVFAC|SENDAPP|SENDFAC|20240102030405+0000||ACK*R01*ACK|ACK3|P|2.4\r",
      ),
    );
    assert.equal(ack.segments("ERR")[0]?.encode(), "ERR|OBX*1*5*207&bad #S# value&HL70357");
    assert.equal(ack.get("ERR-1.4.2"), "bad * value");
  });

  it("builds enhanced-mode accept ACKs and refuses C* codes in original mode", () => {
    for (const code of ["CA", "CE", "CR"] as const) {
      assert.equal(buildAck(parse(ADT_A01), { code }).get("MSA-1"), code);
    }
    assert.equal(buildAck(parse(ADT_A01), { code: "AA", mode: "enhanced" }).get("MSA-1"), "AA");
    assert.throws(() => buildAck(parse(ADT_A01), { code: "CA", mode: "original" }), Hl7EditError);
  });

  it("answers old versions with a plain ACK message type", () => {
    const m = parse("MSH|^~\\&|A|B|C|D|20240101||ADT^A01|X9|P|2.2\r");
    const ack = buildAck(m, { code: "AA", controlId: "K", timestamp: at });
    assert.equal(ack.get("MSH-9"), "ACK");
    assert.equal(ack.get("MSH-7"), "20240102030405");
    assert.equal(ack.get("MSA-2"), "X9");
  });

  it("gives each ACK a fresh control id by default", () => {
    const m = parse(ADT_A01);
    assert.notEqual(buildAck(m, { code: "AA" }).controlId, buildAck(m, { code: "AA" }).controlId);
  });

  it("builds a best-effort NAK from unreadable input", () => {
    const nak = parse(
      buildNakFromBytes("garbage \u0000 bytes", { text: "no MSH", timestamp: at, controlId: "N1" }),
    );
    assert.equal(nak.get("MSA-1"), "AR");
    assert.equal(nak.get("MSA-2"), ""); // no control id could be read
    assert.equal(nak.get("MSA-3"), "no MSH");
    assert.equal(nak.version, "2.5");
    const partial = parse(
      buildNakFromBytes("MSH|^~\\&|APP|FAC|||||ADT^A01|C77|P|2.3\rPID|broken", { code: "AE" }),
    );
    assert.equal(partial.get("MSA-2"), "C77");
    assert.equal(partial.get("MSH-5"), "APP");
    assert.equal(partial.version, "2.3");
  });
});

describe("hl7 buildAckText (the common ACK written directly)", () => {
  const general = (text: string, code: "AA" | "CA" | "AE", controlId = "ACK1") =>
    buildAck(parse(text), { code, controlId, timestamp: at }).encode();
  const direct = (text: string, code: "AA" | "CA" | "AE", controlId = "ACK1") =>
    buildAckText(parse(text), { code, controlId, timestamp: at });

  it("writes what buildAck encodes, for the fixtures and the header shapes intake meets", () => {
    for (const text of [
      ADT_A01,
      ODD_SEPARATORS,
      "MSH|^~\\&|A|B|C|D|x||ADT^A01^ADT_A01|C1|P|2.5.1|||||||UNICODE UTF-8\rPID|1",
      "MSH|^~\\&|A|B|C|D|x||ADT^A01|C2|P|2.3\rPID|1",
      "MSH|^~\\&|A|B|C|D|x||ADT^A01|C3|P|2.2\rPID|1",
      "MSH|^~\\&#|A^X|B|C|D|x||ADT|C4|P|2.2\r",
      "MSH|^~\\&|||||x||ADT^A04|C5\r",
      "MSH|^~\\&|A|B|C|D|x||ADT^A04\r",
      "MSH|^~\\&|A|B|C|D|x||ADT^A\\T\\1|C6|P|2.5\r", // an escape in the trigger: the general builder
      "MSH|^~\\&|A|B|C|D|x||ADT^A01|C7|P|2.5^USA~X|||||||8859/1\r",
    ]) {
      for (const code of ["AA", "CA", "AE"] as const) {
        assert.equal(direct(text, code), general(text, code), `${code} ${JSON.stringify(text)}`);
      }
    }
  });

  it("gives a fresh MSH-10 when none is asked for, and the asked one escaped like buildAck", () => {
    const a = buildAckText(parse(ADT_A01), { code: "AA", timestamp: at });
    const b = buildAckText(parse(ADT_A01), { code: "AA", timestamp: at });
    assert.notEqual(parse(a).get("MSH-10"), parse(b).get("MSH-10"));
    assert.equal(direct(ADT_A01, "AA", "ID^1"), general(ADT_A01, "AA", "ID^1"));
  });

  it("never differs from buildAck on generated headers", () => {
    const value = fc.constantFrom(
      "",
      "A",
      "APP^FAC",
      "X~Y",
      "A&B",
      "\\E\\",
      "2.5",
      "2.3.1",
      "2.1",
      "UNICODE UTF-8",
    );
    const version = fc.constantFrom("", "2.1", "2.3", "2.3.1", "2.4", "2.5", "2.5.1^USA", "2.8", "x");
    const type = fc.constantFrom("", "ADT", "ADT^A01", "ADT^A01^ADT_A01", "ORU^R01~X", "ADT^A&1", "ADT^");
    fc.assert(
      fc.property(
        fc.array(value, { minLength: 4, maxLength: 4 }),
        type,
        value,
        version,
        value,
        value,
        (apps, t, id, v, p, cs) => {
          const text = `MSH|^~\\&|${apps.join("|")}|20260101||${t}|${id}|${p}|${v}|||||||${cs}\rPID|1`;
          for (const code of ["AA", "CA"] as const)
            assert.equal(direct(text, code), general(text, code), text);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
