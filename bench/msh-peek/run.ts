/**
 * Header reads on the delivery hot path: MSH-9 (type^trigger) and MSH-10 of a payload Buffer, as
 * pipeline/runner.ts (sendMeta → file names) and transports/stream-outbound.ts (ACK matching) do for
 * every delivery. Compares `peekMsh` (one scan, no split arrays) with the hand-rolled splits it
 * replaced (kept here only as the baseline) and with a full parse. Median of 7 rotated slices.
 * Run: node --conditions=source --import tsx bench/msh-peek/run.ts [--ms=1500]
 */
import { decodeHl7Bytes, parse, peekMsh } from "messagefoundry/hl7";
import { makeAdt } from "../hl7/messages.js";

type Header = { messageType: string; controlId: string } | undefined;

/** Baseline: runner.ts's hl7Header before peekMsh (line to a string, split on the field separator). */
function splitHeader(payload: Buffer): Header {
  if (payload.length < 8 || payload[0] !== 0x4d || payload[1] !== 0x53 || payload[2] !== 0x48)
    return undefined;
  let end = payload.indexOf(0x0d);
  if (end < 0) end = payload.indexOf(0x0a);
  if (end < 0) end = payload.length;
  const line = payload.toString("latin1", 0, Math.min(end, 1024));
  const fs = line[3] ?? "|";
  const comp = line[4] ?? "^";
  const fields = line.split(fs);
  const type = (fields[8] ?? "").split(comp).slice(0, 2).join("^");
  return { messageType: type, controlId: fields[9] ?? "" };
}

function peekHeader(payload: Buffer): Header {
  const code = peekMsh(payload, 9, 1);
  if (code === undefined) return undefined;
  const trigger = peekMsh(payload, 9, 2);
  return {
    messageType: trigger === undefined ? code : `${code}^${trigger}`,
    controlId: peekMsh(payload, 10) ?? "",
  };
}

function parseHeader(payload: Buffer): Header {
  const m = parse(decodeHl7Bytes(payload));
  const trigger = m.get("MSH-9.2");
  const code = m.get("MSH-9.1") ?? "";
  return {
    messageType: trigger === undefined ? code : `${code}^${trigger}`,
    controlId: m.get("MSH-10") ?? "",
  };
}

/** Baseline: stream-outbound.ts's sentControlId before peekMsh. */
function splitControlId(payload: Buffer): Header {
  let at = 0;
  while (at < payload.length && (payload[at] === 0x0d || payload[at] === 0x0a || payload[at] === 0x20)) at++;
  if (payload.length < at + 4 || payload.toString("latin1", at, at + 3) !== "MSH") return undefined;
  const sep = payload[at + 3]!;
  let eol = payload.length;
  for (let i = at + 4; i < payload.length; i++) {
    if (payload[i] === 0x0d || payload[i] === 0x0a) {
      eol = i;
      break;
    }
  }
  const fields = payload.toString("latin1", at, eol).split(String.fromCharCode(sep));
  const id = fields[9]?.trim();
  return id ? { messageType: "", controlId: id } : undefined;
}

function peekControlId(payload: Buffer): Header {
  const id = peekMsh(payload, 10)?.trim();
  return id ? { messageType: "", controlId: id } : undefined;
}

type Ops = [string, (b: Buffer) => Header][];
const HEADER_OPS: Ops = [
  ["hand-rolled split (before)", splitHeader],
  ["peekMsh (now)", peekHeader],
  ["full parse + get", parseHeader],
];
const CONTROL_ID_OPS: Ops = [
  ["hand-rolled split (before)", splitControlId],
  ["peekMsh (now)", peekControlId],
];

let sink = 0;
function measure(op: (b: Buffer) => Header, payload: Buffer, ms: number): number {
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now < start + ms) {
    for (let i = 0; i < 64; i++) sink ^= op(payload)?.controlId.length ?? 0;
    n += 64;
    now = performance.now();
  }
  return (n * 1000) / (now - start);
}

function run(title: string, ops: Ops, payload: Buffer, ms: number): void {
  const expected = JSON.stringify(ops[0]![1](payload));
  for (const [name, op] of ops) {
    const got = JSON.stringify(op(payload));
    if (got !== expected) throw new Error(`${name} read ${got}, expected ${expected}`);
  }
  for (const [, op] of ops) measure(op, payload, Math.min(300, ms / 4));
  const slices: number[][] = ops.map(() => []);
  for (let round = 0; round < 7; round++)
    ops.forEach(([, op], i) => {
      slices[i]!.push(measure(op, payload, ms / 7));
    });
  console.log(`${title} of a ${payload.length}-byte ADT^A01 Buffer (median of 7 slices)`);
  ops.forEach(([name], i) => {
    const sorted = slices[i]!.sort((a, b) => a - b);
    console.log(
      `  ${name.padEnd(28)} ${Math.round(sorted[3]!).toLocaleString("en-US").padStart(12)} reads/s`,
    );
  });
}

const ms = Number(process.argv.find((a) => a.startsWith("--ms="))?.slice(5) ?? 1500);
const payload = Buffer.from(makeAdt(), "latin1");
run("MSH-9 + MSH-10 (runner sendMeta)", HEADER_OPS, payload, ms);
run("MSH-10 (stream-outbound ACK matching)", CONTROL_ID_OPS, payload, ms);
if (sink === 0.5) console.log(sink);
