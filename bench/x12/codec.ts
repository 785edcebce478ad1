/**
 * X12 codec benchmark: parse, parse + 5 reads, parse + read + set + encode, and the connector's stream
 * framing, over synthetic 270s (one set each) and a 271 with 200 subscriber loops. Median of 7 timed slices
 * after a warm-up. Run: node --conditions=source --import tsx bench/x12/codec.ts [--ms=1000]
 */
import { parseX12, X12StreamDecoder } from "messagefoundry/x12";
import { inquiries, payerAnswer } from "../../engine/test/transports/x12-peer.js";

const MS = Number(process.argv.find((a) => a.startsWith("--ms="))?.slice(5) ?? 1000);
const PATHS = ["ISA-13", "ST-01", "NM1[3]-09", "DMG-02", "EQ-01"];

/** Runs `op` over `texts` round-robin for `ms`; returns operations per second. */
function rate(texts: readonly string[], op: (t: string) => unknown, ms: number): number {
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) op(texts[n++ % texts.length] as string);
  return (n * 1000) / (performance.now() - t0);
}

function median(op: (t: string) => unknown, texts: readonly string[]): number {
  rate(texts, op, MS / 2);
  const runs = Array.from({ length: 7 }, () => rate(texts, op, MS / 7));
  return runs.sort((a, b) => a - b)[3] as number;
}

const small = inquiries(200, "bench-codec");
const one = small[0] as string;
const big271 = payerAnswer(Buffer.from(one))[1] as string;
const bigText = big271.replace(/HL\*3\*2\*22\*0~[\s\S]*?(?=SE\*)/, (loop) => loop.repeat(200));
const cases: [string, readonly string[], (t: string) => unknown][] = [
  ["270: parse", small, (t) => parseX12(t)],
  [
    "270: parse + 5 reads",
    small,
    (t) => {
      const ic = parseX12(t);
      return PATHS.map((p) => ic.get(p));
    },
  ],
  [
    "270: parse + read + set + encode",
    small,
    (t) => {
      const ic = parseX12(t);
      ic.set("NM1[3]-03", (ic.get("NM1[3]-03") ?? "").toLowerCase());
      return ic.encode();
    },
  ],
  [
    "271 with 200 subscriber loops: parse + loops(HL)",
    [bigText],
    (t) => parseX12(t).transactions[0]?.loops("HL"),
  ],
  [
    "stream framing: 270s in 1 KiB chunks",
    [small.join("\n")],
    (t) => {
      const d = new X12StreamDecoder(1 << 20);
      const b = Buffer.from(t);
      for (let i = 0; i < b.length; i += 1024) d.push(b.subarray(i, i + 1024));
    },
  ],
];
console.log(`x12 codec, median of 7 slices (${MS} ms each case), Node ${process.versions.node}`);
for (const [name, texts, op] of cases) {
  const perSec = median(op, texts);
  const bytes = texts.reduce((n, t) => n + t.length, 0) / texts.length;
  const unit = name.startsWith("stream")
    ? `${((perSec * bytes) / 1e6).toFixed(1)} MB/s`
    : `${perSec.toFixed(0)}/s`;
  console.log(`  ${name}: ${unit} (${(bytes / 1024).toFixed(1)} KiB per text)`);
}
