import assert from "node:assert/strict";
import fc from "fast-check";
import {
  encodeMllp,
  Hl7ParseError,
  MllpDecoder,
  MllpFrameError,
  parse,
  parseBatch,
  parseFieldPath,
  validateStrict,
} from "messagefoundry/hl7";
import { describe, it } from "mocha";

/** Five distinct separator characters (field, component, repetition, escape, subcomponent). */
const separators = fc.uniqueArray(fc.constantFrom(..."|^~\\&#*!$%@+"), { minLength: 5, maxLength: 5 });
const segName = fc
  .tuple(
    fc.constantFrom(..."ABCDEFGHIJKLNOPQRSTUVWXYZ"),
    fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
    fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
  )
  .map((c) => c.join(""));
const eol = fc.constantFrom("\r", "\n", "\r\n");

/** A whole ER7 message text with random separators, contents (separators and escapes included), and line ends. */
const message = separators.chain(([f, c, r, e, s]) => {
  const sep = [f, c, r, e, s] as string[];
  const atom = fc.oneof(
    fc.string({ unit: fc.constantFrom(..."ABCxyz019 .-/\"'éü雪"), maxLength: 6 }),
    fc.constantFrom(...sep.slice(1)),
    fc.constantFrom(`${e}F${e}`, `${e}S${e}`, `${e}X0D${e}`, `${e}.br${e}`, `${e}H${e}`, '""'),
  );
  const fieldText = fc.array(atom, { maxLength: 6 }).map((a) => a.join(""));
  const fields = fc.array(fieldText, { maxLength: 8 });
  const header = fc.tuple(fields, fc.constantFrom("2.3", "2.5.1", "2.8", "")).map(([fs, v]) => {
    const pad = [...fs, "", "", "", "", "", "", "", "", "", "", ""].slice(0, 9);
    return `MSH${f}${c}${r}${e}${s}${f}${pad.join(f)}${f}${v}`;
  });
  const segment = fc
    .tuple(
      segName.filter((n) => n !== "MSH"),
      fields,
    )
    .map(([n, fs]) => (fs.length ? n + f + fs.join(f) : n));
  return fc
    .tuple(header, fc.array(fc.tuple(segment, eol), { maxLength: 8 }), eol, fc.boolean())
    .map(([h, segs, firstEol, trailing]) => {
      let text = h;
      let end = firstEol;
      for (const [seg, e2] of segs) {
        text += end + seg;
        end = e2;
      }
      return trailing ? text + end : text;
    });
});

describe("hl7 property tests", () => {
  it("encode(parse(x)) === x for generated messages", () => {
    fc.assert(
      fc.property(message, (text) => {
        assert.equal(parse(text).encode(), text);
      }),
      { numRuns: 500 },
    );
  });

  it("every tree node's offsets slice exactly its text", () => {
    fc.assert(
      fc.property(message, (text) => {
        for (const seg of parse(text).tree().segments) {
          assert.equal(text.slice(seg.start, seg.end), seg.value);
          for (const f of seg.fields)
            for (const r of f.repetitions)
              for (const c of r.components)
                for (const s of c.subcomponents) assert.equal(text.slice(s.start, s.end), s.value);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("set then get returns the written value, and other segments stay untouched", () => {
    const path = fc
      .tuple(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
      )
      .map(([f, r, c, s]) => `ZZZ-${f}[${r}].${c}.${s}`);
    fc.assert(
      fc.property(message, path, fc.string({ maxLength: 12 }), (text, p, value) => {
        const m = parse(text);
        const before = m.segments().map((s) => s.encode());
        m.set(p, value);
        const expected = value.replace(/\r\n|\n/g, "\r"); // line breaks travel as \.br\ and read back as CR
        const got = m.get(p);
        if (expected === "") assert.ok(got === "" || got === undefined, `got ${got}`);
        else assert.equal(got, expected);
        const again = parse(m.encode());
        assert.equal(again.get(p) ?? "", expected);
        const after = m.segments().map((s) => s.encode());
        for (let i = 0; i < before.length; i++) {
          if (m.segments()[i]?.name !== "ZZZ") assert.equal(after[i], before[i]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("random text never crashes the parser, tree, getters or validator", () => {
    const noisy = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.string({ maxLength: 200 }).map((s) => `MSH${s}`),
      fc.string({ unit: fc.constantFrom(..."MSH|^~\\&\r\nPIDOBX0123."), maxLength: 200 }),
    );
    let validated = 0;
    fc.assert(
      fc.property(noisy, (text) => {
        for (const m of parseBatch(text)) m.tree();
        let m: ReturnType<typeof parse>;
        try {
          m = parse(text);
        } catch (e) {
          assert.ok(e instanceof Hl7ParseError, String(e));
          return;
        }
        m.tree();
        for (const p of ["MSH-9.2", "PID-3[2].1.1", "OBX-5", "MSH-1", "MSH-2"]) m.get(p);
        void m.messageType;
        if (validated++ < 50) validateStrict(m);
      }),
      { numRuns: 1000 },
    );
  });

  it("random bytes in random chunks never crash the MLLP decoder", () => {
    const bytes = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a));
    const withFrames = fc
      .array(
        fc.oneof(
          bytes,
          bytes.map((b) => encodeMllp(b)),
        ),
        { maxLength: 6 },
      )
      .map((a) => Buffer.concat(a));
    fc.assert(
      fc.property(
        withFrames,
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 20 }),
        (wire, cuts) => {
          const d = new MllpDecoder({ maxFrameBytes: 128 });
          let pos = 0;
          let i = 0;
          while (pos < wire.length) {
            const n = cuts[i++ % cuts.length]!;
            try {
              d.push(wire.subarray(pos, pos + n));
            } catch (e) {
              assert.ok(e instanceof MllpFrameError, String(e));
            }
            pos += n;
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it("well-formed frames survive any chunking", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ maxLength: 50 }).map((s) => s.replaceAll("\u000b", "").replaceAll("\u001c", "")),
          { maxLength: 5 },
        ),
        fc.integer({ min: 1, max: 17 }),
        (payloads, size) => {
          const wire = Buffer.concat(payloads.map((p) => encodeMllp(p)));
          const d = new MllpDecoder();
          const out: string[] = [];
          for (let pos = 0; pos < wire.length; pos += size)
            out.push(...d.push(wire.subarray(pos, pos + size)).map(String));
          assert.deepEqual(out, payloads);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("field paths either parse or fail with an in-range offset", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(..."PIDOBX-.[]0123456789 a"), maxLength: 16 }), (p) => {
        try {
          parseFieldPath(p);
        } catch (e) {
          const off = (e as { offset?: number }).offset;
          assert.ok(typeof off === "number" && off >= 0 && off <= p.length, String(e));
        }
      }),
      { numRuns: 1000 },
    );
  });
});
