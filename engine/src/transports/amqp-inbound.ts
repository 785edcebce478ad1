/**
 * AMQP source: consumes one queue with manual acks. Deliveries are handed to `receive` one at a time in
 * the order the broker sent them, and each is acked only after `receive` resolved (the ingress commit —
 * an HL7 payload the intake rejected is recorded as ERROR, so it is acked too, never requeued in a loop).
 *
 * - `receive` rejected (nothing committed): that delivery and every later one already buffered are
 *   nacked with requeue, the consumer is cancelled and resumed after a backoff — the broker puts them
 *   back in their places, so intake order holds and a store that is down is not hammered.
 * - The broker went away: a delivery not yet acked is redelivered by the broker (at-least-once; the
 *   store keeps both, the receiver de-duplicates by MSH-10); buffered deliveries of the dead channel are
 *   dropped unprocessed. The connector reconnects with backoff (status `error` meanwhile).
 * - `stop()`: the delivery in `receive` finishes and is acked; the buffered ones are requeued.
 */
import type amqp from "amqplib";
import { type AmqpInboundSettings, closeBroker, openBroker, safeUrl, within } from "./amqp-broker.js";
import { errorText } from "./errors.js";
import { InboundStats } from "./stats.js";
import type { ConnectorLog, InboundConnector, InboundContext, InboundState } from "./types.js";
import { backoffDelay } from "./util.js";

/** One open connection + channel with its consumer. */
interface Session {
  model: amqp.ChannelModel;
  channel: amqp.Channel;
  consumerTag?: string;
  /** Set when the channel closed: its buffered deliveries are not processed (the broker redelivers). */
  closed: boolean;
  /** Counted in the state's open connections. */
  counted: boolean;
  /** Resolves when the channel or connection closed (or `end()` was called). */
  ended: Promise<void>;
  end: () => void;
}

export class AmqpInbound implements InboundConnector {
  readonly type = "amqp";
  private readonly stats = new InboundStats();
  private ctx: InboundContext | undefined;
  private session: Session | undefined;
  private stopping = false;
  private running: Promise<void> | undefined;
  /** Deliveries in order; one `receive` at a time. */
  private chain: Promise<void> = Promise.resolve();
  /** After a failed `receive`: deliveries are nacked (requeued), not processed, until the consumer resumes. */
  private holding = false;
  private readonly wakers = new Set<() => void>();
  private redelivered = 0;
  /** Consecutive failed intakes, for the pause before resuming. */
  private intakeFailures = 0;

  constructor(
    readonly name: string,
    private readonly settings: AmqpInboundSettings,
    private readonly log: ConnectorLog,
  ) {}

  get state(): InboundState {
    return this.stats.snapshot();
  }

  /** Deliveries the broker marked as redelivered (seen before by some consumer), since start. */
  get redeliveries(): number {
    return this.redelivered;
  }

  async start(ctx: InboundContext): Promise<void> {
    if (this.running) throw new Error(`amqp inbound ${this.name} is already started`);
    this.ctx = ctx;
    this.stopping = false;
    this.holding = false;
    this.intakeFailures = 0;
    this.running = this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    // Buffered deliveries are requeued, the one in `receive` finishes and is acked.
    this.holding = true;
    for (const wake of this.wakers) wake();
    const s = this.session;
    if (s && !s.closed && s.consumerTag)
      await within(
        s.channel.cancel(s.consumerTag).catch(() => undefined),
        3000,
      );
    await this.chain;
    await this.closeSession();
    await this.running;
    this.running = undefined;
    this.stats.status = "stopped";
    this.log.info({ connection: this.name, transport: this.type }, "inbound stopped");
  }

