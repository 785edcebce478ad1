/**
 * The soap connector against a real SOAP stack: the `soap` npm package hosts a document/literal service
 * from fixtures/submit.wsdl (a SOAP 1.1 and a SOAP 1.2 server), and its client calls the soap inbound.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { faultProxy } from "@messagefoundry/test-services";
import * as soap from "soap";
import {
  createInbound,
  createOutbound,
  type InboundConnector,
  LoopbackHub,
  type OutboundConnector,
  type RawSettings,
} from "../../src/transports/index.js";
import { parseXml, SOAP11_NS, SOAP12_NS, XmlError } from "../../src/transports/soap-xml.js";
import { captureLog, context, type Receive, selfSignedCert, tempDir } from "./helpers.js";

const WSDL = readFileSync(join(import.meta.dirname, "fixtures", "submit.wsdl"), "utf8");
const NS = "urn:mf-test:submit";

interface Call {
  payload: string;
  soapAction: string | undefined;
  contentType: string | undefined;
  messageId: string | undefined;
  action: string | undefined;
}

/** A SOAP server (the `soap` package) for one SOAP version, answering and faulting on demand. */
async function soapService(version: "1.1" | "1.2") {
  const calls: Call[] = [];
  const state = { serverFaults: 0 };
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const path = version === "1.1" ? "/soap11" : "/soap12";
  const fault = (sender: boolean, text: string) =>
    version === "1.1"
      ? { Fault: { faultcode: sender ? "soap:Client" : "soap:Server", faultstring: text, statusCode: 500 } }
      : {
          Fault: {
            Code: { Value: sender ? "soap:Sender" : "soap:Receiver" },
            Reason: { Text: text },
            statusCode: sender ? 400 : 500,
          },
        };
  const submit = (
    args: { payload: string },
    _cb: unknown,
    headers: Record<string, unknown> | undefined,
    req: http.IncomingMessage,
  ) => {
    calls.push({
      payload: args.payload,
      soapAction: req.headers.soapaction as string | undefined,
      contentType: req.headers["content-type"],
      messageId: headers?.MessageID as string | undefined,
      action: headers?.Action as string | undefined,
    });
    if (state.serverFaults > 0) {
      state.serverFaults--;
      throw fault(false, "service busy");
    }
    if (args.payload.startsWith("BAD")) throw fault(true, "payload refused");
    return { status: `accepted ${args.payload.length}` };
  };
  const portName = version === "1.1" ? "Submit11Port" : "Submit12Port";
  soap.listen(server, {
    path,
    services: { SubmitService: { [portName]: { Submit: submit } } },
    // The soap package keeps one SOAPAction per operation name across bindings (the last one read):
    // the 1.1 server's copy gives both bindings the 1.1 action so it finds the method by its header.
    xml: (version === "1.1" ? WSDL.replace("#Submit12", "#Submit") : WSDL).replace(
      /127\.0\.0\.1:1\//g,
      `127.0.0.1:${port}/`,
    ),
    ...(version === "1.2" ? { forceSoap12Headers: true } : {}),
  });
  return {
    calls,
    state,
    port,
    url: `http://127.0.0.1:${port}${path}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("transports/soap outbound (a real SOAP service)", function () {
  this.timeout(30_000);
  let s11: Awaited<ReturnType<typeof soapService>>;
  let s12: Awaited<ReturnType<typeof soapService>>;
  const tmp = tempDir();
  let wsdlPath: string;
  const outbounds: OutboundConnector[] = [];

  before(async () => {
    s11 = await soapService("1.1");
    s12 = await soapService("1.2");
    // One WSDL naming both servers: its ports say where each version lives.
    wsdlPath = join(tmp.dir, "submit.wsdl");
    writeFileSync(
      wsdlPath,
      WSDL.replace("127.0.0.1:1/soap11", `127.0.0.1:${s11.port}/soap11`).replace(
        "127.0.0.1:1/soap12",
        `127.0.0.1:${s12.port}/soap12`,
      ),
    );
  });
  beforeEach(() => {
    s11.calls.length = 0;
    s12.calls.length = 0;
  });
  afterEach(async () => {
    for (const ob of outbounds.splice(0)) await ob.close();
  });
  after(async () => {
    await s11.close();
    await s12.close();
    tmp.cleanup();
  });

  function outbound(settings: RawSettings, hub = new LoopbackHub()): OutboundConnector {
    const ob = createOutbound("soap", "OB_SOAP_ADT", settings, { log: captureLog(), loopback: hub });
    outbounds.push(ob);
    return ob;
  }
  const meta = { messageId: "1" };

  it("SOAP 1.1 from the WSDL: text/xml, the SOAPAction header, the payload wrapped in the operation's element", async () => {
    const ob = outbound({ wsdl: wsdlPath, operation: "Submit", wsdlPort: "Submit11Port" });
    const r = await ob.send(Buffer.from("<payload>ADT A01 &amp; more</payload>"), meta);
    assert.equal(r.status, "ok", r.error);
    assert.deepEqual(
      s11.calls.map((c) => c.payload),
      ["ADT A01 & more"],
    );
    assert.equal(s11.calls[0]!.soapAction, '"urn:mf-test:submit#Submit"');
    assert.match(s11.calls[0]!.contentType!, /^text\/xml; charset=utf-8$/);
    assert.match(r.reply!.toString(), new RegExp(`${SOAP11_NS}[\\s\\S]*<(\\w+:)?status>accepted 14<`));
  });

  it("SOAP 1.2 from the WSDL: application/soap+xml with the action parameter, no SOAPAction header", async () => {
    const ob = outbound({ wsdl: wsdlPath, operation: "Submit", wsdlPort: "Submit12Port" });
    const r = await ob.send(Buffer.from("<payload>ORU R01</payload>"), meta);
    assert.equal(r.status, "ok", r.error);
    assert.equal(s12.calls.length, 1);
    assert.equal(s12.calls[0]!.soapAction, undefined);
    assert.equal(
      s12.calls[0]!.contentType,
      'application/soap+xml; charset=utf-8; action="urn:mf-test:submit#Submit12"',
    );
    assert.match(r.reply!.toString(), new RegExp(SOAP12_NS));
  });

  it("a whole envelope passes through as it is, with the settings' SOAPAction", async () => {
    const ob = outbound({ url: s11.url, soapAction: "urn:mf-test:submit#Submit" });
    const env = `<?xml version="1.0"?><e:Envelope xmlns:e="${SOAP11_NS}"><e:Body><SubmitRequest xmlns="${NS}"><payload>RAW</payload></SubmitRequest></e:Body></e:Envelope>`;
    const r = await ob.send(Buffer.from(env), meta);
    assert.equal(r.status, "ok", r.error);
    assert.deepEqual(
      s11.calls.map((c) => c.payload),
      ["RAW"],
    );
    // WS-Addressing blocks are added to the envelope's own Header (one is made when it has none).
    const wsa = outbound({ url: s11.url, soapAction: "urn:mf-test:submit#Submit", wsAddressing: true });
    assert.equal((await wsa.send(Buffer.from(env), meta)).status, "ok");
    assert.match(s11.calls[1]!.messageId!, /^urn:uuid:/);
    assert.equal(s11.calls[1]!.payload, "RAW");
    const notEnvelope = await ob.send(Buffer.from("MSH|^~\\&|A"), meta);
    assert.equal(notEnvelope.status, "permanent");
    assert.match(notEnvelope.error!, /not a SOAP envelope/);
  });

  for (const version of ["1.1", "1.2"] as const) {
    it(`SOAP ${version}: a ${version === "1.1" ? "Server" : "Receiver"} fault retries with a fresh WS-Addressing MessageID per attempt; a ${version === "1.1" ? "Client" : "Sender"} fault dead-letters`, async () => {
      const svc = version === "1.1" ? s11 : s12;
      const ob = outbound({
        wsdl: wsdlPath,
        operation: "Submit",
        wsdlPort: version === "1.1" ? "Submit11Port" : "Submit12Port",
        wsAddressing: true,
      });
      svc.state.serverFaults = 2;
      const attempts = [];
      for (let i = 0; i < 3; i++)
        attempts.push(await ob.send(Buffer.from("<payload>RETRY ME</payload>"), meta));
      assert.deepEqual(
        attempts.map((a) => a.status),
        ["retry", "retry", "ok"],
      );
      assert.match(attempts[0]!.error!, version === "1.1" ? /SOAP fault Server/ : /SOAP fault Receiver/);
      assert.match(attempts[0]!.reply!.toString(), /service busy/);
      const ids = svc.calls.map((c) => c.messageId);
      assert.equal(ids.length, 3);
      for (const id of ids) assert.match(id!, /^urn:uuid:[0-9a-f-]{36}$/);
      assert.equal(new Set(ids).size, 3, "each attempt has its own MessageID");
      assert.equal(
        svc.calls[0]!.action,
        version === "1.1" ? "urn:mf-test:submit#Submit" : "urn:mf-test:submit#Submit12",
      );

      const bad = await ob.send(Buffer.from("<payload>BAD one</payload>"), meta);
      assert.equal(bad.status, "permanent");
      assert.match(bad.error!, version === "1.1" ? /SOAP fault Client/ : /SOAP fault Sender/);
    });
  }

  it("HTTP 5xx without a fault retries; 4xx dead-letters", async () => {
    const plain = http.createServer((req, res) => {
      req.resume();
      const status = req.url === "/busy" ? 503 : 404;
      res.writeHead(status, { "content-type": "text/html" }).end("<html>no</html>");
    });
    await new Promise<void>((resolve) => plain.listen(0, "127.0.0.1", resolve));
    const p = (plain.address() as AddressInfo).port;
    try {
      const busy = await outbound({
        url: `http://127.0.0.1:${p}/busy`,
        operation: "SubmitRequest",
        namespace: NS,
      }).send(Buffer.from("x"), meta);
      assert.equal(busy.status, "retry");
      assert.equal(busy.error, "HTTP 503");
      const missing = await outbound({
        url: `http://127.0.0.1:${p}/x`,
        operation: "SubmitRequest",
        namespace: NS,
      }).send(Buffer.from("x"), meta);
      assert.equal(missing.status, "permanent");
    } finally {
      await new Promise((resolve) => plain.close(resolve));
    }
  });

  it("the service going away (fault proxy cut) retries; when it is back the messages go in order", async () => {
    const proxy = await faultProxy({ host: "127.0.0.1", port: s11.port });
    try {
      const ob = outbound({
        url: `http://127.0.0.1:${proxy.port}/soap11`,
        operation: "SubmitRequest",
        namespace: NS,
        soapAction: "urn:mf-test:submit#Submit",
      });
      assert.equal((await ob.send(Buffer.from("<payload>M1</payload>"), meta)).status, "ok");
      proxy.cut();
      const away = await ob.send(Buffer.from("<payload>M2</payload>"), meta);
      assert.equal(away.status, "retry");
      assert.match(away.error!, /ECONNRESET|ECONNREFUSED|socket hang up/);
      proxy.restore();
      assert.equal((await ob.send(Buffer.from("<payload>M2</payload>"), meta)).status, "ok");
      assert.equal((await ob.send(Buffer.from("<payload>M3</payload>"), meta)).status, "ok");
      assert.deepEqual(
        s11.calls.map((c) => c.payload),
        ["M1", "M2", "M3"],
      );
    } finally {
      await proxy.close();
    }
  });

  it("a WSDL that cannot be read retries (and is read again); an operation it lacks dead-letters", async () => {
    const missing = join(tmp.dir, "later.wsdl");
    const ob = outbound({ wsdl: missing, operation: "Submit" });
    const first = await ob.send(Buffer.from("<payload>A</payload>"), meta);
    assert.equal(first.status, "retry");
    assert.match(first.error!, /WSDL: .*ENOENT/);
    writeFileSync(missing, readFileSync(wsdlPath));
    assert.equal((await ob.send(Buffer.from("<payload>A</payload>"), meta)).status, "ok");
    const wrong = await outbound({ wsdl: wsdlPath, operation: "Nope" }).send(
      Buffer.from("<payload>A</payload>"),
      meta,
    );
    assert.equal(wrong.status, "permanent");
    assert.match(wrong.error!, /operation Nope not found/);
  });

  it("the reply is re-ingressed through reingressTo; a reply over maxResponseBytes is cut and not re-ingressed", async () => {
    const hub = new LoopbackHub();
    const got: Buffer[] = [];
    hub.attach("IB_SOAP_REPLIES", async (payload) => {
      got.push(payload);
      return { accepted: true };
    });
    const ob = outbound({ wsdl: wsdlPath, operation: "Submit", reingressTo: "IB_SOAP_REPLIES" }, hub);
    const r = await ob.send(Buffer.from("<payload>P</payload>"), meta);
    assert.equal(r.status, "ok", r.error);
    assert.equal(got.length, 1);
    assert.deepEqual(got[0], r.reply);
    const small = outbound(
      { wsdl: wsdlPath, operation: "Submit", reingressTo: "IB_SOAP_REPLIES", maxResponseBytes: 20 },
      hub,
    );
    const cut = await small.send(Buffer.from("<payload>P</payload>"), meta);
    assert.equal(cut.status, "ok");
    assert.equal(cut.reply!.length, 20);
    assert.match(cut.error!, /maxResponseBytes.*not re-ingressed/);
    assert.equal(got.length, 1);
  });

  it("HTTPS with a private CA and a client certificate; basic auth and headers go with the request", async () => {
    const server = selfSignedCert(tmp.dir, "server-");
    const client = selfSignedCert(tmp.dir, "client-");
    const seen: { authorization?: string; key?: string; clientCert: boolean }[] = [];
    const secure = https.createServer({
      cert: readFileSync(server.cert),
      key: readFileSync(server.key),
      ca: readFileSync(client.cert),
      requestCert: true,
      rejectUnauthorized: true,
    });
    await new Promise<void>((resolve) => secure.listen(0, "127.0.0.1", resolve));
    const port = (secure.address() as AddressInfo).port;
    soap.listen(secure, {
      path: "/soap11",
      services: {
        SubmitService: {
          Submit11Port: {
            Submit: (_args: unknown, _cb: unknown, _h: unknown, req: http.IncomingMessage) => {
              const socket = req.socket as import("node:tls").TLSSocket;
              seen.push({
                authorization: req.headers.authorization,
                key: req.headers["x-api-key"] as string | undefined,
                clientCert: socket.authorized,
              });
              return { status: "ok" };
            },
          },
        },
      },
      xml: WSDL.replace("#Submit12", "#Submit").replace(/127\.0\.0\.1:1\//g, `127.0.0.1:${port}/`),
    });
    try {
      const base = {
        url: `https://127.0.0.1:${port}/soap11`,
        operation: "SubmitRequest",
        namespace: NS,
        soapAction: "urn:mf-test:submit#Submit",
      };
      const ok = await outbound({
        ...base,
        tls: { ca: server.cert, cert: client.cert, key: client.key },
        username: "partner",
        password: "pw-from-env",
        headers: { "X-Api-Key": "key-from-env" },
      }).send(Buffer.from("<payload>TLS</payload>"), meta);
      assert.equal(ok.status, "ok", ok.error);
      assert.deepEqual(seen, [
        {
          authorization: `Basic ${Buffer.from("partner:pw-from-env").toString("base64")}`,
          key: "key-from-env",
          clientCert: true,
        },
      ]);
      const noClientCert = await outbound({ ...base, tls: { ca: server.cert } }).send(
        Buffer.from("<payload>X</payload>"),
        meta,
      );
      assert.equal(noClientCert.status, "retry");
      const untrusted = await outbound({ ...base, tls: { cert: client.cert, key: client.key } }).send(
        Buffer.from("<payload>X</payload>"),
        meta,
      );
      assert.equal(untrusted.status, "retry");
      assert.match(untrusted.error!, /self[- ]signed|certificate/i);
      assert.equal(seen.length, 1);
    } finally {
      await new Promise((resolve) => secure.close(resolve));
    }
  });

  it("settings errors name the connection and the setting", () => {
    assert.throws(() => createOutbound("soap", "OB_S", {}), /OB_S.*url.*required/);
    assert.throws(
      () => createOutbound("soap", "OB_S", { wsdl: "x.wsdl" }),
      /operation.*required with a wsdl/,
    );
    assert.throws(() => createOutbound("soap", "OB_S", { url: "ftp://x" }), /url.*http/);
    assert.throws(() => createOutbound("soap", "OB_S", { url: "http://x", mode: "wrap" }), /operation/);
    assert.throws(() => createOutbound("soap", "OB_S", { url: "http://x", version: "1.3" }), /version/);
  });
});

