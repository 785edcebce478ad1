/** The API over HTTPS (what `serve` requires off loopback): a self-signed certificate made with openssl. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { request } from "node:https";
import type { TLSSocket } from "node:tls";
import { after, before, describe, it } from "mocha";
import { selfSignedCert, tempDir } from "../transports/helpers.js";
import { type Harness, startApi } from "./helpers.js";

/** GET over TLS with `ca` as the only trusted root; resolves with the status and parsed body. */
function httpsGet(url: string, ca?: string): Promise<{ status: number; body: unknown; protocol: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "GET", ...(ca !== undefined && { ca }) }, (res) => {
      const protocol = (res.socket as TLSSocket).getProtocol() ?? "";
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        resolve({
          status: res.statusCode ?? 0,
          body: JSON.parse(Buffer.concat(chunks).toString("utf8")),
          protocol,
        });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

describe("api/https", () => {
  const tmp = tempDir();
  let h: Harness;
  let ca: string;

  before(async () => {
    const pem = selfSignedCert(tmp.dir);
    ca = readFileSync(pem.cert, "utf8");
    h = await startApi({ https: { cert: ca, key: readFileSync(pem.key, "utf8") } });
  });
  after(async () => {
    await h?.close();
    tmp.cleanup();
  });

  it("answers GET /health over TLS to a client trusting the certificate", async () => {
    assert.match(h.base, /^https:\/\/127\.0\.0\.1:\d+$/);
    const res = await httpsGet(`${h.base}/health`, ca);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { status: "ok", version: "9.9.9-test" });
    assert.match(res.protocol, /^TLSv1\.[23]$/);
  });

  it("a client that does not trust the certificate is refused by TLS, not served", async () => {
    await assert.rejects(httpsGet(`${h.base}/health`), (e: NodeJS.ErrnoException) => {
      assert.match(String(e.code), /SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);
      return true;
    });
  });

  it("plain HTTP to the HTTPS port gets no API answer", async () => {
    const res = await fetch(`${h.base.replace("https:", "http:")}/health`).then(
      (r) => r.status,
      () => "refused" as const,
    );
    assert.notEqual(res, 200);
  });
});
