/** sftp, ftp and ftps settings through the real loader: clean configs pass, bad settings get positioned errors. */
import assert from "node:assert/strict";
import { after, describe, it } from "mocha";
import { loadConfig } from "../../src/config/index.js";
import { brief, cleanupConfigs, span, writeConfig } from "./helpers.js";

const IMPORTS = `import { env, ftp, ftps, handler, inbound, outbound, router, send, sftp } from "messagefoundry";\n`;
const KEY = `SHA256:${"a".repeat(43)}`;

async function problems(files: Record<string, string>, processEnv: Record<string, string> = {}) {
  const r = await loadConfig(writeConfig(files), { env: "dev", processEnv });
  return r.problems;
}

function config(inboundConn: string, outboundConn: string): string {
  return `${IMPORTS}inbound("IB_R", ${inboundConn}, { router: "r" });
router("r", () => ["h"]);
handler("h", (msg) => send("OB_R", msg));
outbound("OB_R", ${outboundConn});
`;
}

describe("config: sftp / ftp / ftps settings", () => {
  after(cleanupConfigs);
  const env = { "environments/dev.toml": "" };
  const secrets = { MEFOR_VALUE_SFTP_KEY: "-----BEGIN OPENSSH PRIVATE KEY-----\n", MEFOR_VALUE_FTP_PW: "pw" };

  it("a clean config with each transport has no problems; secrets come from MEFOR_VALUE_*", async () => {
    const text = config(
      `sftp({ host: "files.example", username: "mf", privateKey: env("sftp_key"), hostKey: "${KEY}", path: "/in", afterRead: "leave", rememberFile: "state/seen.json" })`,
      `ftps({ host: "files.example", mode: "implicit", username: "mf", password: env("ftp_pw"), path: "/out", filename: "{MSH-10}.hl7", tls: { ca: "ca.pem" } })`,
    );
    const r = await loadConfig(writeConfig({ "a.ts": text, ...env }), { env: "dev", processEnv: secrets });
    assert.deepEqual(r.problems.map(brief), []);
    assert.equal(r.registry.inbounds.get("IB_R")?.transport, "sftp");
    assert.equal(r.registry.outbounds.get("OB_R")?.settings.password, "pw");
    const plain = config(
      `ftp({ host: "h", path: "/in", afterRead: "delete" })`,
      `ftp({ host: "h", path: "/out" })`,
    );
    assert.deepEqual((await problems({ "a.ts": plain, ...env })).map(brief), []);
  });

  it("a malformed host key, a bad afterRead and a TLS setting on plain ftp are MF-SETTINGS-SCHEMA at the value", async () => {
    const text = config(
      `sftp({ host: "h", username: "u", password: env("ftp_pw"), hostKey: "AAAA", path: "/in", afterRead: "copy" })`,
      `ftp({ host: "h", path: "/out", tls: { ca: "ca.pem" } })`,
    );
    const got = await problems({ "a.ts": text, ...env }, secrets);
    assert.deepEqual(got.map(brief), [
      `${span("a.ts", text, '"AAAA"')} MF-SETTINGS-SCHEMA`,
      `${span("a.ts", text, '"copy"')} MF-SETTINGS-SCHEMA`,
      `${span("a.ts", text, '{ ca: "ca.pem" }')} MF-SETTINGS-SCHEMA`,
    ]);
    assert.match(got[0]?.message ?? "", /SHA-256 fingerprint/);
    assert.match(got[2]?.message ?? "", /tls is not a known setting/);
  });

  it("leave without rememberFile, and sftp without password or privateKey, are reported at the connection", async () => {
    const text = config(
      `sftp({ host: "h", username: "u", hostKey: "insecure-accept-any", path: "/in" })`,
      `ftps({ host: "h", path: "/out", afterRead: "leave" })`,
    );
    const got = await problems({ "a.ts": text, ...env });
    assert.equal(got.length, 2);
    assert.ok(got.every((p) => p.code === "MF-SETTINGS-SCHEMA"));
    assert.match(got[0]?.message ?? "", /password or privateKey/);
    assert.match(got[1]?.message ?? "", /rememberFile is required when afterRead is "leave"/);
  });

  it("a literal password (not env()) is refused: secrets only from MEFOR_VALUE_*", async () => {
    const text = config(
      `ftp({ host: "h", path: "/in", password: "hunter2" })`,
      `ftp({ host: "h", path: "/out" })`,
    );
    const got = await problems({ "a.ts": text, ...env });
    assert.equal(got.length, 1);
    assert.match(`${got[0]?.code} ${got[0]?.message}`, /secret|env\(/i);
  });

  it("connections.toml: the same checks, at the key or value", async () => {
    const toml = `[[inbound]]\nname = "IB_T"\ntransport = "sftp"\nrouter = "r"\n[inbound.settings]\nhost = "h"\nusername = "u"\npassword = { env = "ftp_pw" }\nhostKey = "nope"\npath = "/in"\n`;
    const text = config(`ftp({ host: "h", path: "/in2" })`, `ftp({ host: "h", path: "/out" })`).replace(
      'inbound("IB_R"',
      'inbound("IB_R2"',
    );
    const got = await problems({ "a.ts": text, "connections.toml": toml, ...env }, secrets);
    assert.deepEqual(got.map(brief), [`${span("connections.toml", toml, '"nope"')} MF-SETTINGS-SCHEMA`]);
  });
});
