/**
 * Throwaway certificates for TLS tests, made with `openssl` (node has no X.509 builder): a CA, a server
 * certificate for localhost / 127.0.0.1 and a client certificate, all signed by that CA, as PEM files.
 */
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface TestCerts {
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

/** Writes the PEM files into `dir` (which must exist) and returns their paths. */
export async function makeTestCerts(dir: string): Promise<TestCerts> {
  const p = (name: string) => join(dir, name);
  const openssl = (args: string[]) => run("openssl", args, { cwd: dir });
  await openssl(
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "2",
      "-subj",
      "/CN=MessageFoundry Test CA",
    ].concat(["-keyout", p("ca.key"), "-out", p("ca.pem")]),
  );
  for (const [who, cn, ext] of [
    ["server", "localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"],
    ["client", "mefor-test-client", "extendedKeyUsage=clientAuth\n"],
  ] as const) {
    await openssl([
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-subj",
      `/CN=${cn}`,
      "-keyout",
      p(`${who}.key`),
      "-out",
      p(`${who}.csr`),
    ]);
    writeFileSync(p(`${who}.ext`), ext);
    await openssl(
      [
        "x509",
        "-req",
        "-in",
        p(`${who}.csr`),
        "-CA",
        p("ca.pem"),
        "-CAkey",
        p("ca.key"),
        "-CAcreateserial",
      ].concat(["-days", "2", "-extfile", p(`${who}.ext`), "-out", p(`${who}.pem`)]),
    );
  }
  return {
    ca: p("ca.pem"),
    serverCert: p("server.pem"),
    serverKey: p("server.key"),
    clientCert: p("client.pem"),
    clientKey: p("client.key"),
  };
}
