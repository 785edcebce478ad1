/**
 * Throughput of the soap and smtp connectors through the engine: `messagefoundry serve` (a child process
 * running the sources under tsx; SQLite store, encrypted bodies) takes SOAP 1.1 envelopes from concurrent
 * callers on a soap inbound and delivers each to a SOAP service (the `soap` npm package, in this process)
 * and by mail to an SMTP server (aiosmtpd with STARTTLS, the test services' own instance). Reports msg/s
 * for intake (success answers), SOAP deliveries and mails, and the engine's CPU time per message
 * (/proc/<pid>/stat, Linux). A bounded run: --messages=1000 --callers=8.
 *
 * Run: node --conditions=source --import tsx bench/soap-smtp/run.ts [--messages=1000] [--callers=8]
 */
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { smtpService, startSmtpServer, useService } from "@messagefoundry/test-services";
import * as soap from "soap";
import { freePort, portOpen, until } from "../../engine/test/support/fixtures.js";
import { selfSignedCert } from "../../engine/test/transports/helpers.js";
import { serve } from "../../test/e2e-engine/serve.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const _MAIN = join(ROOT, "engine/src/cli/main.ts");
const WSDL = readFileSync(join(ROOT, "engine/test/transports/fixtures/submit.wsdl"), "utf8");
const arg = (name: string, def: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? def);
const MESSAGES = arg("messages", 1000);
const CALLERS = arg("callers", 8);

const ROUTES = `
import { env, handler, inbound, outbound, router, send, smtp, soap } from "messagefoundry";
inbound("IB_BENCH_SOAP", soap({ host: "127.0.0.1", port: env("in_port", "int"), path: "/in" }), { router: "r", contentType: "xml" });
outbound("OB_BENCH_SOAP", soap({ url: env("soap_url"), operation: "SubmitRequest", namespace: "urn:mf-test:submit",
  soapAction: "urn:mf-test:submit#Submit", wsAddressing: true }), { contentType: "xml" });
outbound("OB_BENCH_MAIL", smtp({ host: "127.0.0.1", port: env("smtp_port", "int"), tls: { ca: env("smtp_ca"), servername: "localhost" },
  from: "engine@example.org", to: "ward@example.org", subject: "ID {messageId}" }), { contentType: "text" });
router("r", () => ["h"]);
handler("h", (msg) => {
  const id = /<payload>([^<]*)<\\/payload>/.exec(msg.text)[1];
  return [send("OB_BENCH_SOAP", "<payload>" + id + "</payload>"), send("OB_BENCH_MAIL", "id=" + id)];
});
`;

const envelope = (id: string) =>
  `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><SubmitRequest xmlns="urn:mf-test:submit"><payload>${id}</payload></SubmitRequest></s:Body></s:Envelope>`;

/** utime + stime of a process in milliseconds (Linux /proc). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // USER_HZ = 100 on Linux
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "mf-bench-soap-smtp-"));
  const cert = selfSignedCert(dir);
  const mail = await startSmtpServer(await useService(smtpService), { starttls: cert });
  let soapDone = 0;
  let soapLast = 0;
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const soapPort = (server.address() as net.AddressInfo).port;
  soap.listen(server, {
    path: "/soap11",
    services: {
      SubmitService: {
        Submit11Port: {
          Submit: () => {
            soapDone++;
            soapLast = performance.now();
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
  const child: ChildProcess = serve(dir, join(dir, "engine.db"), randomBytes(32).toString("base64"));
  try {
    await until(() => portOpen(inPort), 50);
    const url = `http://127.0.0.1:${inPort}/in`;
    const cpu0 = cpuMs(child.pid!);
    const t0 = performance.now();
    let next = 0;
    let answered = 0;
    await Promise.all(
      Array.from({ length: CALLERS }, async () => {
        while (next < MESSAGES) {
          const id = `B${String(next++).padStart(6, "0")}`;
          const res = await fetch(url, {
            method: "POST",
            headers: { "content-type": "text/xml" },
            body: envelope(id),
          });
          await res.text();
          if (res.status === 200) answered++;
        }
      }),
    );
    const tIn = performance.now();
    let mailLast = 0;
    await until(() => {
      if (mail.mails().length >= MESSAGES && mailLast === 0) mailLast = performance.now();
      return soapDone >= MESSAGES && mailLast !== 0;
    }, 50);
    const cpu = cpuMs(child.pid!) - cpu0;
    const rate = (n: number, ms: number) => ((n * 1000) / ms).toFixed(0);
    console.log(
      `messages ${MESSAGES}, callers ${CALLERS} (engine from sources under tsx, SQLite, encrypted bodies)`,
    );
    console.log(`  intake (soap inbound, answered after commit): ${rate(answered, tIn - t0)} msg/s`);
    console.log(
      `  soap outbound deliveries: ${rate(soapDone, soapLast - t0)} msg/s (one lane, WS-Addressing on)`,
    );
    console.log(
      `  smtp outbound mails (STARTTLS, pooled connection): ${rate(MESSAGES, mailLast - t0)} msg/s`,
    );
    console.log(
      `  engine CPU: ${(cpu / MESSAGES).toFixed(2)} ms per message (intake + routing + both deliveries)`,
    );
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
    await mail.close();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
