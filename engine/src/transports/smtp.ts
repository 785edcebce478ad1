/**
 * SMTP outbound (nodemailer): one mail per message, the message as the text body or as an attachment.
 * Transport security: `tls` (implicit TLS, e.g. port 465), `starttls` (default: the server must offer
 * STARTTLS, else nothing is sent) or `opportunistic` (STARTTLS when offered, plain otherwise — only when
 * told). Addresses, subject and attachment name are templates filled like the File outbound's filename
 * (`{MSH-10}`, `{messageId}`, `{date}`, …; control characters removed). Outcome: a 4xx reply, a connection,
 * TLS or authentication failure, or a timeout retry (the message is fine; the server or settings are
 * not); a 5xx reply (the server refuses this mail) is permanent; a template without a value is permanent.
 */
import nodemailer, { type SendMailOptions, type Transporter } from "nodemailer";
import type SMTPPool from "nodemailer/lib/smtp-pool/index.js";
import { errorText } from "./errors.js";
import { SettingsReader } from "./settings.js";
import { OutboundStats } from "./stats.js";
import { renderTemplate, TemplateError } from "./template.js";
import { loadClientTls, readTlsClient, type TlsClientSettings } from "./tls.js";
import type {
  ConnectorDefinition,
  ConnectorLog,
  OutboundConnector,
  OutboundState,
  RawSettings,
  SendMeta,
  SendResult,
} from "./types.js";
import { guessContentType, SerialQueue } from "./util.js";

export interface SmtpOutboundSettings {
  host: string;
  /** Default 465 with `security = "tls"`, else 587. */
  port: number;
  security: "tls" | "starttls" | "opportunistic";
  tls?: TlsClientSettings;
  username?: string;
  password?: string;
  /** Templates. `to`, `cc`, `bcc`: comma-separated addresses. */
  from: string;
  to: string;
  cc?: string;
  bcc?: string;
  subject: string;
  /** `text`: the message is the mail's text body; `attachment`: it is attached and `text` is the body. */
  body: "text" | "attachment";
  /** Body text when the message is attached. */
  text: string;
  /** Attachment file name template. Default `{messageId}.txt`. */
  attachmentName: string;
  /** Attachment media type; default guessed from the message's first bytes. */
  attachmentType?: string;
  /** Connect, greeting and socket inactivity timeout. Default 30 s. */
  timeoutMs: number;
}

export function readSmtpOutbound(name: string, raw: RawSettings): SmtpOutboundSettings {
  const r = new SettingsReader(name, raw);
  const security = r.oneOf("security", ["tls", "starttls", "opportunistic"] as const, "starttls");
  const username = r.optStr("username");
  const password = r.optStr("password");
  if ((username === undefined) !== (password === undefined)) r.fail("username", "and password go together");
  return {
    host: r.str("host"),
    port: r.has("port") ? r.int("port", { min: 1, max: 65535 }) : security === "tls" ? 465 : 587,
    security,
    tls: readTlsClient(r),
    username,
    password,
    from: r.str("from"),
    to: r.str("to"),
    cc: r.optStr("cc"),
    bcc: r.optStr("bcc"),
    subject: r.str("subject", "Message {messageId}"),
    body: r.oneOf("body", ["text", "attachment"] as const, "text"),
    text: r.has("text") ? String(r.raw.text) : "",
    attachmentName: r.str("attachmentName", "{messageId}.txt"),
    attachmentType: r.optStr("attachmentType"),
    timeoutMs: r.int("timeoutMs", { def: 30_000, min: 1 }),
  };
}

/** Header values come from messages: no CR/LF or other control characters (no header injection). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const headerSafe = (v: string): string => v.replace(/[\u0000-\u001f\u007f]+/g, " ");
/** An attachment name: no path separators either. */
const nameSafe = (v: string): string => headerSafe(v).replace(/[/\\]/g, "_");

/**
 * Maps a nodemailer error to an outcome: 5xx permanent; 4xx, network, TLS and auth failures retry. A
 * server reply is reported by its code only: its text may quote a recipient address from the message.
 */
export function smtpErrorResult(err: unknown): SendResult {
  const e = err as { responseCode?: number; code?: string };
  const code = e.responseCode;
  if (code !== undefined) {
    const error = `SMTP ${code}${e.code ? ` (${e.code})` : ""}`;
    const permanent = code >= 500 && code < 600 && e.code !== "EAUTH";
    return { status: permanent ? "permanent" : "retry", error };
  }
  const text = errorText(err).split(/\r?\n/)[0] ?? "";
  return { status: "retry", error: e.code ? `${e.code}: ${text}` : text };
}

