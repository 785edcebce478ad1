/**
 * X12 over TCP. Interchanges are framed by their own envelope (ISA … IEA, separators read from each
 * ISA) unless another framing is set. Inbound: each interchange goes to the intake, and only after
 * the commit is it acknowledged with a TA1 and/or a 999 (997 for 00401), as configured. Outbound:
 * one interchange in flight per connection; with `expectReply` the send blocks for the returned
 * interchange (a 271 for a 270) on the same socket, `ta1Required` waits for the TA1 too, and
 * `reingressTo` hands the captured reply to a loopback inbound.
 */
import {
  build997,
  build999,
  buildTa1,
  parseX12,
  type X12Interchange,
  X12ParseError,
  X12StreamDecoder,
} from "../x12/index.js";
import { errorText } from "./errors.js";
import { type FrameDecoder, type Framing, framingFrom } from "./framing.js";
import { SettingsReader } from "./settings.js";
import { readStreamInbound, StreamInbound, type StreamInboundSettings } from "./stream-inbound.js";
import {
  type ReplyExchange,
  readStreamOutbound,
  StreamOutbound,
  type StreamOutboundSettings,
} from "./stream-outbound.js";
import type {
  ConnectorDefinition,
  ConnectorDeps,
  ConnectorLog,
  InboundConnector,
  InboundContext,
  InboundState,
  OutboundConnector,
  OutboundState,
  RawSettings,
  SendMeta,
  SendResult,
} from "./types.js";

/** `x12` (default): the interchange's own envelope; or a framing preset shared with tcp. */
export type X12FramingSetting = "x12" | "mllp" | "newline" | "length-prefixed";
const FRAMINGS = ["x12", "mllp", "newline", "length-prefixed"] as const;

/** What the inbound answers per interchange, after the commit. */
export type X12AckMode = "none" | "ta1" | "999" | "ta1+999";
const ACK_MODES = ["none", "ta1", "999", "ta1+999"] as const;

export interface X12InboundSettings extends StreamInboundSettings {
  framing: X12FramingSetting;
  /** Default `999` (a 997 for 00401 interchanges). TA1 and functional acks are never acknowledged. */
  ack: X12AckMode;
}

export interface X12OutboundSettings extends StreamOutboundSettings {
  framing: X12FramingSetting;
  /** Block for the returned interchange on the same socket (within `ackTimeoutMs`). Default false. */
  expectReply: boolean;
  /** Wait for a TA1 for the sent interchange too; a TA1 `R` is a permanent failure. Default false. */
  ta1Required: boolean;
}

/** The interchange's own envelope as framing: a frame is ISA … IEA; replies are written as they are. */
export const x12Framing: Framing = {
  name: "x12",
  decoder: (maxFrameBytes): FrameDecoder => {
    const d = new X12StreamDecoder(maxFrameBytes);
    return {
      resyncs: true,
      get partial() {
        return d.partial;
      },
      push: (chunk) => d.push(chunk),
      decode: (chunk) => d.decode(chunk),
      end: () => d.end(),
    };
  },
  encode: (payload) => payload,
};

function x12FramingFrom(setting: X12FramingSetting): Framing {
  return setting === "x12" ? x12Framing : framingFrom(setting);
}

export function readX12Inbound(name: string, raw: RawSettings): X12InboundSettings {
  const r = new SettingsReader(name, raw);
  return {
    ...readStreamInbound(r),
    framing: r.oneOf("framing", FRAMINGS, "x12"),
    ack: r.oneOf("ack", ACK_MODES, "999"),
  };
}

export function readX12Outbound(name: string, raw: RawSettings): X12OutboundSettings {
  const r = new SettingsReader(name, raw);
  const s: X12OutboundSettings = {
    ...readStreamOutbound(r),
    framing: r.oneOf("framing", FRAMINGS, "x12"),
    expectReply: r.bool("expectReply", false),
    ta1Required: r.bool("ta1Required", false),
  };
  if (s.reingressTo && !s.expectReply)
    r.fail("reingressTo", "needs expectReply = true (there is no reply to re-ingress)");
  return s;
}

/** X12 is ASCII or UTF-8 in practice; bytes that are neither still parse (the delimiters are ASCII). */
const textOf = (b: Buffer): string => b.toString("utf8");

function tryParse(b: Buffer): X12Interchange | undefined {
  try {
    return parseX12(textOf(b));
  } catch (e) {
    if (e instanceof X12ParseError) return undefined;
    throw e;
  }
}

/** True for an acknowledgment interchange (TA1, or a 999/997 group), which is never acknowledged. */
function isAck(ic: X12Interchange): boolean {
  return ic.segment("TA1") !== undefined || ic.groups.some((g) => g.functionalId === "FA");
}

/**
 * The acknowledgment(s) for a committed interchange, or undefined (ack none, not X12, an ack itself).
 * TA1 first, then the 999 (997 before 00501), as two interchanges in one reply.
 */
export function x12Acknowledgment(payload: Buffer, mode: X12AckMode): Buffer | undefined {
  if (mode === "none") return undefined;
  const ic = tryParse(payload);
  if (!ic || isAck(ic)) return undefined;
  let out = "";
  if (mode === "ta1" || mode === "ta1+999") out += buildTa1(ic);
  if ((mode === "999" || mode === "ta1+999") && ic.groups.length > 0)
    out += ic.version >= "00501" ? build999(ic) : build997(ic);
  return out ? Buffer.from(out, "utf8") : undefined;
}