  /** Connects, consumes until the session ends, reconnects with backoff; until `stop()`. */
  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        const session = await this.open();
        failures = 0;
        if (this.stopping) break; // stop() came while connecting: closed below
        await session.ended;
        await this.chain; // its leftovers are skipped: the broker redelivers them
      } catch (err) {
        const text = errorText(err);
        this.stats.error(text);
        const fields = { connection: this.name, url: safeUrl(this.settings.url), error: text };
        if (failures === 0) this.log.warn(fields, "amqp connect failed; retrying with backoff");
        else this.log.debug(fields, "amqp connect failed");
      }
      await this.closeSession();
      if (this.stopping) break;
      this.stats.status = "error";
      failures++;
      await this.pause(backoffDelay(failures, this.settings.reconnectBaseMs, this.settings.reconnectMaxMs));
    }
    await this.closeSession();
  }

  private async open(): Promise<Session> {
    const s = this.settings;
    const model = await openBroker(s, this.name);
    let endSession: () => void = () => {};
    const ended = new Promise<void>((resolve) => {
      endSession = resolve;
    });
    model.on("error", (err: Error) => this.stats.error(errorText(err)));
    let session: Session | undefined;
    const lost = (why: string) => {
      if (session) session.closed = true;
      if (!this.stopping) {
        this.stats.status = "error";
        this.stats.error(why);
        this.log.warn({ connection: this.name, url: safeUrl(s.url), error: why }, "amqp connection lost");
      }
      endSession();
    };
    model.on("close", (err?: Error) => lost(err ? errorText(err) : "connection closed"));
    try {
      const channel = await model.createChannel();
      channel.on("error", (err: Error) => this.stats.error(errorText(err)));
      channel.on("close", () => lost(this.state.lastError ?? "channel closed"));
      session = { model, channel, closed: false, counted: false, ended, end: endSession };
      this.session = session;
      await this.declare(channel);
      await channel.prefetch(s.prefetch);
      if (this.stopping) return session;
      await this.consume(session);
      this.stats.opened();
      session.counted = true;
      this.stats.status = "listening";
      this.log.info(
        {
          connection: this.name,
          transport: this.type,
          url: safeUrl(s.url),
          queue: s.queue,
          prefetch: s.prefetch,
        },
        "amqp inbound consuming",
      );
      return session;
    } catch (err) {
      await closeBroker(model);
      throw err;
    }
  }

  private async declare(channel: amqp.Channel): Promise<void> {
    const s = this.settings;
    if (!s.declare) {
      await channel.checkQueue(s.queue);
    } else {
      await channel.assertQueue(s.queue, { durable: s.durable });
      if (s.exchange && s.exchangeType)
        await channel.assertExchange(s.exchange, s.exchangeType, { durable: s.durable });
    }
    if (s.exchange) await channel.bindQueue(s.queue, s.exchange, s.routingKey);
  }

  private async consume(session: Session): Promise<void> {
    const { consumerTag } = await session.channel.consume(
      this.settings.queue,
      (msg) => {
        if (msg === null) {
          // The broker cancelled the consumer (queue deleted): start over.
          session.closed = true;
          session.channel.close().catch(() => undefined);
          return;
        }
        this.chain = this.chain
          .then(() => this.handle(session, msg))
          .catch((err: unknown) =>
            this.log.error({ connection: this.name, error: errorText(err) }, "amqp delivery not handled"),
          );
      },
      { noAck: false },
    );
    session.consumerTag = consumerTag;
  }

  private async handle(session: Session, msg: amqp.ConsumeMessage): Promise<void> {
    if (session.closed) return; // the broker redelivers it on the next connection
    if (this.holding) {
      settle(session, () => session.channel.nack(msg, false, true));
      return;
    }
    const ctx = this.ctx!;
    if (msg.fields.redelivered) this.redelivered++;
    this.stats.bytesIn(msg.content.length);
    this.stats.message();
    const contentType = msg.properties.contentType as string | undefined;
    try {
      await ctx.receive(msg.content, {
        transport: this.type,
        remote: `${safeUrl(this.settings.url)} ${this.settings.queue}`,
        ...(contentType ? { contentType } : {}),
      });
    } catch (err) {
      // Nothing committed: requeue it and what follows, pause, resume in the same order.
      this.stats.error(errorText(err));
      this.log.error(
        { connection: this.name, deliveryTag: msg.fields.deliveryTag, error: errorText(err) },
        "intake failed; delivery requeued",
      );
      settle(session, () => session.channel.nack(msg, false, true));
      this.intakeFailures++;
      this.hold(session);
      return;
    }
    this.intakeFailures = 0;
    if (session.closed) {
      this.log.warn(
        { connection: this.name, deliveryTag: msg.fields.deliveryTag },
        "committed, but the channel closed before the ack; the broker will redeliver it (a duplicate)",
      );
      return;
    }
    settle(session, () => session.channel.ack(msg));
  }

  /** Stops consuming after a failed intake; resumes after a backoff once the buffered ones are requeued. */
  private hold(session: Session): void {
    if (this.holding) return;
    this.holding = true;
    const tag = session.consumerTag;
    void (async () => {
      if (tag) await session.channel.cancel(tag).catch(() => undefined);
      await this.chain;
      const s = this.settings;
      for (let n = this.intakeFailures; !this.stopping && !session.closed; n++) {
        await this.pause(backoffDelay(Math.max(1, n), s.reconnectBaseMs, s.reconnectMaxMs));
        if (this.stopping || session.closed) break;
        this.holding = false;
        try {
          await this.consume(session);
          return;
        } catch (err) {
          this.holding = true;
          this.stats.error(errorText(err));
        }
      }
      if (!this.stopping) this.holding = false;
    })();
  }

  /** Waits `ms`, or less when `stop()` wakes it. */
  private pause(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.wakers.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  private async closeSession(): Promise<void> {
    const s = this.session;
    if (!s) return;
    this.session = undefined;
    if (s.counted) this.stats.closed();
    s.counted = false;
    s.closed = true;
    await closeBroker(s.model);
    s.end();
  }
}

/** Acks or nacks on a channel still open; a channel that closed meanwhile has the broker redeliver. */
function settle(session: Session, op: () => void): void {
  if (session.closed) return;
  try {
    op();
  } catch {
    session.closed = true;
  }
}
