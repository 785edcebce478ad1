/**
 * HL7 parse benchmark: MessageFoundry's parser side by side with node-hl7-client and @medplum/core
 * in the same process. After a warm-up the libraries take turns in short timed slices (7 rounds) and
 * each one's median slice is reported, in messages/s and MB/s. Run: node --conditions=source --import tsx bench/hl7/run.ts [--ms=1500]
 */
import { pathToFileURL } from "node:url";
import { Hl7Message } from "@medplum/core";
import { parse } from "messagefoundry/hl7";
import { Message as NodeHl7Message } from "node-hl7-client";
import { makeAdt, makeOru } from "./messages.js";

/** The five fields every library reads (same values asserted before timing). */
const FIELDS = [
  ["MSH", 9, 2],
  ["MSH", 10, 0],
  ["PID", 3, 1],
  ["PID", 5, 1],
  ["PV1", 3, 1],
] as const;
const OUR_PATHS = FIELDS.map(([s, f, c]) => (c ? `${s}-${f}.${c}` : `${s}-${f}`));
const NODE_HL7_PATHS = FIELDS.map(([s, f, c]) => (c ? `${s}.${f}.${c}` : `${s}.${f}`));

type Op = (text: string) => unknown;

interface Library {
  name: string;
  /** parse + get 5 fields; returns the values (checked once for agreement). */
  parseGet: (text: string) => string[];
  /** parse + get 5 fields + encode. */
  parseGetEncode: Op;
}

const libraries: Library[] = [
  {
    name: "messagefoundry",
    parseGet: (t) => {
      const m = parse(t);
      return OUR_PATHS.map((p) => m.get(p) ?? "");
    },
    parseGetEncode: (t) => {
      const m = parse(t);
      for (const p of OUR_PATHS) m.get(p);
      return m.encode();
    },
  },
  {
    name: "messagefoundry +all offsets",
    // Every separator of every segment indexed up front (Segment.separatorIndex): the start/end of
    // every field, repetition, component and subcomponent is known without allocating node objects.
    parseGet: (t) => {
      const m = parse(t);
      m.indexOffsets();
      return OUR_PATHS.map((p) => m.get(p) ?? "");
    },
    parseGetEncode: (t) => {
      const m = parse(t);
      m.indexOffsets();
      for (const p of OUR_PATHS) m.get(p);
      return m.encode();
    },
  },
  {
    name: "messagefoundry +tree",
    // The full offset tree (every subcomponent's start/end) materialised: the parse-tree view's path.
    parseGet: (t) => {
      const m = parse(t);
      m.tree();
      return OUR_PATHS.map((p) => m.get(p) ?? "");
    },
    parseGetEncode: (t) => {
      const m = parse(t);
      m.tree();
      for (const p of OUR_PATHS) m.get(p);
      return m.encode();
    },
  },
  {
    name: "node-hl7-client 3.2.0",
    parseGet: (t) => {
      const m = new NodeHl7Message({ text: t });
      return NODE_HL7_PATHS.map((p) => m.get(p).toString());
    },
    parseGetEncode: (t) => {
      const m = new NodeHl7Message({ text: t });
      for (const p of NODE_HL7_PATHS) m.get(p).toString();
      return m.toString();
    },
  },
  {
    name: "@medplum/core 4.5.2",
    parseGet: (t) => {
      const m = Hl7Message.parse(t);
      return FIELDS.map(([s, f, c]) => {
        const seg = m.getSegment(s);
        return (c ? seg?.getComponent(f, c) : seg?.getField(f).toString()) ?? "";
      });
    },
    parseGetEncode: (t) => {
      const m = Hl7Message.parse(t);
      for (const [s, f, c] of FIELDS) {
        const seg = m.getSegment(s);
        if (c) seg?.getComponent(f, c);
        else seg?.getField(f).toString();
      }
      return m.toString();
    },
  },
];

export interface BenchRow {
  message: string;
  bytes: number;
  operation: "parse+get" | "parse+get+encode";
  library: string;
  msgsPerSec: number;
  mbPerSec: number;
}

let sink = 0;

/** Calls `op` repeatedly for `ms` milliseconds; returns calls per second. */
function measure(op: Op, text: string, ms: number): number {
  let n = 0;
  const start = performance.now();
  let now = start;
  const end = start + ms;
  while (now < end) {
    for (let i = 0; i < 8; i++) sink ^= (op(text) as { length?: number }).length ?? 1;
    n += 8;
    now = performance.now();
  }
  return (n * 1000) / (now - start);
}

/**
 * The machine is shared, so load comes in bursts: every library gets the same number of short
 * slices in rotation, and its median slice counts. A burst therefore cannot favour anyone.
 */
function compare(ops: Op[], text: string, ms: number, rounds = 7): number[] {
  for (const op of ops) measure(op, text, Math.min(300, ms / 4)); // JIT warm-up
  const samples: number[][] = ops.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (const [i, op] of ops.entries()) samples[i]!.push(measure(op, text, ms / rounds));
  }
  return samples.map((xs) => xs.sort((a, b) => a - b)[xs.length >> 1]!);
}

/** Runs the benchmark and returns one row per message × operation × library. */
export async function run(opts: { ms?: number; log?: (line: string) => void } = {}): Promise<BenchRow[]> {
  const ms = opts.ms ?? 1500;
  const log = opts.log ?? ((l: string) => console.log(l));
  const messages = [
    ["ADT^A01 (~2 KB)", makeAdt()],
    ["ORU^R01 (~40 KB)", makeOru()],
  ] as const;
  const rows: BenchRow[] = [];
  for (const [label, text] of messages) {
    const expected = libraries[0]!.parseGet(text).join("|");
    for (const lib of libraries) {
      const got = lib.parseGet(text).join("|");
      if (got !== expected) throw new Error(`${lib.name} read ${got}, expected ${expected}`);
    }
    const bytes = Buffer.byteLength(text);
    for (const operation of ["parse+get", "parse+get+encode"] as const) {
      const ops = libraries.map((lib) => (operation === "parse+get" ? lib.parseGet : lib.parseGetEncode));
      const rates = compare(ops, text, ms);
      for (const [i, lib] of libraries.entries()) {
        const rate = rates[i]!;
        rows.push({
          message: label,
          bytes,
          operation,
          library: lib.name,
          msgsPerSec: rate,
          mbPerSec: (rate * bytes) / 1e6,
        });
      }
    }
  }
  log(formatTable(rows));
  return rows;
}

/** Markdown table with the speed-up against the fastest competitor per message/operation. */
export function formatTable(rows: BenchRow[]): string {
  const lines = [
    "| message | operation | library | msgs/s | MB/s | vs fastest other |",
    "|---|---|---|---:|---:|---:|",
  ];
  for (const r of rows) {
    const others = rows.filter(
      (o) =>
        o.message === r.message && o.operation === r.operation && !o.library.startsWith("messagefoundry"),
    );
    const best = Math.max(...others.map((o) => o.msgsPerSec));
    const ratio = r.library.startsWith("messagefoundry") ? `${(r.msgsPerSec / best).toFixed(1)}×` : "";
    lines.push(
      `| ${r.message} | ${r.operation} | ${r.library} | ${Math.round(r.msgsPerSec).toLocaleString("en-US")} | ${r.mbPerSec.toFixed(1)} | ${ratio} |`,
    );
  }
  return lines.join("\n");
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const msArg = process.argv.find((a) => a.startsWith("--ms="));
  await run(msArg ? { ms: Number(msArg.slice(5)) } : {});
  if (sink === 0.5) console.log(sink); // keep results observable so nothing is optimised away
}
export default run;