/** The stream listener, with each committed interchange answered by its TA1 / 999. */
export class X12Inbound implements InboundConnector {
  readonly type = "x12";
  private readonly inner: StreamInbound;

  constructor(
    readonly name: string,
    private readonly settings: X12InboundSettings,
  ) {
    this.inner = new StreamInbound("x12", name, settings, x12FramingFrom(settings.framing));
  }

  get state(): InboundState {
    return this.inner.state;
  }

  start(ctx: InboundContext): Promise<void> {
    const mode = this.settings.ack;
    return this.inner.start({
      ...ctx,
      receive: async (payload, meta) => {
        const r = await ctx.receive(payload, meta);
        if (!r.accepted) return r;
        let reply: Buffer | undefined;
        try {
          reply = x12Acknowledgment(payload, mode);
        } catch (err) {
          ctx.log.warn({ connection: this.name, error: errorText(err) }, "X12 acknowledgment not built");
        }
        return reply ? { ...r, reply } : r;
      },
    });
  }

  stop(): Promise<void> {
    return this.inner.stop();
  }
}

/** Numeric-aware equality of control numbers (`000000101` and `101`). */
function sameControl(a: string, b: string): boolean {
  const x = a.trim();
  const y = b.trim();
  return x === y || (/^\d+$/.test(x) && /^\d+$/.test(y) && Number(x) === Number(y));
}

/**
 * The outbound's reply protocol. Frames are read until every expected part arrived: the TA1 for the
 * sent ISA-13 (`ta1Required`; it may come alone or inside the reply) and the reply interchange
 * (`expectReply`). A TA1 `R` or a 999/997 rejecting the set ends the exchange as `permanent`; an
 * accepting 999 is not the reply (the 271 still follows). TA1s for other interchanges are ignored.
 */
export class X12ReplyExchange implements ReplyExchange {
  constructor(
    private readonly want: { expectReply: boolean; ta1Required: boolean },
    private readonly connection: string,
    private readonly log: ConnectorLog,
  ) {}

  begin(
    payload: Buffer,
    meta: SendMeta,
  ): { matches: (f: Buffer) => boolean; result(last: Buffer): SendResult } {
    const sent = tryParse(payload)?.controlNumber ?? "";
    const st: { ta1?: Buffer; reply?: Buffer; rejected?: string; notX12?: boolean } = {};
    const done = (): boolean =>
      st.rejected !== undefined ||
      ((!this.want.ta1Required || st.ta1 !== undefined) &&
        (!this.want.expectReply || st.reply !== undefined));
    const ignore = (why: string): false => {
      this.log.warn({ connection: this.connection, messageId: meta.messageId, sent }, why);
      return false;
    };
    const matches = (frame: Buffer): boolean => {
      const ic = tryParse(frame);
      if (!ic) {
        if (!this.want.expectReply) return ignore("a reply that is not X12 was ignored");
        st.reply = frame;
        st.notX12 = true;
        return true;
      }
      const ta1 = ic.segment("TA1");
      if (ta1) {
        if (sent && !sameControl(ta1.element(1) ?? "", sent))
          return ignore("TA1 for another interchange ignored");
        st.ta1 = frame;
        if (ta1.element(4) === "R")
          st.rejected = `TA1 rejected the interchange (note ${ta1.element(5) ?? ""})`;
      }
      const fa = ic.groups.find((g) => g.functionalId === "FA");
      if (fa?.getAll("AK9-01").includes("R")) {
        st.reply = frame;
        st.rejected = `${fa.get("ST-01") ?? "999"} rejected the functional group`;
      } else if (ic.groups.length > 0 && !fa) {
        if (!this.want.expectReply) return ta1 ? done() : ignore("unexpected interchange ignored");
        st.reply ??= frame;
      }
      return done();
    };
    const result = (last: Buffer): SendResult => {
      const reply = st.reply ?? st.ta1 ?? last;
      if (st.rejected) return { status: "permanent", reply, error: st.rejected };
      if (st.notX12) return { status: "retry", reply, error: "reply is not an X12 interchange" };
      return { status: "ok", reply };
    };
    return { matches, result };
  }
}

/** The stream client; a payload that is not an X12 interchange is refused before it is sent. */
export class X12Outbound implements OutboundConnector {
  readonly type = "x12";
  private readonly inner: StreamOutbound;

  constructor(
    readonly name: string,
    settings: X12OutboundSettings,
    deps: ConnectorDeps,
  ) {
    const waits = settings.expectReply || settings.ta1Required;
    const mode = waits ? new X12ReplyExchange(settings, name, deps.log) : "none";
    this.inner = new StreamOutbound(
      "x12",
      name,
      settings,
      x12FramingFrom(settings.framing),
      mode,
      deps.log,
      deps.loopback,
    );
  }

  get state(): OutboundState {
    return this.inner.state;
  }

  send(payload: Buffer, meta: SendMeta): Promise<SendResult> {
    if (!tryParse(payload))
      return Promise.resolve({ status: "permanent", error: "payload is not an X12 interchange (no ISA)" });
    return this.inner.send(payload, meta);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

export const x12Connector: ConnectorDefinition = {
  inbound: (name, raw) => new X12Inbound(name, readX12Inbound(name, raw)),
  outbound: (name, raw, deps) => new X12Outbound(name, readX12Outbound(name, raw), deps),
};
