/**
 * Crash test for the soap and smtp connectors: `messagefoundry serve` as a child process takes SOAP
 * envelopes from concurrent callers (soap inbound) and delivers each to a SOAP service (the `soap`
 * package) and by mail (aiosmtpd); it is killed with SIGKILL mid-load and started again on the same
 * database. A caller that got the success answer is owed the message: every one of them must be
 * delivered to both after the restart (a request cut by the crash got no success, so it is not owed).
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type SmtpServer, smtpService, startSmtpServer, useService } from "@messagefoundry/test-services";
import * as soap from "soap";
import { freePort, until } from "../../engine/test/support/fixtures.js";
import { selfSignedCert } from "../../engine/test/transports/helpers.js";
import { serve } from "./serve.js";

const WSDL = readFileSync(
  fileURLToPath(new URL("../../engine/test/transports/fixtures/submit.wsdl", import.meta.url)),
  "utf8",
);
const SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/";

const ROUTES = `
import { env, handler, inbound, outbound, router, send, smtp, soap } from "messagefoundry";
inbound("IB_CRASH_SOAP", soap({ host: "127.0.0.1", port: env("in_port", "int"), path: "/in" }), {
  router: "crash_router", contentType: "xml",
});
outbound("OB_CRASH_SOAP", soap({ url: env("soap_url"), operation: "SubmitRequest", namespace: "urn:mf-test:submit",
  soapAction: "urn:mf-test:submit#Submit" }), { retry: { baseMs: 50, multiplier: 2, capMs: 500 }, contentType: "xml" });
outbound("OB_CRASH_MAIL", smtp({ host: "127.0.0.1", port: env("smtp_port", "int"), tls: { ca: env("smtp_ca"), servername: "localhost" },
  username: "mailer", password: env("mail_password"), from: "engine@example.org", to: "ward@example.org", subject: "ID {messageId}" }),
  { retry: { baseMs: 50, multiplier: 2, capMs: 500 }, contentType: "text" });
router("crash_router", () => ["crash_handler"]);
handler("crash_handler", (msg) => {
  const id = /<payload>([^<]*)<\\/payload>/.exec(msg.text)[1];
  return [send("OB_CRASH_SOAP", "<payload>" + id + "</payload>"), send("OB_CRASH_MAIL", "id=" + id)];
});
`;

const envelope = (id: string) =>
  `<s:Envelope xmlns:s="${SOAP11}"><s:Body><SubmitRequest xmlns="urn:mf-test:submit"><payload>${id}</payload></SubmitRequest></s:Body></s:Envelope>`;

/** Posts envelopes one at a time until stopped or the engine dies; records the ids answered 200. */
async function caller(url: string, prefix: string, answered: string[], stop: () => boolean): Promise<void> {
  for (let i = 1; !stop(); i++) {
    const id = `${prefix}${String(i).padStart(6, "0")}`;
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "text/xml" },
        body: envelope(id),
      });
      const text = await res.text();
      if (res.status === 200 && text.includes("Accepted")) answered.push(id);
    } catch {
      return; // the engine died: no answer, so this one is not owed
    }
  }
}

async function listening(port: number, child: ChildProcess): Promise<void> {
  await until(
    () =>
      new Promise<boolean>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null)
          throw new Error("serve exited before listening");
        const s = net.connect({ host: "127.0.0.1", port }, () => {
          s.destroy();
          resolve(true);
        });
        s.on("error", () => resolve(false));
      }),
    50,
  );
}

describe("e2e engine: kill -9 with soap in, soap and smtp out", function () {
  this.timeout(180_000);
  let dir: string;
  let mail: SmtpServer | undefined;
  let soapServer: http.Server | undefined;
  const children: ChildProcess[] = [];
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await mail?.close();
    await new Promise((r) => soapServer?.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it("every envelope answered with success is delivered to the SOAP service and by mail after the restart", async () => {
    dir = mkdtempSync(join(tmpdir(), "mf-crash-soap-"));
    const cert = selfSignedCert(dir);
    mail = await startSmtpServer(await useService(smtpService), {
      starttls: cert,
      auth: { user: "mailer", password: "crash-pw" },
    });
    const soapIds: string[] = [];
    soapServer = http.createServer();
    await new Promise<void>((r) => soapServer!.listen(0, "127.0.0.1", r));
    const soapPort = (soapServer.address() as net.AddressInfo).port;
    soap.listen(soapServer, {
      path: "/soap11",
      services: {
        SubmitService: {
          Submit11Port: {
            Submit: (a: { payload: string }) => {
              soapIds.push(a.payload);
              return { status: "ok" };
            },
          },
        },
      },
      xml: WSDL.replace("#Submit12", "#Submit").replace(/127\.0\.0\.1:1\//g, `127.0.0.1:${soapPort}/`),
    });
    const inPort = await freePort();
    mkdirSync(join(dir, "config", "environments"), { recursive: true });
    writeFileSync(join(dir, "config", "routes.ts"), ROUTES);
    writeFileSync(
      join(dir, "config", "environments", "test.toml"),
      `in_port = ${inPort}\nsoap_url = "http://127.0.0.1:${soapPort}/soap11"\nsmtp_port = ${mail.port}\nsmtp_ca = ${JSON.stringify(cert.cert)}\n`,
    );
    const key = randomBytes(32).toString("base64");
    const db = join(dir, "engine.db");
    const url = `http://127.0.0.1:${inPort}/in`;

    const first = serve(dir, db, key, { MEFOR_VALUE_MAIL_PASSWORD: "crash-pw" });
    children.push(first);
    const firstExit = new Promise<NodeJS.Signals | null>((r) => first.on("exit", (_c, sig) => r(sig)));
    await listening(inPort, first);
    const answered: string[] = [];
    let stopped = false;
    const callers = ["A", "B", "C", "D"].map((p) => caller(url, p, answered, () => stopped));
    await until(() => answered.length >= 200, 5);
    first.kill("SIGKILL");
    assert.equal(await firstExit, "SIGKILL");
    stopped = true;
    await Promise.all(callers);

    const second = serve(dir, db, key, { MEFOR_VALUE_MAIL_PASSWORD: "crash-pw" });
    children.push(second);
    const secondExit = new Promise<number | null>((r) => second.on("exit", (code) => r(code)));
    await listening(inPort, second);
    const mailed = () => new Set(mail!.mails().map((m) => /id=(\w+)/.exec(m.data)?.[1]));
    await until(() => {
      const seen = new Set(soapIds);
      const got = mailed();
      return answered.every((id) => seen.has(id) && got.has(id));
    }, 100);
    second.kill("SIGTERM");
    assert.equal(await secondExit, 0);
    // Per caller, first deliveries keep the order the caller was answered in.
    for (const p of ["A", "B", "C", "D"]) {
      const firsts = [...new Set(soapIds.filter((id) => id.startsWith(p)))];
      assert.deepEqual(firsts, [...firsts].sort(), `caller ${p} in order`);
    }
  });
});
