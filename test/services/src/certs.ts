/**
 * Throwaway certificates for TLS tests, made with `openssl` (node has no X.509 builder): a CA, a server
 * certificate for localhost / 127.0.0.1 and a client certificate, all signed by that CA, as PEM files.
 * `makeServerCert` issues another server certificate from that CA for the names a test chooses.
 */
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { isIP } from "node:net";
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

const openssl = (dir: string, args: string[]) => run("openssl", args, { cwd: dir });

/** Writes the PEM files into `dir` (which must exist) and returns their paths. */
export async function makeTestCerts(dir: string): Promise<TestCerts> {
  const p = (name: string) => join(dir, name);
  await openssl(dir, [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "2",
    "-subj",
    "/CN=MessageFoundry Test CA",
    "-keyout",
    p("ca.key"),
    "-out",
    p("ca.pem"),
  ]);
  const server = await makeServerCert(dir, ["localhost", "127.0.0.1"]);
  await issue(dir, "client", "mefor-test-client", "extendedKeyUsage=clientAuth\n");
  return {
    ca: p("ca.pem"),
    serverCert: server.cert,
    serverKey: server.key,
    clientCert: p("client.pem"),
    clientKey: p("client.key"),
  };
}

/**
 * A server certificate for `names` (DNS names or IP addresses; the first is its CN), signed by the CA
 * `makeTestCerts` put in `dir`, written as `<file>.pem` / `<file>.key` (replacing what was there).
 */
export async function makeServerCert(
  dir: string,
  names: readonly string[],
  file = "server",
): Promise<{ cert: string; key: string }> {
  const san = names.map((n) => (isIP(n) === 0 ? `DNS:${n}` : `IP:${n}`)).join(",");
  await issue(dir, file, names[0] ?? "localhost", `subjectAltName=${san}\nextendedKeyUsage=serverAuth\n`);
  return { cert: join(dir, `${file}.pem`), key: join(dir, `${file}.key`) };
}

/** A key, a request and a certificate signed by the CA in `dir`, with the extensions in `ext`. */
async function issue(dir: string, who: string, cn: string, ext: string): Promise<void> {
  const p = (name: string) => join(dir, name);
  await openssl(dir, [
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
  await openssl(dir, [
    "x509",
    "-req",
    "-in",
    p(`${who}.csr`),
    "-CA",
    p("ca.pem"),
    "-CAkey",
    p("ca.key"),
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    p(`${who}.ext`),
    "-out",
    p(`${who}.pem`),
  ]);
}
