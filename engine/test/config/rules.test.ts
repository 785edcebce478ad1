/** Every validation rule, through the real loader, with the exact span each problem points at. */
import assert from "node:assert/strict";
import { after, describe, it } from "mocha";
import { loadConfig } from "../../src/config/index.js";
import { brief, cleanupConfigs, posOf, span, writeConfig } from "./helpers.js";

const IMPORTS = `import { env, file, handler, http, inbound, mllp, outbound, rest, router, send } from "messagefoundry";\n`;

async function problems(
  files: Record<string, string>,
  env?: string,
  processEnv: Record<string, string> = {},
) {
  const dir = writeConfig(files);
  const r = await loadConfig(dir, { ...(env ? { env } : {}), processEnv });
  return r.problems.map(brief);
}

describe("graph rules (exact positions)", () => {
  after(cleanupConfigs);

  const base = `${IMPORTS}inbound("IB_A", mllp({ port: 2600 }), { router: "r_a" });
router("r_a", () => ["h_a"]);
handler("h_a", (msg) => send("OB_A", msg));
outbound("OB_A", file({ path: "out" }));
`;

  it("a clean config has no problems", async () => {
    assert.deepEqual(await problems({ "a.ts": base }), []);
  });

  it("MF-DUPLICATE-NAME across TypeScript and TOML, with the first declaration as related", async () => {
    const toml = `[[outbound]]\nname = "OB_A"\ntransport = "file"\n[outbound.settings]\npath = "x"\n`;
    const dir = writeConfig({ "a.ts": base, "connections.toml": toml });
    const r = await loadConfig(dir, { processEnv: {} });
    assert.deepEqual(r.problems.map(brief), [
      `${span("connections.toml", toml, '"OB_A"')} MF-DUPLICATE-NAME`,
    ]);
    const rel = r.problems[0]?.related?.[0]?.location;
    assert.equal(
      `${rel?.file}:${rel?.line}:${rel?.column}`,
      span("a.ts", base, '"OB_A"', 1).replace(/-\d+$/, ""),
    );
  });

  it("MF-UNKNOWN-ROUTER points at the router name and suggests the close one", async () => {
    const text = base.replace('{ router: "r_a" }', '{ router: "r_b" }');
    const dir = writeConfig({ "a.ts": text });
    const r = await loadConfig(dir, { processEnv: {} });
    const unknown = r.problems.filter((p) => p.code === "MF-UNKNOWN-ROUTER");
    assert.deepEqual(unknown.map(brief), [`${span("a.ts", text, '"r_b"')} MF-UNKNOWN-ROUTER`]);
    assert.match(unknown[0]?.hint ?? "", /r_a/);
    // r_a is now unreachable (warning)
    assert.ok(r.problems.some((p) => p.code === "MF-UNREACHABLE" && p.severity === "warning"));
  });

  it("MF-UNKNOWN-HANDLER at the literal returned by the router", async () => {
    const text = base.replace('() => ["h_a"]', '(m) => (m.get("MSH-9.2") === "A01" ? ["h_a"] : ["h_zz"])');
    assert.deepEqual(await problems({ "a.ts": text }), [
      `${span("a.ts", text, '"h_zz"')} MF-UNKNOWN-HANDLER`,
    ]);
  });

  it("MF-UNKNOWN-OUTBOUND at the send target literal", async () => {
    const text = `${base}handler("h_b", (msg) => [send("OB_A", msg), send("OB_NOPE", msg)]);\nrouter("r_b", () => "h_b");\ninbound("IB_B", mllp({ port: 2601 }), { router: "r_b" });\n`;
    assert.deepEqual(await problems({ "a.ts": text }), [
      `${span("a.ts", text, '"OB_NOPE"')} MF-UNKNOWN-OUTBOUND`,
    ]);
  });

  it("MF-PORT-CLASH at the second port value, also when the port comes from env", async () => {
    const text = `${base}inbound("IB_B", http({ port: env("b_port", "int") }), { router: "r_a", contentType: "json" });\n`;
    const env = { "environments/dev.toml": "b_port = 2600\n" };
    assert.deepEqual(await problems({ "a.ts": text, ...env }, "dev"), [
      `${span("a.ts", text, 'env("b_port", "int")')} MF-PORT-CLASH`,
    ]);
  });

  it("MF-ENV-MISSING and MF-ENV-CAST at the env key, per environment", async () => {
    const text = `${IMPORTS}outbound("OB_X", mllp({ host: env("x_host"), port: env("x_port", "int") }));\n`;
    const files = { "a.ts": text, "environments/dev.toml": 'x_port = "not-a-number"\n' };
    const got = await problems(files, "dev");
    assert.deepEqual(
      got.filter((p) => !p.endsWith("MF-UNREACHABLE")),
      [`${span("a.ts", text, '"x_host"')} MF-ENV-MISSING`, `${span("a.ts", text, '"x_port"')} MF-ENV-CAST`],
    );
  });

  it("MF-ENV-UNKNOWN when the selected environment has no file", async () => {
    const text = `${IMPORTS}outbound("OB_X", mllp({ host: env("x_host"), port: 1 }));\n`;
    const got = await problems({ "a.ts": text, "environments/dev.toml": "x_host = 'h'\n" }, "qa");
    assert.ok(got.includes(`${span("a.ts", text, '"x_host"')} MF-ENV-UNKNOWN`), got.join("\n"));
  });

  describe("secret settings (x-mf-secret): values only from MEFOR_VALUE_<KEY>", () => {
    const text = `${base}inbound("IB_H", http({ port: 2650, token: env("h_token"), tls: { cert: "c.pem", key: "k.pem", passphrase: env("h_pass") } }), { router: "r_a", contentType: "json" });\n`;
    const toml = `[[outbound]]\nname = "OB_R"\ntransport = "rest"\n[outbound.settings]\nurl = { env = "r_url" }\npassword = { env = "r_pass" }\n`;
    const dev = `# dev\nr_url = "http://127.0.0.1:9/"\n  h_token = "leaked"\n`;
    const prod = `r_url = "https://r.example.test/"\nr_pass = 'leaked'\n[table]\nh_pass = "not top-level"\n`;
    const files = { "a.ts": text, "connections.toml": toml };
    const secretVars = { MEFOR_VALUE_H_TOKEN: "t0k", MEFOR_VALUE_H_PASS: "p", MEFOR_VALUE_R_PASS: "r" };
    const quiet = (got: string[]) => got.filter((p) => !p.endsWith("MF-UNREACHABLE"));

    it("marks env uses in secret settings (TS and TOML, nested tls.passphrase) and no others", async () => {
      const r = await loadConfig(writeConfig(files), { processEnv: {} });
      assert.deepEqual(
        r.graph.envUses.map((u) => `${u.key}:${u.secret === true}`),
        ["h_token:true", "h_pass:true", "r_url:false", "r_pass:true"],
      );
    });

    it("MF-SECRET-IN-FILE at the key in every environment file, also without a selected environment", async () => {
      const all = { ...files, "environments/dev.toml": dev, "environments/prod.toml": prod };
      const r = await loadConfig(writeConfig(all), { processEnv: {} });
      const secret = r.problems.filter((p) => p.code === "MF-SECRET-IN-FILE");
      assert.deepEqual(secret.map(brief), [
        `${span("environments/dev.toml", dev, "h_token")} MF-SECRET-IN-FILE`,
        `${span("environments/prod.toml", prod, "r_pass")} MF-SECRET-IN-FILE`,
      ]);
      assert.equal(
        secret[0]?.hint,
        "Remove it from environments/dev.toml and set MEFOR_VALUE_H_TOKEN in the engine's environment.",
      );
      assert.equal(secret[0]?.severity, "error");
      assert.deepEqual(
        secret[0]?.related?.map((x) => `${x.location.file}:${x.location.line}:${x.location.column}`),
        [span("a.ts", text, '"h_token"').replace(/-\d+$/, "")],
      );
      // A [table] key of the same name is not a top-level value: prod's h_pass is no secret in a file.
      assert.equal(
        secret.some((p) => p.message.includes("h_pass")),
        false,
      );
    });

    it("MF-ENV-MISSING for a secret asks for MEFOR_VALUE_<KEY>, even when an environment file has it", async () => {
      const all = { ...files, "environments/dev.toml": dev };
      const got = await loadConfig(writeConfig(all), { env: "dev", processEnv: {} });
      assert.deepEqual(quiet(got.problems.map(brief)), [
        `${span("a.ts", text, '"h_token"')} MF-ENV-MISSING`,
        `${span("a.ts", text, '"h_pass"')} MF-ENV-MISSING`,
        `${span("connections.toml", toml, '"r_pass"')} MF-ENV-MISSING`,
        `${span("environments/dev.toml", dev, "h_token")} MF-SECRET-IN-FILE`,
      ]);
      const missing = got.problems.find((p) => p.code === "MF-ENV-MISSING");
      assert.equal(missing?.message, 'secret env value "h_token" is not set for environment "dev"');
      assert.equal(
        missing?.hint,
        "Set MEFOR_VALUE_H_TOKEN in the engine's environment (secrets never go in environment files).",
      );
    });

    it("resolves secrets from MEFOR_VALUE_<KEY> only: clean, and the file's value is never used", async () => {
      const clean = { ...files, "environments/dev.toml": 'r_url = "http://127.0.0.1:9/"\n' };
      const ok = await loadConfig(writeConfig(clean), { env: "dev", processEnv: secretVars });
      assert.deepEqual(quiet(ok.problems.map(brief)), []);
      assert.equal(ok.registry.inbounds.get("IB_H")?.settings.token, "t0k");
      assert.equal(ok.registry.outbounds.get("OB_R")?.settings.password, "r");

      const leaked = { ...files, "environments/dev.toml": dev };
      const r = await loadConfig(writeConfig(leaked), { env: "dev", processEnv: {} });
      assert.equal(r.registry.inbounds.get("IB_H")?.settings.token, undefined);
    });

    it("MF-ENV-CAST for a secret names its MEFOR_VALUE_<KEY>", async () => {
      const t = `${base}outbound("OB_S", rest({ url: "http://127.0.0.1:9/", token: env("s_token", "json") }));\n`;
      const r = await loadConfig(writeConfig({ "a.ts": t, "environments/dev.toml": "" }), {
        env: "dev",
        processEnv: { MEFOR_VALUE_S_TOKEN: "{nope" },
      });
      const cast = r.problems.filter((p) => p.code === "MF-ENV-CAST");
      assert.deepEqual(cast.map(brief), [`${span("a.ts", t, '"s_token"')} MF-ENV-CAST`]);
      assert.equal(
        cast[0]?.hint,
        "Fix MEFOR_VALUE_S_TOKEN in the engine's environment so it is a valid json.",
      );
    });
  });

  it("MF-SETTINGS-SCHEMA at the offending setting value (TS) and key (TOML)", async () => {
    const text = base.replace("mllp({ port: 2600 })", "mllp({ port: 70000 })");
    assert.deepEqual(await problems({ "a.ts": text }), [`${span("a.ts", text, "70000")} MF-SETTINGS-SCHEMA`]);
    const toml = `[[inbound]]\nname = "IB_T"\ntransport = "tcp"\nrouter = "r_a"\n[inbound.settings]\nport = "2601"\n`;
    const got = await problems({ "a.ts": base, "connections.toml": toml });
    assert.deepEqual(got, [`${span("connections.toml", toml, '"2601"')} MF-SETTINGS-SCHEMA`]);
  });

  it("listener limits: valid values pass; a bad allowFrom entry or a negative cap is MF-SETTINGS-SCHEMA at the setting", async () => {
    const good = base.replace(
      "mllp({ port: 2600 })",
      'mllp({ port: 2600, maxConnections: 10, frameTimeoutMs: 5000, idleTimeoutMs: 0, allowFrom: ["10.0.0.0/8", "192.168.1.20", "fd00::/8"] })',
    );
    assert.deepEqual(await problems({ "a.ts": good }), []);
    const bad = base.replace("mllp({ port: 2600 })", 'mllp({ port: 2600, allowFrom: ["10.0.0.0/33"] })');
    assert.deepEqual(await problems({ "a.ts": bad }), [
      `${span("a.ts", bad, '["10.0.0.0/33"]')} MF-SETTINGS-SCHEMA`,
    ]);
    const toml = `[[inbound]]\nname = "IB_H"\ntransport = "http"\nrouter = "r_a"\n[inbound.settings]\nport = 2601\nmaxConnections = -1\nallowFrom = ["127.0.0.1", "localhost"]\n`;
    const dir = writeConfig({ "a.ts": base, "connections.toml": toml });
    const r = await loadConfig(dir, { processEnv: {} });
    assert.deepEqual(r.problems.map(brief), [
      `${span("connections.toml", toml, "-1")} MF-SETTINGS-SCHEMA`,
      `${span("connections.toml", toml, '["127.0.0.1", "localhost"]')} MF-SETTINGS-SCHEMA`,
    ]);
    assert.match(r.problems[1]?.message ?? "", /allowFrom\.1 must be an IP address or CIDR block/);
  });

  it("MF-SETTINGS-SCHEMA: a missing required outbound host is reported at the declaration", async () => {
    const text = base.replace('file({ path: "out" })', "mllp({ port: 2700 })");
    const got = await problems({ "a.ts": text });
    assert.equal(got.length, 1);
    assert.match(got[0] ?? "", /^a\.ts:5:1-\d+ MF-SETTINGS-SCHEMA$/);
  });

  it("MF-SECRET-LITERAL when a secret is a literal in TOML", async () => {
    const toml = `[[outbound]]\nname = "OB_R"\ntransport = "rest"\n[outbound.settings]\nurl = "http://127.0.0.1:1/x"\ntoken = "s3cret"\n`;
    const got = await problems({ "a.ts": base, "connections.toml": toml });
    assert.ok(
      got.includes(`${span("connections.toml", toml, '"s3cret"')} MF-SECRET-LITERAL`),
      got.join("\n"),
    );
  });

  it("MF-SECRET-LITERAL for a REST header value or a nested TLS passphrase written as a literal", async () => {
    const text = `${base}outbound("OB_R", rest({ url: "http://127.0.0.1:1/x", headers: { Authorization: "Bearer s3cret", "X-Key": env("r_key") } }));
inbound("IB_T", mllp({ port: 2651, tls: { cert: "c.pem", key: "k.pem", passphrase: "pw" } }), { router: "r_a" });
`;
    const got = (await loadConfig(writeConfig({ "a.ts": text }), { processEnv: { MEFOR_VALUE_R_KEY: "k" } }))
      .problems;
    const literal = got.filter((p) => p.code === "MF-SECRET-LITERAL").map((p) => p.message);
    assert.deepEqual(literal, [
      'outbound "OB_R": secret setting "headers.Authorization" must come from env(), not a literal',
      'inbound "IB_T": secret setting "tls.passphrase" must come from env(), not a literal',
    ]);
  });

  it("a REST header from env() is a secret: never from an environment file (TOML too)", async () => {
    const toml = `[[outbound]]\nname = "OB_R"\ntransport = "rest"\n[outbound.settings]\nurl = "http://127.0.0.1:1/x"\nheaders = { "X-Api-Key" = { env = "r_api_key" } }\n`;
    const dev = `r_api_key = "leaked"\n`;
    const r = await loadConfig(
      writeConfig({ "a.ts": base, "connections.toml": toml, "environments/dev.toml": dev }),
      {
        env: "dev",
        processEnv: {},
      },
    );
    assert.deepEqual(
      r.graph.envUses.map((u) => `${u.key}:${u.secret === true}`),
      ["r_api_key:true"],
    );
    assert.ok(
      r.problems.map(brief).includes(`${span("environments/dev.toml", dev, "r_api_key")} MF-SECRET-IN-FILE`),
    );
  });

  it("soap and smtp: valid settings pass; a bad value, a missing inbound port and literal secrets are positioned", async () => {
    const imports = IMPORTS.replace("rest, router", "rest, router, smtp, soap");
    const good = `${imports}inbound("IB_S", soap({ port: 2601, path: "/adt", responseBody: "<ok/>" }), { router: "r_a", contentType: "xml" });
router("r_a", () => ["h_a"]);
handler("h_a", (msg) => [send("OB_S", msg), send("OB_M", msg)]);
outbound("OB_S", soap({ wsdl: "svc.wsdl", operation: "Submit", wsAddressing: true, headers: { "X-Key": env("soap_key") }, password: env("soap_pw"), username: "u" }));
outbound("OB_M", smtp({ host: "mail", from: "a@x", to: "b@x", security: "tls", password: env("mail_pw"), username: "u" }));
`;
    assert.deepEqual(
      await problems({ "a.ts": good }, undefined, {
        MEFOR_VALUE_SOAP_KEY: "k",
        MEFOR_VALUE_SOAP_PW: "p",
        MEFOR_VALUE_MAIL_PW: "m",
      }),
      [],
    );
    const badVersion = good.replace("wsAddressing: true", 'version: "1.3"');
    assert.deepEqual(
      await problems({ "a.ts": badVersion }, undefined, {
        MEFOR_VALUE_SOAP_KEY: "k",
        MEFOR_VALUE_SOAP_PW: "p",
        MEFOR_VALUE_MAIL_PW: "m",
      }),
      [`${span("a.ts", badVersion, '"1.3"')} MF-SETTINGS-SCHEMA`],
    );
    const toml = `[[inbound]]\nname = "IB_T"\ntransport = "soap"\nrouter = "r_a"\n[inbound.settings]\npath = "/x"\n[[outbound]]\nname = "OB_T"\ntransport = "soap"\n[outbound.settings]\nurl = "http://127.0.0.1:1/x"\nheaders = { "X-Key" = "literal" }\n[[outbound]]\nname = "OB_U"\ntransport = "smtp"\n[outbound.settings]\nhost = "mail"\nfrom = "a@x"\nto = "b@x"\nusername = "u"\npassword = "pw"\n`;
    const dir = writeConfig({ "a.ts": base, "connections.toml": toml });
    const r = await loadConfig(dir, { processEnv: {} });
    const got = r.problems.filter((p) => p.code !== "MF-UNREACHABLE");
    assert.deepEqual(got.map(brief), [
      "connections.toml:1:1-12 MF-SETTINGS-SCHEMA", // the [[inbound]] table header
      `${span("connections.toml", toml, '{ "X-Key" = "literal" }')} MF-SECRET-LITERAL`,
      `${span("connections.toml", toml, '"pw"')} MF-SECRET-LITERAL`,
    ]);
    assert.match(got[0]?.message ?? "", /setting port is required for an inbound/);
    assert.match(got[1]?.message ?? "", /secret setting "headers\.X-Key"/);
  });

  it("MF-UNKNOWN-TRANSPORT in TOML points at the transport value", async () => {
    const toml = `[[outbound]]\nname = "OB_Q"\ntransport = "x400"\n`;
    const got = await problems({ "a.ts": base, "connections.toml": toml });
    assert.ok(
      got.includes(`${span("connections.toml", toml, '"x400"')} MF-UNKNOWN-TRANSPORT`),
      got.join("\n"),
    );
  });

  it("MF-UNREACHABLE (warning) for a handler no router returns and an outbound nobody sends to", async () => {
    const text = `${base}handler("h_lonely", () => []);\noutbound("OB_LONELY", rest({ url: "http://127.0.0.1:9/" }));\n`;
    assert.deepEqual(await problems({ "a.ts": text }), [
      `${span("a.ts", text, '"h_lonely"')} MF-UNREACHABLE`,
      `${span("a.ts", text, '"OB_LONELY"')} MF-UNREACHABLE`,
    ]);
  });

  it("MF-TOML-SYNTAX at the line/column of the TOML error", async () => {
    const got = await problems({ "a.ts": base, "connections.toml": '[[outbound]]\nname = "OB_Z\n' });
    assert.equal(got.length, 1);
    assert.match(got[0] ?? "", /^connections\.toml:2:\d+-\d+ MF-TOML-SYNTAX$/);
  });

  it("MF-LOAD-BUNDLE at the syntax error and MF-LOAD-EXEC at the throwing line", async () => {
    const bad = `${IMPORTS}inbound("IB_X", mllp({ port: 1 }), { router: "r" ;\n`;
    const got = await problems({ "a.ts": bad });
    assert.equal(got.length, 1);
    assert.match(got[0] ?? "", /^a\.ts:2:\d+-\d+ MF-LOAD-BUNDLE$/);
    const throws = `${IMPORTS}const x: { y?: { z: number } } = {};\nconsole.log(x.y!.z);\n`;
    const got2 = await problems({ "a.ts": throws });
    assert.equal(got2.length, 1);
    assert.match(got2[0] ?? "", /^a\.ts:3:\d+-\d+ MF-LOAD-EXEC$/);
  });

  it("MF-OPTIONS at a misspelt TOML option key's value; MF-DECLARATION at a call with a bad name", async () => {
    const toml = `[[inbound]]\nname = "IB_O"\ntransport = "mllp"\nrouter = "r_a"\ncontnetType = "json"\n[inbound.settings]\nport = 2609\n`;
    const got = await problems({ "a.ts": base, "connections.toml": toml });
    assert.deepEqual(got, [`${span("connections.toml", toml, '"json"')} MF-OPTIONS`]);
    const text = `${base}router("", () => []);\n`;
    const p = posOf(text, 'router("",');
    assert.deepEqual(await problems({ "a.ts": text }), [
      `a.ts:${p.line}:${p.column}-${p.column} MF-DECLARATION`,
    ]);
  });

  it("MF-OPTIONS for an identifier that is no HL7 field path and a duplicates window out of range", async () => {
    const toml = `[[inbound]]\nname = "IB_O"\ntransport = "mllp"\nrouter = "r_a"\n[inbound.duplicates]\nwindowMinutes = 0\n[inbound.settings]\nport = 2609\n`;
    assert.deepEqual(await problems({ "a.ts": base, "connections.toml": toml }), [
      `${span("connections.toml", toml, "0")} MF-OPTIONS`,
    ]);
    const bad = `${base}inbound("IB_BAD", mllp({ port: 2611 }), { router: "r_a", identifiers: ["PID-3.1", "PID3"] });\n`;
    const got = await problems({ "a.ts": bad });
    assert.equal(got.length, 1, got.join("\\n"));
    assert.match(got[0] ?? "", /^a\.ts:\d+:\d+-\d+ MF-OPTIONS$/);
    const ok = `${base}inbound("IB_OK", mllp({ port: 2610 }), { router: "r_a", identifiers: ["PID-3.1", "MSH-10"], duplicates: { windowMinutes: 60, action: "reject" } });\n`;
    assert.deepEqual(await problems({ "a.ts": ok }), []);
  });

  it("computed names give dynamic edges and no false unknown/unreachable problems", async () => {
    const text = `${IMPORTS}const pick = (s: string) => \`h_\${s}\`;
inbound("IB_D", mllp({ port: 2600 }), { router: "r_d" });
router("r_d", (m) => [pick(m.get("MSH-9.2") ?? "x")]);
handler("h_A01", (m) => send("OB_D", m));
outbound("OB_D", file({ path: "o" }));
`;
    const dir = writeConfig({ "a.ts": text });
    const r = await loadConfig(dir, { processEnv: {} });
    assert.deepEqual(r.problems, []);
    const dyn = r.graph.edges.filter((e) => e.dynamic);
    assert.equal(dyn.length, 1);
    assert.equal(dyn[0]?.to, null);
    assert.equal(dyn[0]?.kind, "router-handler");
  });
});