export class SmtpOutbound implements OutboundConnector {
  readonly type = "smtp";
  private readonly stats = new OutboundStats();
  private readonly queue = new SerialQueue();
  private transport: Transporter<SMTPPool.SentMessageInfo> | undefined;
  private seq = 0;

  constructor(
    readonly name: string,
    private readonly settings: SmtpOutboundSettings,
    private readonly log: ConnectorLog,
  ) {}

  get state(): OutboundState {
    return this.stats.snapshot();
  }

  send(payload: Buffer, meta: SendMeta): Promise<SendResult> {
    return this.queue.run(async () => {
      const result = await this.deliver(payload, meta);
      this.stats.result(result.status === "ok", result.error);
      const fields = { connection: this.name, messageId: meta.messageId, status: result.status };
      if (result.status === "ok") this.log.debug(fields, "mail sent");
      // The delivery worker logs the outcome at info+ by class; the text may quote the reply.
      else this.log.debug({ ...fields, error: result.error }, "mail not sent");
      return result;
    });
  }

  async close(): Promise<void> {
    await this.queue.idle();
    this.transport?.close();
    this.transport = undefined;
    this.stats.status = "closed";
  }

  private async deliver(payload: Buffer, meta: SendMeta): Promise<SendResult> {
    let mail: SendMailOptions;
    try {
      mail = this.compose(payload, meta);
    } catch (err) {
      if (err instanceof TemplateError) return { status: "permanent", error: err.message };
      throw err;
    }
    try {
      this.transport ??= await this.connect();
      const info = await this.transport.sendMail(mail);
      this.stats.bytesOut(payload.length);
      this.stats.status = "connected";
      const reply = Buffer.from(info.response ?? "");
      this.stats.bytesIn(reply.length);
      const rejected = info.rejected?.length ?? 0;
      return {
        status: "ok",
        ...(reply.length ? { reply } : {}),
        ...(rejected ? { error: `${rejected} recipient(s) refused; sent to the others` } : {}),
      };
    } catch (err) {
      const result = smtpErrorResult(err);
      if (result.status === "retry") {
        // Drop the pooled connection: the next attempt reconnects (the server may be back).
        this.stats.status = "error";
        this.transport?.close();
        this.transport = undefined;
      }
      return result;
    }
  }

  private compose(payload: Buffer, meta: SendMeta): SendMailOptions {
    const s = this.settings;
    const now = new Date();
    const seq = ++this.seq;
    const fill = (t: string, what: string, clean = headerSafe) =>
      renderTemplate(t, meta, clean, now, seq, what);
    const mail: SendMailOptions = {
      from: fill(s.from, "from"),
      to: fill(s.to, "to"),
      subject: fill(s.subject, "subject"),
      ...(s.cc ? { cc: fill(s.cc, "cc") } : {}),
      ...(s.bcc ? { bcc: fill(s.bcc, "bcc") } : {}),
      // Our own Message-ID header is not set: the server's queue id in the reply is what gets recorded.
    };
    if (s.body === "text") {
      mail.text = payload.toString("utf8");
    } else {
      mail.text = s.text;
      mail.attachments = [
        {
          filename: fill(s.attachmentName, "attachmentName", nameSafe),
          content: payload,
          contentType: s.attachmentType ?? guessContentType(payload),
        },
      ];
    }
    return mail;
  }

  private async connect(): Promise<Transporter<SMTPPool.SentMessageInfo>> {
    const s = this.settings;
    const tls = s.tls ? await loadClientTls(s.tls) : {};
    // One pooled connection kept open between mails (the lane sends one at a time), not one per mail.
    const options: SMTPPool.Options = {
      pool: true,
      maxConnections: 1,
      maxMessages: 1000,
      host: s.host,
      port: s.port,
      secure: s.security === "tls",
      requireTLS: s.security === "starttls",
      ...(s.security === "opportunistic" ? { opportunisticTLS: true } : {}),
      tls,
      connectionTimeout: s.timeoutMs,
      greetingTimeout: s.timeoutMs,
      socketTimeout: s.timeoutMs,
      ...(s.username !== undefined ? { auth: { user: s.username, pass: s.password! } } : {}),
      logger: false,
      debug: false,
    };
    return nodemailer.createTransport(options);
  }
}

export const smtpConnector: ConnectorDefinition = {
  outbound: (name, raw, deps) => new SmtpOutbound(name, readSmtpOutbound(name, raw), deps.log),
};
