/**
 * Loopback: an in-process inbound fed by outbounds. An MLLP/TCP/REST outbound with `reingressTo`
 * captures the destination's reply and hands it, through the hub, to the loopback inbound of that
 * name, which passes it to its intake like any received payload (capture-then-re-ingress).
 */
import { InboundStats, OutboundStats } from "./stats.js";
import type {
  ConnectorLog,
  InboundConnector,
  InboundContext,
  InboundState,
  Loopback,
  LoopbackReceiver,
  OutboundConnector,
  OutboundState,
  ReceiveResult,
  SendResult,
} from "./types.js";

/** The Loopback exchange: a map from inbound name to its receiver. */
export class LoopbackHub implements Loopback {
  private readonly receivers = new Map<string, LoopbackReceiver>();

  attach(name: string, receiver: LoopbackReceiver): void {
    if (this.receivers.has(name)) throw new Error(`loopback inbound ${name} is already attached`);
    this.receivers.set(name, receiver);
  }

  detach(name: string): void {
    this.receivers.delete(name);
  }

  isAttached(name: string): boolean {
    return this.receivers.has(name);
  }

  /** Hands `payload` to the named loopback inbound; rejects when it is not running. */
  deliver(to: string, payload: Buffer, from: string): Promise<ReceiveResult> {
    const receiver = this.receivers.get(to);
    if (!receiver) return Promise.reject(new Error(`loopback inbound ${to} is not running`));
    return receiver(payload, { transport: "loopback", remote: from });
  }
}

/** The process-wide hub used when a connector is created without an explicit one. */
export const defaultLoopbackHub = new LoopbackHub();

/** Loopback has no settings: its only address is its name. */
export type LoopbackInboundSettings = Record<string, never>;

export class LoopbackInbound implements InboundConnector {
  readonly type = "loopback";
  private readonly stats = new InboundStats();
  private inFlight = new Set<Promise<unknown>>();

  constructor(
    readonly name: string,
    private readonly hub: Loopback = defaultLoopbackHub,
  ) {}

  get state(): InboundState {
    return this.stats.snapshot();
  }

  async start(ctx: InboundContext): Promise<void> {
    this.hub.attach(this.name, (payload, meta) => {
      this.stats.bytesIn(payload.length);
      this.stats.message();
      const p = ctx.receive(payload, meta);
      this.inFlight.add(p);
      const done = () => this.inFlight.delete(p);
      p.then(done, done);
      return p;
    });
    this.stats.status = "listening";
    ctx.log.info({ connection: this.name, transport: this.type }, "loopback inbound attached");
  }

  async stop(): Promise<void> {
    this.hub.detach(this.name);
    await Promise.allSettled([...this.inFlight]);
    this.inFlight = new Set();
    this.stats.status = "stopped";
  }
}

export interface LoopbackOutboundSettings {
  /** Name of the loopback inbound to feed. */
  target: string;
}

/**
 * A loopback outbound feeds a loopback inbound directly (no network): ok once the target's intake
 * accepted it; permanent when the intake refused it (it is recorded there; resending the same bytes
 * cannot help); retry while the target is not running.
 */
export class LoopbackOutbound implements OutboundConnector {
  readonly type = "loopback";
  private readonly stats = new OutboundStats();

  constructor(
    readonly name: string,
    private readonly settings: LoopbackOutboundSettings,
    private readonly hub: Loopback = defaultLoopbackHub,
  ) {}

  get state(): OutboundState {
    return this.stats.snapshot();
  }

  async send(payload: Buffer): Promise<SendResult> {
    let result: SendResult;
    try {
      const r = await this.hub.deliver(this.settings.target, payload, this.name);
      result = r.accepted
        ? { status: "ok", ...(r.reply ? { reply: r.reply } : {}) }
        : {
            status: "permanent",
            ...(r.reply ? { reply: r.reply } : {}),
            error: `${this.settings.target} refused it`,
          };
      this.stats.bytesOut(payload.length);
    } catch (err) {
      result = { status: "retry", error: err instanceof Error ? err.message : String(err) };
    }
    this.stats.result(result.status === "ok", result.error);
    return result;
  }

  async close(): Promise<void> {
    this.stats.status = "closed";
  }
}

/**
 * After a delivery the destination accepted: hands its reply to the loopback inbound `to`. A reply
 * that cannot be re-ingressed leaves the delivery `ok` (a retry would deliver the message twice); the
 * result's error and a warning (ids only) say why, and the reply itself stays stored with the delivery.
 */
export async function reingressReply(
  hub: Loopback,
  result: SendResult,
  route: { to: string; from: string; messageId: string; log: ConnectorLog },
): Promise<void> {
  if (result.status !== "ok") return;
  const err = await handOver(hub, route.to, result.reply, route.from);
  if (err === undefined) return;
  result.error = `reply not re-ingressed: ${err}`;
  const where = { connection: route.from, messageId: route.messageId, reingressTo: route.to };
  route.log.warn(where, "delivered, but the reply could not be re-ingressed");
  route.log.debug({ ...where, error: err }, "reply not re-ingressed");
}

async function handOver(
  hub: Loopback,
  to: string,
  reply: Buffer | undefined,
  from: string,
): Promise<string | undefined> {
  if (!reply || reply.length === 0) return `no reply to re-ingress to ${to}`;
  try {
    const r = await hub.deliver(to, reply, from);
    return r.accepted ? undefined : `loopback inbound ${to} did not accept the reply`;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
