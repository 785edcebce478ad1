/**
 * The soap and smtp connectors through a real engine (SQLite store on a temp file): SOAP envelopes in
 * over the soap inbound → router → handler → a SOAP service (the `soap` npm package) and a real SMTP
 * server (aiosmtpd, STARTTLS, AUTH with the password from a MEFOR_VALUE_* secret). Both servers go away
 * and come back: the messages wait, retry and arrive in order; a Client fault dead-letters.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import {
  faultProxy,
  type SmtpServer,
  smtpService,
  startSmtpServer,
  useService,
} from "@messagefoundry/test-services";
import * as soap from "soap";
import type { Engine } from "../../src/runtime/index.js";
import { SOAP11_NS } from "../../src/transports/soap-xml.js";
import { selfSignedCert } from "../transports/helpers.js";
import { adt, freePort, openEngine, tempDir, until, writeFiles } from "./helpers.js";

const WSDL = readFileSync(join(import.meta.dirname, "..", "transports", "fixtures", "submit.wsdl"), "utf8");

const ROUTES = `
import { env, handler, inbound, outbound, router, send, smtp, soap } from "messagefoundry";

inbound("IB_SOAP_ADT", soap({ host: "127.0.0.1", port: env("in_port", "int"), path: "/adt" }), {
  router: "soap_router",
  contentType: "xml",
});
outbound("OB_SOAP_ADT", soap({ url: env("soap_url"), operation: "SubmitRequest", namespace: "urn:mf-test:submit",
  soapAction: "urn:mf-test:submit#Submit", wsAddressing: true }), {
  retry: { baseMs: 20, multiplier: 2, capMs: 100 },
  contentType: "xml",
});
outbound("OB_MAIL_ADT", smtp({ host: "127.0.0.1", port: env("smtp_port", "int"),
  tls: { ca: env("smtp_ca"), servername: "localhost" }, username: "mailer", password: env("mail_password"),
  from: "engine@example.org", to: "ward@example.org", subject: "ADT {MSH-10}" }), {
  retry: { baseMs: 20, multiplier: 2, capMs: 100 },
});

router("soap_router", () => ["to_both"]);

handler("to_both", (msg) => {
  const hl7 = /<payload>([\\s\\S]*)<\\/payload>/.exec(msg.text)[1].replace(/&amp;/g, "&");
  const id = hl7.split("|")[9];
  return [send("OB_SOAP_ADT", "<payload>" + id + "</payload>"), send("OB_MAIL_ADT", hl7)];
});
`;

const envelope = (hl7: string) =>
  `<s:Envelope xmlns:s="${SOAP11_NS}"><s:Body><SubmitRequest xmlns="urn:mf-test:submit"><payload>${hl7.replace(/&/g, "&amp;")}</payload></SubmitRequest></s:Body></s:Envelope>`;

describe("runtime: soap and smtp connectors through the engine", function () {
  this.timeout(120_000);
  const t = tempDir();
  let engine: Engine;
  let mail: SmtpServer;
  let soapServer: http.Server;
  let proxy: Awaited<ReturnType<typeof faultProxy>>;
  let inUrl: string;
  const soapCalls: string[] = [];

  before(async () => {
    const python = await useService(smtpService);
    const cert = selfSignedCert(t.dir);
    mail = await startSmtpServer(python, {
      starttls: cert,
      auth: { user: "mailer", password: "pw-from-env" },
    });
    soapServer = http.createServer();
    await new Promise<void>((resolve) => soapServer.listen(0, "127.0.0.1", resolve));
    const soapPort = (soapServer.address() as AddressInfo).port;
    soap.listen(soapServer, {
      path: "/soap11",
      services: {
        SubmitService: {
          Submit11Port: {
            Submit: (args: { payload: string }) => {
              soapCalls.push(args.payload);
              if (args.payload.startsWith("BAD"))
                throw { Fault: { faultcode: "soap:Client", faultstring: "refused", statusCode: 500 } };
              return { status: "ok" };
            },
          },
        },
      },
      xml: WSDL.replace("#Submit12", "#Submit").replace(/127\.0\.0\.1:1\//g, `127.0.0.1:${soapPort}/`),
    });
    proxy = await faultProxy({ host: "127.0.0.1", port: soapPort });
    const inPort = await freePort();
    inUrl = `http://127.0.0.1:${inPort}/adt`;
    const config = join(t.dir, "config");
    writeFiles(config, {
      "routes.ts": ROUTES,
      "environments/test.toml": [
        `in_port = ${inPort}`,
        `soap_url = "http://127.0.0.1:${proxy.port}/soap11"`,
        `smtp_port = ${mail.port}`,
        `smtp_ca = ${JSON.stringify(cert.cert)}`,
        "",
      ].join("\n"),
    });
    engine = await openEngine(config, join(t.dir, "engine.db"), {
      processEnv: { MEFOR_VALUE_MAIL_PASSWORD: "pw-from-env" },
    });
  });

  after(async () => {
    await engine?.stop();
    await proxy?.close();
    await mail?.close();
    await new Promise((resolve) => soapServer?.close(resolve));
    t.cleanup();
  });

  async function post(hl7: string): Promise<{ status: number; text: string; storedBefore: number }> {
    const res = await fetch(inUrl, {
      method: "POST",
      headers: { "content-type": "text/xml; charset=utf-8" },
      body: envelope(hl7),
    });
    const text = await res.text();
    // The answer came back, so the message must already be committed.
    const storedBefore = (await engine.store.listMessages({ limit: 1000 })).length;
    return { status: res.status, text, storedBefore };
  }

  const subjects = () => mail.mails().map((m) => /^Subject: ADT (\S+)$/m.exec(m.data)?.[1]);

  it("envelopes in are committed before the answer, then delivered to the SOAP service and by mail", async () => {
    for (const [i, id] of ["S1", "S2", "S3"].entries()) {
      const r = await post(adt(id));
      assert.equal(r.status, 200);
      assert.match(r.text, /<Accepted xmlns="urn:messagefoundry:soap"\/>/);
      assert.ok(r.storedBefore >= i + 1, "committed before the answer");
    }
    await until(() => soapCalls.length === 3 && mail.mails().length === 3);
    assert.deepEqual(soapCalls, ["S1", "S2", "S3"]);
    assert.deepEqual(subjects(), ["S1", "S2", "S3"]);
    assert.ok(mail.mails().every((m) => m.tls && m.authenticated));
    await until(async () =>
      (await engine.store.listMessages({ limit: 100 })).every((m) => m.disposition === "PROCESSED"),
    );
  });

  it("both servers away: messages wait and retry; back again they arrive in order", async () => {
    proxy.cut();
    await mail.stop();
    for (const id of ["S4", "S5"]) assert.equal((await post(adt(id))).status, 200);
    // Nothing can arrive while both are away: both deliveries of S4 record failed attempts (retrying).
    const [s4] = (await engine.store.listMessages({ limit: 100 })).sort((a, b) => b.id - a.id).slice(1);
    assert.ok(s4);
    await until(async () => {
      const d = await engine.store.getMessage(s4.id);
      const out = d?.rows.filter((row) => row.conn === "OB_SOAP_ADT" || row.conn === "OB_MAIL_ADT") ?? [];
      return out.length === 2 && out.every((row) => row.attempts >= 2 && row.error !== null);
    });
    assert.equal(soapCalls.length, 3);
    proxy.restore();
    await mail.start();
    await until(() => soapCalls.length === 5 && mail.mails().length === 5);
    assert.deepEqual(soapCalls, ["S1", "S2", "S3", "S4", "S5"]);
    assert.deepEqual(subjects(), ["S1", "S2", "S3", "S4", "S5"]);
  });

  it("a SOAP Client fault dead-letters that message (ERROR) while the mail still goes", async () => {
    const r = await post(adt("BAD1"));
    assert.equal(r.status, 200);
    await until(() => soapCalls.includes("BAD1") && subjects().includes("BAD1"));
    await until(async () =>
      (await engine.store.listMessages({ limit: 100 })).some((m) => m.disposition === "ERROR"),
    );
    const [errored] = await engine.store.listMessages({ disposition: "ERROR", limit: 10 });
    assert.ok(errored);
    assert.match(errored.error ?? "", /SOAP fault Client/);
  });
});
