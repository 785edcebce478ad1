/**
 * AMQP destination: publishes each payload on a confirm channel and reports `ok` only after the
 * broker's publisher confirm. One publish in flight at a time (the pipeline's lane order is the
 * broker's order). Outcomes:
 * - confirmed (ack), not returned → `ok`;
 * - nacked by the broker, or returned as unroutable (`mandatory`) → `onRejected`: `retry` (default)
 *   or `permanent` (dead-lettered);
 * - broker unreachable, connection or channel lost before the confirm, no confirm within
 *   `confirmTimeoutMs` → `retry` (the connection is dropped and reopened on the next send); the
 *   broker may then hold the message twice (at-least-once: it keeps its message-id property);
 * - exchange or routing key template without a value → `permanent`.
 */
import type amqp from "amqplib";
import { type AmqpOutboundSettings, closeBroker, openBroker, safeUrl } from "./amqp-broker.js";
import { errorText } from "./errors.js";
import { OutboundStats } from "./stats.js";
import { renderTemplate, sanitise, TemplateError } from "./template.js";
import type { ConnectorLog, OutboundConnector, OutboundState, SendMeta, SendResult } from "./types.js";
import { guessContentType, SerialQueue } from "./util.js";

interface Session {
  model: amqp.ChannelModel;
  channel: amqp.ConfirmChannel;
  closed: boolean;
  /** Why it closed, for the send that was waiting. */
  why?: string;
}

export class AmqpOutbound implements OutboundConnector {
  readonly type = "amqp";
  private readonly stats = new OutboundStats();
  private readonly queue = new SerialQueue();
  private session: Session | undefined;
  /** The in-flight publish was returned unroutable (basic.return comes before its confirm). */
  private returned: string | undefined;
  private seq = 0;

  constructor(
    readonly name: string,
    private readonly settings: AmqpOutboundSettings,
    private readonly log: ConnectorLog,
  ) {}

  get state(): OutboundState {
    return this.stats.snapshot();
  }

  send(payload: Buffer, meta: SendMeta): Promise<SendResult> {
    return this.queue.run(async () => {
      const result = await this.publish(payload, meta);
      this.stats.result(result.status === "ok", result.error);
      const fields = { connection: this.name, messageId: meta.messageId, status: result.status };
      if (result.status === "ok") this.log.debug(fields, "published and confirmed");
      // The delivery worker logs the outcome at info+ by class; the text may quote the reply.
      else this.log.debug({ ...fields, error: result.error }, "delivery failed");
      return result;
    });
  }

  async close(): Promise<void> {
    await this.queue.idle();
    await this.drop();
    this.stats.status = "closed";
  }

  private async publish(payload: Buffer, meta: SendMeta): Promise<SendResult> {
    const s = this.settings;
    let exchange: string;
    let routingKey: string;
    try {
      const now = new Date();
      this.seq++;
      exchange = renderTemplate(s.exchange, meta, sanitise, now, this.seq, "exchange template");
      routingKey = renderTemplate(s.routingKey, meta, sanitise, now, this.seq, "routingKey template");
    } catch (err) {
      if (err instanceof TemplateError) return { status: "permanent", error: err.message };
      throw err;
    }
    let session: Session;
    try {
      session = await this.connect();
    } catch (err) {
      this.stats.status = "error";
      return { status: "retry", error: `broker unreachable: ${errorText(err)}` };
    }
    this.returned = undefined;
    this.stats.bytesOut(payload.length);
    try {
      await this.confirmed(session, exchange, routingKey, payload, meta);
    } catch (err) {
      if (err instanceof Error && err.message === "message nacked")
        return this.rejected("nacked by the broker");
      await this.drop();
      this.stats.status = "error";
      return { status: "retry", error: session.why ?? errorText(err) };
    }
    if (this.returned !== undefined) return this.rejected(`unroutable: ${this.returned}`);
    return { status: "ok" };
  }

  private rejected(why: string): SendResult {
    return this.settings.onRejected === "deadLetter"
      ? { status: "permanent", error: why }
      : { status: "retry", error: why };
  }

  /** Publishes and resolves on the broker's ack; rejects on nack, channel loss or timeout. */
  private confirmed(
    session: Session,
    exchange: string,
    routingKey: string,
    payload: Buffer,
    meta: SendMeta,
  ): Promise<void> {
    const s = this.settings;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        session.why = `no publisher confirm within ${s.confirmTimeoutMs} ms`;
        reject(new Error(session.why));
      }, s.confirmTimeoutMs);
      try {
        session.channel.publish(
          exchange,
          routingKey,
          payload,
          {
            persistent: s.persistent,
            mandatory: s.mandatory,
            contentType: s.contentType ?? guessContentType(payload),
            messageId: meta.controlId ?? meta.messageId,
            headers: { "x-messagefoundry-id": meta.messageId },
            appId: "messagefoundry",
            timestamp: Math.floor(Date.now() / 1000),
          },
          (err: unknown) => {
            clearTimeout(timer);
            if (err) reject(err instanceof Error ? err : new Error(String(err)));
            else resolve();
          },
        );
      } catch (err) {
        clearTimeout(timer);
        reject(err);
      }
    });
  }

  private async connect(): Promise<Session> {
    if (this.session && !this.session.closed) return this.session;
    await this.drop();
    const s = this.settings;
    const model = await openBroker(s, this.name);
    try {
      const channel = await model.createConfirmChannel();
      const session: Session = { model, channel, closed: false };
      const lost = (why: string) => {
        if (session.closed) return;
        session.closed = true;
        session.why ??= why;
      };
      model.on("error", (err: Error) => lost(errorText(err)));
      model.on("close", (err?: Error) => lost(err ? errorText(err) : "connection closed"));
      channel.on("error", (err: Error) => lost(errorText(err)));
      channel.on("close", () => lost("channel closed"));
      channel.on("return", (msg: amqp.Message) => {
        // basic.return carries reply-code/-text, which amqplib's MessageFields type leaves out.
        const f = msg.fields as amqp.MessageFields & { replyCode?: number; replyText?: string };
        this.returned = `${f.replyCode ?? ""} ${f.replyText ?? "returned"} (exchange "${f.exchange}", routing key "${f.routingKey}")`;
      });
      if (s.exchangeType && s.exchange !== "" && !s.exchange.includes("{"))
        await channel.assertExchange(s.exchange, s.exchangeType, { durable: true });
      this.session = session;
      this.stats.status = "connected";
      this.log.info(
        { connection: this.name, transport: this.type, url: safeUrl(s.url) },
        "amqp outbound connected",
      );
      return session;
    } catch (err) {
      await closeBroker(model);
      throw err;
    }
  }

  private async drop(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    if (!session) return;
    session.closed = true;
    await closeBroker(session.model);
  }
}
