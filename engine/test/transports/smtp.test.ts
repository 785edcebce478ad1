/** The smtp outbound against a real SMTP server (aiosmtpd, the test's own instance on a free port). */
import assert from "node:assert/strict";
import { type SmtpServer, smtpService, startSmtpServer, useService } from "@messagefoundry/test-services";
import { createOutbound, type OutboundConnector, type RawSettings } from "../../src/transports/index.js";
import { adt, captureLog, selfSignedCert, tempDir } from "./helpers.js";

describe("transports/smtp outbound (real SMTP server)", function () {
  this.timeout(120_000);
  let python: string;
  const tmp = tempDir();
  let cert: { cert: string; key: string };
  const servers: SmtpServer[] = [];
  const outbounds: OutboundConnector[] = [];

  before(async () => {
    python = await useService(smtpService);
    cert = selfSignedCert(tmp.dir);
  });
  afterEach(async () => {
    for (const ob of outbounds.splice(0)) await ob.close();
    for (const s of servers.splice(0)) await s.close();
  });
  after(() => tmp.cleanup());

  async function server(opts: Parameters<typeof startSmtpServer>[1] = {}): Promise<SmtpServer> {
    const s = await startSmtpServer(python, opts);
    servers.push(s);
    return s;
  }

  function outbound(settings: RawSettings, log = captureLog()): OutboundConnector {
    const ob = createOutbound(
      "smtp",
      "OB_MAIL_ADT",
      { host: "127.0.0.1", timeoutMs: 10_000, ...settings },
      { log },
    );
    outbounds.push(ob);
    return ob;
  }

  const meta = (id: string) => ({
    messageId: id,
    controlId: `CTRL${id}`,
    filenameHint: { "MSH-10": `CTRL${id}` },
  });

  it("STARTTLS (required by default) with AUTH: the message is the body; templates fill from, to and subject", async () => {
    const s = await server({ starttls: cert, auth: { user: "mailer", password: "s3cret" } });
    const ob = outbound({
      port: s.port,
      tls: { ca: cert.cert, servername: "localhost" },
      username: "mailer",
      password: "s3cret",
      from: "engine@example.org",
      to: "ward-{MSH-10}@example.org",
      cc: "audit@example.org",
      subject: "ADT {MSH-10} ({messageId})",
    });
    const r = await ob.send(Buffer.from(adt("A1")), meta("1"));
    assert.equal(r.status, "ok", r.error);
    assert.match(r.reply!.toString(), /^250 OK queued as/);
    const [mail] = s.mails();
    assert.ok(mail);
    assert.equal(mail.tls, true);
    assert.equal(mail.authenticated, true);
    assert.equal(mail.mailFrom, "engine@example.org");
    assert.deepEqual(mail.rcptTos, ["ward-CTRL1@example.org", "audit@example.org"]);
    assert.match(mail.data, /^Subject: ADT CTRL1 \(1\)$/m);
    assert.match(mail.data, /PID\|1\|\|A1/);
  });

  it("a refused login retries (the settings are wrong, not the message) and sends nothing", async () => {
    const s = await server({ starttls: cert, auth: { user: "mailer", password: "s3cret" } });
    const ob = outbound({
      port: s.port,
      tls: { ca: cert.cert, servername: "localhost" },
      username: "mailer",
      password: "wrong",
      from: "a@example.org",
      to: "b@example.org",
    });
    const r = await ob.send(Buffer.from(adt("A0")), meta("0"));
    assert.equal(r.status, "retry");
    assert.match(r.error!, /^SMTP 535 \(EAUTH\)$/);
    assert.equal(s.mails().length, 0);
  });

  it("a server without STARTTLS: nothing is sent and the delivery retries; opportunistic sends in the clear", async () => {
    const s = await server();
    const strict = outbound({ port: s.port, from: "a@example.org", to: "b@example.org" });
    const r = await strict.send(Buffer.from(adt("A2")), meta("2"));
    assert.equal(r.status, "retry");
    assert.equal(s.mails().length, 0);
    const lax = outbound({
      port: s.port,
      security: "opportunistic",
      from: "a@example.org",
      to: "b@example.org",
    });
    assert.equal((await lax.send(Buffer.from(adt("A3")), meta("3"))).status, "ok");
    assert.equal(s.mails().length, 1);
    assert.equal(s.mails()[0]!.tls, false);
  });

  it("implicit TLS; an untrusted certificate is a retry, not a send", async () => {
    const s = await server({ smtps: cert });
    const trusted = outbound({
      port: s.port,
      security: "tls",
      tls: { ca: cert.cert, servername: "localhost" },
      from: "a@example.org",
      to: "b@example.org",
    });
    assert.equal((await trusted.send(Buffer.from(adt("A4")), meta("4"))).status, "ok");
    const untrusted = outbound({ port: s.port, security: "tls", from: "a@example.org", to: "b@example.org" });
    const r = await untrusted.send(Buffer.from(adt("A5")), meta("5"));
    assert.equal(r.status, "retry");
    assert.match(r.error!, /certificate|self[- ]signed/i);
    assert.equal(s.mails().length, 1);
    assert.equal(s.mails()[0]!.tls, true);
  });

  it("the message as an attachment with a templated name and its content type", async () => {
    const s = await server({ starttls: cert });
    const ob = outbound({
      port: s.port,
      tls: { ca: cert.cert, servername: "localhost" },
      from: "a@example.org",
      to: "b@example.org",
      body: "attachment",
      text: "See the attached message.",
      attachmentName: "{MSH-10}.hl7",
    });
    assert.equal((await ob.send(Buffer.from(adt("A6")), meta("6"))).status, "ok");
    const data = s.mails()[0]!.data;
    assert.match(data, /See the attached message\./);
    assert.match(data, /Content-Type: x-application\/hl7-v2\+er7; name=CTRL6\.hl7/);
    assert.match(data, /Content-Disposition: attachment; filename=CTRL6\.hl7/);
    const b64 = /filename=CTRL6\.hl7\r?\n(?:[^\r\n]+\r?\n)*\r?\n([A-Za-z0-9+/=\r\n]+)/.exec(data)![1]!;
    assert.equal(Buffer.from(b64.replace(/\s/g, ""), "base64").toString(), adt("A6"));
  });

  it("4xx from the server retries, 5xx dead-letters; a template without a value is permanent", async () => {
    const s = await server({ starttls: cert });
    const base = { port: s.port, tls: { ca: cert.cert, servername: "localhost" }, from: "a@example.org" };
    const temp = await outbound({ ...base, to: "tempfail@example.org" }).send(
      Buffer.from(adt("A7")),
      meta("7"),
    );
    assert.equal(temp.status, "retry");
    assert.match(temp.error!, /SMTP 451/);
    const perm = await outbound({ ...base, to: "reject@example.org" }).send(
      Buffer.from(adt("A8")),
      meta("8"),
    );
    assert.equal(perm.status, "permanent");
    assert.match(perm.error!, /SMTP 550/);
    const tpl = await outbound({ ...base, to: "{PV1-3}@example.org" }).send(
      Buffer.from(adt("A9")),
      meta("9"),
    );
    assert.equal(tpl.status, "permanent");
    assert.match(tpl.error!, /no value for \{PV1-3\}/);
    assert.equal(s.mails().length, 0);
  });

  it("a message value cannot add mail headers (CR/LF in a template value)", async () => {
    const s = await server({ starttls: cert });
    const ob = outbound({
      port: s.port,
      tls: { ca: cert.cert, servername: "localhost" },
      from: "a@example.org",
      to: "b@example.org",
      subject: "ADT {MSH-10}",
    });
    const r = await ob.send(Buffer.from(adt("B1")), {
      messageId: "10",
      filenameHint: { "MSH-10": "X\r\nBcc: thief@example.org" },
    });
    assert.equal(r.status, "ok", r.error);
    const mail = s.mails()[0]!;
    assert.deepEqual(mail.rcptTos, ["b@example.org"]);
    assert.doesNotMatch(mail.data, /^Bcc:/m);
  });

  it("the server going away retries; when it is back the next attempt delivers, in order", async () => {
    const s = await server({ starttls: cert });
    const ob = outbound({
      port: s.port,
      tls: { ca: cert.cert, servername: "localhost" },
      from: "a@example.org",
      to: "b@example.org",
      subject: "{MSH-10}",
    });
    assert.equal((await ob.send(Buffer.from(adt("C1")), meta("11"))).status, "ok");
    await s.stop();
    const down = await ob.send(Buffer.from(adt("C2")), meta("12"));
    assert.equal(down.status, "retry");
    await s.start();
    assert.equal((await ob.send(Buffer.from(adt("C2")), meta("12"))).status, "ok");
    assert.equal((await ob.send(Buffer.from(adt("C3")), meta("13"))).status, "ok");
    assert.deepEqual(
      s.mails().map((m) => /^Subject: (\S+)$/m.exec(m.data)?.[1]),
      ["CTRL11", "CTRL12", "CTRL13"],
    );
  });

  it("settings errors name the connection and the setting", () => {
    assert.throws(() => createOutbound("smtp", "OB_M", { host: "h", to: "b@x" }), /OB_M.*from.*required/);
    assert.throws(
      () => createOutbound("smtp", "OB_M", { host: "h", from: "a@x", to: "b@x", security: "ssl" }),
      /security/,
    );
    assert.throws(
      () => createOutbound("smtp", "OB_M", { host: "h", from: "a@x", to: "b@x", username: "u" }),
      /username.*password/,
    );
  });
});