describe("transports/soap XML scanner (hostile input)", () => {
  it("refuses DTDs, unbalanced or mismatched tags, duplicate attributes, deep nesting and stray text", () => {
    const bad = [
      '<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>',
      "<a><b></a></b>",
      "<a>",
      '<a x="1" x="2"/>',
      `${"<a>".repeat(300)}${"</a>".repeat(300)}`,
      "<a/>trailing",
      "<a/><b/>",
      "<p:a/>",
    ];
    for (const text of bad) assert.throws(() => parseXml(text), XmlError, text.slice(0, 30));
    const ok = parseXml(
      '<?xml version="1.0"?><!-- c --><a xmlns="urn:x" k=\'v>\'><![CDATA[<not a tag>]]><b/></a>',
    );
    assert.equal(ok.ns, "urn:x");
    assert.equal(ok.attrs.k, "v>");
    assert.equal(ok.children[0]?.local, "b");
  });
});

describe("transports/soap inbound (real HTTP and SOAP clients)", function () {
  this.timeout(30_000);
  const inbounds: InboundConnector[] = [];
  afterEach(async () => {
    for (const ib of inbounds.splice(0)) await ib.stop();
  });

  async function start(receive: Receive, settings: RawSettings = {}): Promise<string> {
    const ib = createInbound("soap", "IB_SOAP_ADT", {
      host: "127.0.0.1",
      port: 0,
      path: "/soap11",
      ...settings,
    });
    inbounds.push(ib);
    await ib.start(context(receive));
    return `http://127.0.0.1:${ib.state.port}/soap11`;
  }

  const envelope = (ns: string, body: string) =>
    `<s:Envelope xmlns:s="${ns}"><s:Body><SubmitRequest xmlns="${NS}"><payload>${body}</payload></SubmitRequest></s:Body></s:Envelope>`;

  it("commits the envelope, then answers 200 with the success body in the request's SOAP version", async () => {
    const received: string[] = [];
    const url = await start(async (p) => {
      received.push(p.toString());
      return { accepted: true };
    });
    for (const [ns, type] of [
      [SOAP11_NS, "text/xml"],
      [SOAP12_NS, "application/soap+xml"],
    ] as const) {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": type },
        body: envelope(ns, "ADT"),
      });
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type")!, new RegExp(`^${type.replace("+", "\\+")}`));
      const text = await res.text();
      assert.match(text, new RegExp(`Envelope xmlns:soap="${ns}"`));
      assert.match(text, /<Accepted xmlns="urn:messagefoundry:soap"\/>/);
    }
    assert.deepEqual(received, [envelope(SOAP11_NS, "ADT"), envelope(SOAP12_NS, "ADT")]);
  });

  it("a malformed or non-SOAP body gets a Client/Sender fault and is never committed", async () => {
    let calls = 0;
    const url = await start(async () => {
      calls++;
      return { accepted: true };
    });
    const broken = await fetch(url, {
      method: "POST",
      headers: { "content-type": "text/xml" },
      body: `<s:Envelope xmlns:s="${SOAP11_NS}"><s:Body>`,
    });
    assert.equal(broken.status, 500);
    assert.match(await broken.text(), /<faultcode>soap:Client<\/faultcode>/);
    const notSoap = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/soap+xml" },
      body: "<hello/>",
    });
    assert.equal(notSoap.status, 400);
    assert.match(await notSoap.text(), /<soap:Value>soap:Sender<\/soap:Value>/);
    const dtd = await fetch(url, {
      method: "POST",
      body: `<!DOCTYPE x [<!ENTITY a "b">]>${envelope(SOAP11_NS, "&a;")}`,
    });
    assert.equal(dtd.status, 500);
    assert.equal(calls, 0);
  });

  it("when the commit fails the caller gets a Server/Receiver fault (retry), never the success body", async () => {
    const url = await start(async () => {
      throw new Error("store unavailable");
    });
    for (const [ns, status, code] of [
      [SOAP11_NS, 500, /<faultcode>soap:Server<\/faultcode>/],
      [SOAP12_NS, 500, /<soap:Value>soap:Receiver<\/soap:Value>/],
    ] as const) {
      const res = await fetch(url, { method: "POST", body: envelope(ns, "X") });
      assert.equal(res.status, status);
      const text = await res.text();
      assert.match(text, code);
      assert.doesNotMatch(text, /Accepted/);
    }
  });

  it("the soap package's client (1.1 and 1.2) calls it from the WSDL and reads the configured success body", async () => {
    const received: string[] = [];
    const url = await start(
      async (p) => {
        received.push(p.toString());
        return { accepted: true };
      },
      { responseBody: `<SubmitResponse xmlns="${NS}"><status>stored</status></SubmitResponse>` },
    );
    const wsdl = join(import.meta.dirname, "fixtures", "submit.wsdl");
    const client = await soap.createClientAsync(wsdl, {}, url);
    const [result] = (await client.SubmitAsync({ payload: "ADT^A01" })) as [{ status: string }];
    assert.equal(result.status, "stored");
    // The same over SOAP 1.2: the answer comes back in the caller's version.
    const client12 = await soap.createClientAsync(wsdl, { forceSoap12Headers: true }, url);
    const [result12] = (await client12.SubmitAsync({ payload: "ORU^R01" })) as [{ status: string }];
    assert.equal(result12.status, "stored");
    assert.equal(received.length, 2);
    assert.match(received[0]!, /ADT\^A01/);
    assert.match(received[1]!, new RegExp(`${SOAP12_NS}[\\s\\S]*ORU\\^R01`));
  });

  it("settings errors: responseBody must be XML; port is required", () => {
    assert.throws(
      () => createInbound("soap", "IB_S", { port: 1, responseBody: "<a>" }),
      /IB_S.*responseBody/,
    );
    assert.throws(() => createInbound("soap", "IB_S", {}), /IB_S.*port/);
  });
});
