import assert from "node:assert/strict";
import fc from "fast-check";
import {
  build999,
  buildTa1,
  locateX12,
  parseX12,
  parseX12Batch,
  X12ParseError,
  X12StreamDecoder,
} from "messagefoundry/x12";
import { describe, it } from "mocha";

/** Four distinct delimiters: element, component, repetition, segment terminator. */
const delimiters = fc.uniqueArray(fc.constantFrom(..."*|:>^~!#+`\u001d\u001c\u001f"), {
  minLength: 4,
  maxLength: 4,
});
const segId = fc
  .tuple(
    fc.constantFrom(..."ABCDEFGHJKLMNPQRTUVWXYZ"),
    fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
  )
  .map((c) => c.join(""))
  .filter((id) => !["GS", "GE", "ST", "SE"].includes(id));
const lineBreak = fc.constantFrom("", "\n", "\r\n", "\r");

/** A whole interchange text with random delimiters, version, line breaks and element contents. */
const interchange = delimiters.chain(([e, c, r, t]) => {
  const d = [e, c, r, t] as string[];
  const atom = fc.oneof(
    fc.string({ unit: fc.constantFrom(..."ABCxyz019 .-/éü"), maxLength: 6 }),
    fc.constantFrom(c as string, r as string),
  );
  const element = fc.array(atom, { maxLength: 4 }).map((a) => a.join(""));
  const segment = fc
    .tuple(segId, fc.array(element, { maxLength: 6 }))
    .map(([id, els]) => [id, ...els].join(e));
  return fc
    .tuple(fc.constantFrom("00401", "00501"), fc.array(segment, { maxLength: 8 }), lineBreak, fc.boolean())
    .map(([version, body, br, wrap]) => {
      const isa = `ISA${e}00${e}${" ".repeat(10)}${e}00${e}${" ".repeat(10)}${e}ZZ${e}${"A".padEnd(15)}${e}ZZ${e}${"B".padEnd(15)}${e}261206${e}1200${e}${version === "00501" ? r : "U"}${e}${version}${e}000000001${e}0${e}P${e}${c}`;
      const segs = wrap
        ? [
            isa,
            `GS${e}HS${e}A${e}B${e}20261206${e}1200${e}1${e}X${e}005010X279A1`,
            `ST${e}270${e}0001`,
            ...body,
            `SE${e}${body.length + 2}${e}0001`,
            `GE${e}1${e}1`,
            `IEA${e}1${e}000000001`,
          ]
        : [isa, ...body, `IEA${e}0${e}000000001`];
      return { text: segs.join(t + br) + t + br, d };
    });
});

describe("x12 property tests", () => {
  it("encode(parse(x)) === x, and a well-formed envelope has no envelope issue", () => {
    fc.assert(
      fc.property(interchange, ({ text }) => {
        const ic = parseX12(text);
        assert.equal(ic.encode(), text);
        const envelope = ic.issues.filter((i) => /_(COUNT|CONTROL|MISSING)$/.test(i.code));
        assert.deepEqual(envelope, []);
      }),
      { numRuns: 400 },
    );
  });

  it("every segment's offsets slice exactly its text; locate agrees with get", () => {
    fc.assert(
      fc.property(interchange, ({ text }) => {
        const ic = parseX12(text);
        for (const s of ic.segments) {
          assert.equal(text.slice(s.start, s.start + s.text.length), s.text);
          for (let n = 1; n <= s.elementCount; n++) {
            const at = s.elementStart(n);
            assert.equal(text.slice(at, at + (s.element(n) ?? "").length), s.element(n));
            const loc = locateX12([ic], at);
            assert.ok(loc);
            assert.equal(text.slice(loc.start, loc.end), loc.value);
            if (s.id !== "ISA" && loc.occurrence === 1) assert.equal(ic.get(loc.path), loc.value);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it("set then parse reads the value back", () => {
    fc.assert(
      fc.property(
        interchange,
        fc.string({ unit: fc.constantFrom(..."ABC 123"), maxLength: 8 }),
        ({ text }, v) => {
          const ic = parseX12(text);
          if (!ic.segment("ST")) return;
          ic.set("ST-03", v);
          const again = parseX12(ic.encode());
          assert.equal(again.get("ST-03") ?? "", v.length ? v : "");
        },
      ),
      { numRuns: 200 },
    );
  });

  it("never crashes on arbitrary text: parses or throws X12ParseError; acks parse cleanly", () => {
    const noise = fc.oneof(
      fc.string({ maxLength: 300 }),
      interchange.chain(({ text }) =>
        fc
          .tuple(fc.nat(text.length), fc.nat(text.length), fc.string({ maxLength: 5 }))
          .map(([a, b, s]) => text.slice(0, Math.min(a, b)) + s + text.slice(Math.max(a, b))),
      ),
    );
    fc.assert(
      fc.property(noise, (text) => {
        let ic: ReturnType<typeof parseX12>;
        try {
          ic = parseX12(text);
        } catch (e) {
          assert.ok(e instanceof X12ParseError, String(e));
          return;
        }
        assert.equal(ic.encode(), text);
        parseX12Batch(text);
        for (const i of ic.issues) assert.ok(i.offset >= 0 && i.offset <= text.length);
        if (/^[A-Za-z0-9 ]*$/.test(ic.controlNumber)) {
          parseX12(buildTa1(ic));
          parseX12(build999(ic));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("the stream decoder cuts interchanges from any chunking", () => {
    fc.assert(
      fc.property(
        fc.array(interchange, { minLength: 1, maxLength: 3 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 40 }),
        (ics, cuts) => {
          const texts = ics.map((x) => x.text.replace(/[\r\n]+$/, ""));
          const all = Buffer.from(texts.map((t) => `junk\r\n${t}`).join("\r\n"), "utf8");
          const d = new X12StreamDecoder(1 << 20);
          const got: string[] = [];
          let at = 0;
          for (const n of [...cuts, all.length]) {
            got.push(...d.push(all.subarray(at, at + n)).map((b) => b.toString("utf8")));
            at += n;
            if (at >= all.length) break;
          }
          assert.deepEqual(got, texts);
        },
      ),
      { numRuns: 200 },
    );
  });
});
