import assert from "node:assert/strict";
import {
  build997,
  build999,
  buildTa1,
  locateX12,
  parseX12,
  parseX12Batch,
  parseX12Path,
  peekX12,
  peekX12Bytes,
  validateEnvelope,
  X12EditError,
  X12ParseError,
  X12PathError,
  X12StreamDecoder,
} from "messagefoundry/x12";
import { describe, it } from "mocha";
import { I_MULTI_LF, I270_CRLF, I837_401_ODD } from "./fixtures.js";

const codes = (issues: readonly { code: string }[]): string[] => issues.map((i) => i.code);

describe("x12 parse", () => {
  it("reads separators from the ISA, 00501 with repetition and CRLF between segments", () => {
    const ic = parseX12(I270_CRLF);
    assert.deepEqual(ic.separators, { element: "*", component: ":", repetition: "^", segment: "~" });
    assert.equal(ic.version, "00501");
    assert.deepEqual(codes(ic.issues), []);
    assert.equal(ic.segments.length, 17);
    assert.equal(ic.encode(), I270_CRLF);
    assert.equal(ic.gapAfter(0), "~\r\n");
  });

  it("00401: ISA-11 is the standards id, not a repetition separator; odd separators and no line breaks", () => {
    const ic = parseX12(I837_401_ODD);
    assert.deepEqual(ic.separators, { element: "|", component: ">", segment: "!" });
    assert.equal(ic.get("ISA-11"), "U");
    assert.equal(ic.get("CLM-05-2"), "B");
    assert.equal(ic.get("SV1[2]-01-2"), "85025");
    assert.equal(ic.get("HI-02-2"), "2724");
    assert.deepEqual(ic.getAll("SV1-01-2"), ["99213", "85025"]);
    assert.deepEqual(codes(ic.issues), []);
    assert.equal(ic.encode(), I837_401_ODD);
  });

  it("a line feed as the segment terminator (parse and stream framing)", () => {
    const text = I837_401_ODD.replace("P|>!", "P|>\n").replaceAll("!", "\n");
    const ic = parseX12(text);
    assert.equal(ic.separators.segment, "\n");
    assert.deepEqual(codes(ic.issues), []);
    assert.equal(ic.get("SV1[2]-01-2"), "85025");
    assert.equal(ic.encode(), text);
    const d = new X12StreamDecoder(1 << 16);
    const wire = Buffer.from(`${text}\r\n${text}`);
    const out = [...d.push(wire.subarray(0, 100)), ...d.push(wire.subarray(100))];
    assert.deepEqual(
      out.map((b) => b.toString()),
      [text, text],
    );
  });

  it("splits functional groups and transaction sets; [n] counts per view", () => {
    const ic = parseX12(I_MULTI_LF);
    assert.equal(ic.groups.length, 2);
    assert.deepEqual(
      ic.transactions.map((t) => t.controlNumber),
      ["0001", "0002", "0003"],
    );
    assert.equal(ic.get("BHT[3]-03"), "R3");
    const [, second] = ic.groups;
    assert.equal(second?.transactions[1]?.get("BHT-03"), "R3");
    assert.equal(second?.get("BHT[2]-03"), "R3");
    assert.equal(second?.controlNumber, "2");
    assert.deepEqual(codes(ic.issues), []);
    assert.equal(ic.encode(), I_MULTI_LF);
  });

  it("paths: element, component, repetition, occurrence; absent vs empty", () => {
    const ic = parseX12(I270_CRLF);
    const tx = ic.transactions[0];
    assert.ok(tx);
    assert.equal(tx.type, "270");
    assert.equal(ic.get("NM1-03"), "SAMPLE PAYER");
    assert.equal(ic.get("NM1[3]-09"), "W000000001");
    assert.equal(tx.get("NM1[3]-04"), "ECHO");
    assert.equal(ic.get("EQ-01"), "30");
    assert.equal(ic.get("EQ-01(2)"), "1");
    assert.deepEqual(ic.getAll("EQ-01"), ["30", "1", "33"]);
    assert.equal(ic.get("NM1-04"), "");
    assert.equal(ic.get("NM1-20"), undefined);
    assert.equal(ic.get("ZZZ-01"), undefined);
    assert.equal(ic.get("NM1[9]-01"), undefined);
  });

  it("loops by their leading segment", () => {
    const tx = parseX12(I270_CRLF).transactions[0];
    assert.ok(tx);
    const hl = tx.loops("HL");
    assert.deepEqual(
      hl.map((l) => l.get("HL-03")),
      ["20", "21", "22"],
    );
    const subscriber = hl[2];
    assert.equal(subscriber?.get("NM1-03"), "SAMPLE");
    assert.equal(subscriber?.get("DMG-02"), "19800101");
    assert.deepEqual(
      subscriber?.segments.map((s) => s.id),
      ["HL", "TRN", "NM1", "DMG", "DTP", "EQ"],
    );
  });

  it("set rewrites only the edited segments; untouched ones stay byte-exact", () => {
    const ic = parseX12(I270_CRLF);
    ic.set("NM1[3]-04", "DELTA");
    ic.set("EQ-01(2)", "98");
    ic.set("DTP-03-2", "X");
    const expected = I270_CRLF.replace("NM1*IL*1*SAMPLE*ECHO*", "NM1*IL*1*SAMPLE*DELTA*")
      .replace("EQ*30^1^33~", "EQ*30^98^33~")
      .replace("DTP*291*D8*20261206~", "DTP*291*D8*20261206:X~");
    assert.equal(ic.encode(), expected);
    assert.equal(parseX12(expected).get("NM1[3]-04"), "DELTA");
    // Clearing the last elements drops the trailing delimiters.
    ic.set("DMG-03", undefined);
    assert.ok(ic.encode().includes("DMG*D8*19800101~"));
    // Adding elements beyond the end pads with empty ones.
    ic.set("TRN-05", "Z");
    assert.ok(ic.encode().includes("TRN*1*TRACE0001*9000000000**Z~"));
  });

  it("set refuses a missing segment, a delimiter in a value and separator elements", () => {
    const ic = parseX12(I270_CRLF);
    assert.throws(
      () => ic.set("SV1-01", "x"),
      (e: unknown) => e instanceof X12EditError && e.code === "X12_NO_SEGMENT",
    );
    assert.throws(() => ic.set("NM1-03", "A*B"), X12EditError);
    assert.throws(() => ic.set("NM1-03", "A~B"), X12EditError);
    assert.throws(() => ic.set("ISA-16", ">"), X12EditError);
    assert.throws(() => ic.set("ISA-11", "|"), X12EditError);
    ic.set("ISA-13", "7");
    assert.equal(ic.get("ISA-13"), "000000007");
    ic.set("ISA-06", "NEWSENDER");
    assert.equal(ic.get("ISA-06"), "NEWSENDER      ");
    assert.equal(ic.isa.text.length, 105);
    assert.deepEqual(codes(validateEnvelope(ic)), ["X12_IEA_CONTROL"]);
  });

  it("paths with positioned errors", () => {
    assert.deepEqual(parseX12Path("NM1[2]-09"), { segment: "NM1", segmentIndex: 2, element: 9 });
    assert.deepEqual(parseX12Path("HI-01(2)-2"), { segment: "HI", element: 1, repetition: 2, component: 2 });
    assert.deepEqual(parseX12Path("SV1-1-2"), { segment: "SV1", element: 1, component: 2 });
    for (const [bad, col] of [
      ["nm1-03", 0],
      ["NM1", 3],
      ["NM1-0", 4],
      ["NM1[2-03", 5],
      ["NM1-03x", 6],
      ["HI-01(0)", 6],
    ] as const) {
      assert.throws(
        () => parseX12Path(bad),
        (e: unknown) => e instanceof X12PathError && e.offset === col,
        bad,
      );
    }
  });

  it("throws only when there is no ISA at all", () => {
    assert.throws(() => parseX12("GS*HS*A*B~"), X12ParseError);
    assert.throws(() => parseX12(""), X12ParseError);
    assert.throws(
      () => parseX12("ISA*00*cut"),
      (e: unknown) => e instanceof X12ParseError && e.code === "X12_BAD_ISA",
    );
  });

  it("tolerates a trimmed (not fixed-width) ISA, a missing final terminator and leading text", () => {
    const text =
      "\uFEFF\r\nISA*00**00**ZZ*A*ZZ*B*261206*0800*^*00501*5*0*P*:~GS*HS*A*B*20261206*0800*1*X*005010X279A1~ST*270*1~SE*2*1~GE*1*1~IEA*1*5";
    const ic = parseX12(text);
    assert.deepEqual(codes(ic.issues), ["X12_ISA_WIDTH", "X12_ISA_CONTROL", "X12_NO_TERMINATOR"]);
    assert.equal(ic.get("IEA-02"), "5");
    assert.equal(ic.encode(), text);
  });
});

