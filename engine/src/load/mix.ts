/**
 * The message mix: for each entry, a pool of generated messages (the generator's, seeded, PHI-free)
 * pre-split around MSH-10 and pre-framed for MLLP, so sending one costs a buffer and three copies: the
 * frame start and header, a fresh control id, the rest and the frame end. Sizes are padded with a
 * `ZLD` segment; each entry carries the deliveries one of its messages causes (fan-out).
 */
import { generateMessage, isMessageType, Rng } from "../generate/index.js";
import { MLLP_CR, MLLP_END, MLLP_START } from "../hl7/index.js";
import { WeightedPick } from "./schedule.js";
import type { MixEntry } from "./types.js";

/** Distinct bodies kept per mix entry. */
const POOL = 32;

interface Template {
  /** MLLP start byte + everything before MSH-10. */
  head: Buffer;
  /** Everything after MSH-10 + MLLP end bytes. */
  tail: Buffer;
}

export interface OutgoingFrame {
  controlId: string;
  frame: Buffer;
  /** Index of the mix entry (deliveries, per-type counts). */
  entry: number;
}

/** Splits an ER7 text at MSH-10 (the 9th field separator of the MSH line). */
function split(text: string): Template {
  const sep = text[3] ?? "|";
  let at = -1;
  for (let n = 0; n < 9; n++) {
    at = text.indexOf(sep, at + 1);
    if (at < 0) throw new Error("generated message without MSH-10");
  }
  const end = text.indexOf(sep, at + 1);
  const head = Buffer.concat([Buffer.from([MLLP_START]), Buffer.from(text.slice(0, at + 1), "latin1")]);
  const tail = Buffer.concat([Buffer.from(text.slice(end), "latin1"), Buffer.from([MLLP_END, MLLP_CR])]);
  return { head, tail };
}

function padded(text: string, bytes: number | undefined): string {
  if (bytes === undefined || text.length + 5 >= bytes) return text;
  return `${text}\rZLD|${"X".repeat(bytes - text.length - 5)}`;
}

export class MessageMix {
  readonly #pools: Template[][];
  readonly #pick: WeightedPick;
  readonly #rng: Rng;
  readonly #deliveries: number[];
  readonly #run: string;
  #seq = 0;

  /** `run` prefixes every control id, so this run's messages are told from any other traffic. */
  constructor(mix: readonly MixEntry[], seed: number, run: string) {
    this.#rng = new Rng(seed);
    this.#run = run;
    this.#pick = new WeightedPick(mix.map((m) => m.weight));
    this.#deliveries = mix.map((m) => m.deliveries ?? 1);
    this.#pools = mix.map((m) => {
      if (!isMessageType(m.type)) throw new Error(`unknown message type ${m.type}`);
      const pool: Template[] = [];
      for (let i = 0; i < POOL; i++) pool.push(split(padded(generateMessage(m.type, this.#rng, i), m.bytes)));
      return pool;
    });
  }

  /** Deliveries a message of mix entry `entry` causes. */
  deliveriesOf(entry: number): number {
    return this.#deliveries[entry] ?? 1;
  }

  /** The next message: a weighted pick of the entry, a pooled body, a fresh control id. */
  next(): OutgoingFrame {
    const entry = this.#pick.pick(this.#rng.next());
    const pool = this.#pools[entry] as Template[];
    const t = pool[this.#seq % pool.length] as Template;
    const controlId = `${this.#run}${(this.#seq++).toString(36)}`;
    const frame = Buffer.allocUnsafe(t.head.length + controlId.length + t.tail.length);
    t.head.copy(frame, 0);
    frame.write(controlId, t.head.length, "latin1");
    t.tail.copy(frame, t.head.length + controlId.length);
    return { controlId, frame, entry };
  }
}

/** A short run prefix for control ids: "LD" and four base-36 characters. */
export function runPrefix(random: () => number = Math.random): string {
  return `LD${Math.floor(random() * 36 ** 4)
    .toString(36)
    .padStart(4, "0")
    .toUpperCase()}`;
}