describe("x12 peek", () => {
  it("reads ISA-13, ISA-12 and the first ST-01 without a full parse", () => {
    assert.deepEqual(peekX12(I270_CRLF), {
      controlNumber: "000000101",
      version: "00501",
      transactionType: "270",
    });
    assert.deepEqual(peekX12Bytes(Buffer.from(I837_401_ODD)), {
      controlNumber: "000000202",
      version: "00401",
      transactionType: "837",
    });
    assert.equal(peekX12("MSH|^~\\&|A"), undefined);
    assert.deepEqual(peekX12(I270_CRLF.slice(0, 110)), { controlNumber: "000000101", version: "00501" });
  });
});

describe("x12 envelope validation", () => {
  it("reports count and control-number mismatches at the trailer's offset", () => {
    const bad = I_MULTI_LF.replace("SE*3*0002", "SE*4*0009")
      .replace("GE*2*2", "GE*3*2")
      .replace("IEA*2*000000303", "IEA*1*000000304");
    const ic = parseX12(bad);
    assert.deepEqual(codes(ic.issues), [
      "X12_SE_COUNT",
      "X12_SE_CONTROL",
      "X12_GE_COUNT",
      "X12_IEA_COUNT",
      "X12_IEA_CONTROL",
    ]);
    const se = ic.issues[0];
    assert.equal(bad.slice(se?.offset, (se?.offset ?? 0) + (se?.length ?? 0)), "SE*4*0009");
  });

  it("reports missing trailers and segments out of place", () => {
    const text =
      "ISA*00*          *00*          *ZZ*A              *ZZ*B              *261206*0800*^*00501*000000009*0*P*:~NM1*X~GS*HS*A*B*20261206*0800*1*X*005010X279A1~ST*270*0001~BHT*1~GE*1*1~";
    const ic = parseX12(text);
    assert.deepEqual(codes(ic.issues), ["X12_OUTSIDE_TRANSACTION", "X12_SE_MISSING", "X12_IEA_MISSING"]);
    assert.equal(ic.transactions[0]?.se, undefined);
    assert.equal(ic.encode(), text);
  });

  it("parseX12Batch reads every interchange with file-wide offsets", () => {
    const file = `${I270_CRLF}\r\n${I837_401_ODD}\n`;
    const [a, b] = parseX12Batch(file);
    assert.equal(a?.get("ST-01"), "270");
    assert.equal(b?.get("ST-01"), "837");
    assert.equal(file.slice(b?.start, (b?.start ?? 0) + 3), "ISA");
    assert.equal((a?.encode() ?? "") + (b?.encode() ?? ""), file);
    assert.deepEqual(codes(parseX12(file).issues), ["X12_MORE_INTERCHANGES"]);
  });
});

describe("x12 acknowledgments", () => {
  const when = new Date(Date.UTC(2026, 11, 6, 12, 30));

  it("TA1 accepts a clean interchange, addressed back to the sender", () => {
    const ta1 = parseX12(buildTa1(parseX12(I270_CRLF), { controlNumber: 900, date: when }));
    assert.deepEqual(codes(ta1.issues), []);
    assert.equal(ta1.get("ISA-06")?.trim(), "PAYER01");
    assert.equal(ta1.get("ISA-08")?.trim(), "SUBMITTER01");
    assert.equal(ta1.controlNumber, "000000900");
    assert.equal(ta1.get("TA1-01"), "000000101");
    assert.equal(ta1.get("TA1-04"), "A");
    assert.equal(ta1.get("TA1-05"), "000");
    assert.equal(ta1.groups.length, 0);
  });

  it("TA1 with errors: a control-number mismatch is E/001, a missing IEA is R/023", () => {
    const mismatch = parseX12(I270_CRLF.replace("IEA*1*000000101", "IEA*1*000000102"));
    assert.equal(parseX12(buildTa1(mismatch)).get("TA1-04"), "E");
    assert.equal(parseX12(buildTa1(mismatch)).get("TA1-05"), "001");
    const cut = parseX12(I270_CRLF.slice(0, I270_CRLF.indexOf("IEA")));
    assert.equal(parseX12(buildTa1(cut)).get("TA1-05"), "023");
  });

  it("999 per functional group: AK1/AK2/IK5/AK9, rejecting a set with a bad SE count", () => {
    const ic = parseX12(I_MULTI_LF.replace("SE*3*0003", "SE*5*0003"));
    const ack = parseX12(build999(ic, { date: when }));
    assert.deepEqual(codes(ack.issues), []);
    assert.equal(ack.gapAfter(0), "~\n");
    assert.equal(ack.transactions.length, 2);
    const [g1, g2] = ack.transactions;
    assert.equal(g1?.get("AK1-02"), "1");
    assert.equal(g1?.get("AK9-01"), "A");
    assert.deepEqual(g2?.getAll("IK5-01"), ["A", "R"]);
    assert.equal(g2?.get("IK5[2]-02"), "4");
    assert.equal(g2?.get("AK9-01"), "P");
    assert.deepEqual([g2?.get("AK9-02"), g2?.get("AK9-03"), g2?.get("AK9-04")], ["2", "2", "1"]);
    assert.equal(g2?.get("AK2[2]-03"), "005010X279A1");
  });

  it("997 for 00401 interchanges keeps its version's shape", () => {
    const ack = parseX12(build997(parseX12(I837_401_ODD)));
    assert.equal(ack.separators.element, "|");
    assert.equal(ack.get("ISA-11"), "U");
    assert.equal(ack.get("ST-01"), "997");
    assert.equal(ack.get("AK5-01"), "A");
    assert.equal(ack.get("GS-08"), "004010");
    assert.deepEqual(codes(ack.issues), []);
  });
});

describe("x12 locate (hover, parse tree)", () => {
  it("names the element, repetition and component at an offset", () => {
    const [ic] = parseX12Batch(I270_CRLF);
    assert.ok(ic);
    const at = (needle: string, plus = 0) => locateX12([ic], I270_CRLF.indexOf(needle) + plus);
    assert.equal(at("W000000001")?.path, "NM1[3]-09");
    assert.equal(at("ECHO")?.value, "ECHO");
    assert.equal(at("^33")?.path, "EQ-01(2)");
    assert.equal(at("^33", 1)?.path, "EQ-01(3)");
    assert.equal(at("NM1*PR")?.path, "NM1");
    const isa16 = at(":~");
    assert.equal(isa16?.path, "ISA-16");
    const [c] = parseX12Batch(I837_401_ODD);
    assert.ok(c);
    const loc = locateX12([c], I837_401_ODD.indexOf("85025"));
    assert.equal(loc?.path, "SV1[2]-01-2");
    assert.deepEqual(
      [loc?.start, loc?.end],
      [I837_401_ODD.indexOf("85025"), I837_401_ODD.indexOf("85025") + 5],
    );
  });
});
