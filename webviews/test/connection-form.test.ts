import assert from "node:assert/strict";
import { describe, it } from "mocha";
import {
  fieldsFor,
  formatValue,
  isWiring,
  parseInput,
  settingDirection,
  transportsFor,
  validateConnection,
} from "../src/model/connection-form.js";
import type { FormConnection } from "../src/protocol/connectionsEditor.js";

function conn(over: Partial<FormConnection>): FormConnection {
  return {
    direction: "inbound",
    index: 0,
    name: "IB_ACME_ADT",
    transport: "mllp",
    settings: { port: 2600 },
    fields: { router: "acme_adt_router" },
    line: 1,
    ...over,
  };
}

describe("connection-form", () => {
  it("generates the mllp settings and the direction's options from the schemas", () => {
    const specs = fieldsFor("outbound", "mllp");
    const port = specs.find((s) => s.key === "port")!;
    assert.deepEqual([port.group, port.required, port.schema.type], ["settings", true, "integer"]);
    assert.equal(specs.find((s) => s.key === "host")?.required, true, "host is required for an outbound");
    assert.equal(fieldsFor("inbound", "mllp").find((s) => s.key === "host")?.required, false);
    assert.ok(specs.some((s) => s.group === "options" && s.key === "retry"));
    assert.ok(
      fieldsFor("inbound", "mllp").some((s) => s.group === "options" && s.key === "router" && s.required),
    );
  });

  it("shows only the settings of the connection's direction, and the wiring first", () => {
    const keys = (d: "inbound" | "outbound", t: string, set?: Record<string, number>) =>
      fieldsFor(d, t, set)
        .filter((s) => s.group === "settings")
        .map((s) => s.key);
    const inbound = keys("inbound", "mllp");
    const outbound = keys("outbound", "mllp");
    // Listener-only settings on the inbound, client-only settings on the outbound; shared ones on both.
    for (const k of ["maxConnections", "allowFrom", "idleTimeoutMs"]) {
      assert.ok(inbound.includes(k) && !outbound.includes(k), k);
    }
    for (const k of ["ackTimeoutMs", "reconnectBaseMs", "expectAck"]) {
      assert.ok(outbound.includes(k) && !inbound.includes(k), k);
    }
    for (const k of ["port", "host", "keepAlive"]) assert.ok(inbound.includes(k) && outbound.includes(k), k);
    // A value already set for the other direction stays visible (so it can be seen and removed).
    assert.ok(keys("inbound", "mllp", { ackTimeoutMs: 5 }).includes("ackTimeoutMs"));
    // Every "Inbound: …"/"Outbound: …" setting of every transport lands on its side only.
    for (const t of transportsFor("inbound").filter((x) => transportsFor("outbound").includes(x))) {
      for (const spec of fieldsFor("inbound", t).filter((s) => s.group === "settings")) {
        assert.notEqual(settingDirection(spec.schema), "outbound", `${t}.${spec.key}`);
      }
    }
    assert.equal(settingDirection({ description: "Host name or IP (inbound: bind address)" }), undefined);
    assert.equal(
      settingDirection({ description: "Inbound: bind to it. Outbound: publish to it" }),
      undefined,
    );
    assert.equal(
      settingDirection({ description: "Outbound: hand the reply to this loopback inbound" }),
      "outbound",
    );
    // The router (wiring) is the inbound's first option; an outbound has no wiring option.
    const opts = fieldsFor("inbound", "mllp").filter((s) => s.group === "options");
    assert.equal(opts[0]?.key, "router");
    assert.ok(isWiring(opts[0]!));
    assert.equal(fieldsFor("outbound", "mllp").filter(isWiring).length, 0);
  });

  it("marks secrets, and only offers transports usable in the direction", () => {
    const rest = fieldsFor("outbound", "rest");
    assert.equal(rest.find((s) => s.key === "token")?.secret, true);
    assert.ok(transportsFor("outbound").includes("rest"));
    assert.ok(!transportsFor("inbound").includes("rest"));
    // soap both ways (its port required only when listening); smtp outbound only, with its own fields.
    assert.ok(transportsFor("inbound").includes("soap") && transportsFor("outbound").includes("soap"));
    assert.ok(transportsFor("outbound").includes("smtp") && !transportsFor("inbound").includes("smtp"));
    assert.equal(fieldsFor("inbound", "soap").find((s) => s.key === "port")?.required, true);
    assert.equal(fieldsFor("outbound", "soap").find((s) => s.key === "port")?.required, false);
    const smtp = fieldsFor("outbound", "smtp");
    assert.deepEqual(
      smtp.filter((s) => s.group === "settings" && s.required).map((s) => s.key),
      ["host", "from", "to"],
    );
    assert.equal(smtp.find((s) => s.key === "password")?.secret, true);
  });

  it("offers sftp, ftp and ftps both ways, with their fields, secrets and checks", () => {
    for (const t of ["sftp", "ftp", "ftps"]) {
      assert.ok(transportsFor("inbound").includes(t) && transportsFor("outbound").includes(t), t);
    }
    const sftp = fieldsFor("inbound", "sftp");
    assert.deepEqual(
      sftp.filter((f) => f.group === "settings" && f.required).map((f) => f.key),
      ["host", "username", "path", "hostKey"],
    );
    assert.deepEqual(
      sftp.filter((f) => f.secret).map((f) => f.key),
      ["password", "privateKey", "passphrase"],
    );
    const issues = validateConnection(
      conn({
        name: "IB_ACME_FILES",
        transport: "sftp",
        settings: {
          host: "h",
          username: "u",
          path: "/in",
          hostKey: "nope",
          password: "literal",
          afterRead: "leave",
        },
      }),
      [],
    );
    assert.deepEqual(
      issues.map((i) => i.path),
      ["settings.rememberFile", "settings.hostKey", "settings.password"],
    );
  });

  it("parses typed text by schema type, with a reason when it cannot", () => {
    assert.deepEqual(parseInput({ type: "integer" }, " 2601 "), { value: 2601 });
    assert.deepEqual(parseInput({ type: "integer" }, "26x"), { error: "must be a whole number" });
    assert.deepEqual(parseInput({ type: "boolean" }, "true"), { value: true });
    assert.deepEqual(parseInput({ type: "string" }, ""), {});
    assert.equal(formatValue({ env: "acme_host" }), "acme_host");
    // Lists (allowFrom) are typed comma-separated and shown the same way.
    const list = { type: "array", items: { type: "string", format: "ip-or-cidr" } } as const;
    assert.deepEqual(parseInput(list, "10.20.0.0/16, 192.168.1.20 ,"), {
      value: ["10.20.0.0/16", "192.168.1.20"],
    });
    assert.equal(formatValue(["10.20.0.0/16", "192.168.1.20"]), "10.20.0.0/16, 192.168.1.20");
    assert.deepEqual(parseInput({ type: "array", items: { type: "integer" } }, "1, x"), {
      error: "each item must be a whole number",
    });
  });

  it("accepts a valid entry and reports every problem of a broken one by path", () => {
    assert.deepEqual(validateConnection(conn({}), []), []);
    const broken = conn({ name: "acme adt", settings: { port: 70000, bogus: 1 }, fields: {} });
    const issues = validateConnection(broken, [broken]);
    assert.deepEqual(
      issues.map((i) => i.path),
      ["name", "settings.port", "settings.bogus", "options.router"],
    );
    // The schema messages come from messagefoundry/graph's checker; the form shows them as they are.
    assert.equal(issues[0]?.message, "use letters, digits and _ (e.g. IB_ACME_ADT)");
    assert.equal(issues[1]?.message, "must be ≤ 65535");
    assert.equal(issues[3]?.message, "is required");
    const limited = conn({ settings: { port: 2600, allowFrom: ["10.0.0.0/8", "not-an-address"] } });
    assert.deepEqual(validateConnection(limited, []), [
      { path: "settings.allowFrom.1", message: "must be an IP address or CIDR block (e.g. 10.20.0.0/16)" },
    ]);
  });

  it("requires env references for secrets and known env keys, and unique names", () => {
    const rest = conn({
      direction: "outbound",
      name: "OB_ACME_REST",
      transport: "rest",
      settings: { url: { env: "acme_url" }, token: "s3cret", headers: { "X-Api-Key": "k3y" } },
      fields: {},
    });
    const twin = { ...rest, index: 1 };
    assert.deepEqual(
      validateConnection(rest, [rest, twin], ["other_key"]).map((i) => `${i.path}: ${i.message}`),
      [
        'name: another outbound is named "OB_ACME_REST"',
        'settings.token: is a secret: use an env reference ({ env = "KEY" })',
        'settings.headers.X-Api-Key: is a secret: use an env reference ({ env = "KEY" })',
        'settings.url: env key "acme_url" is not defined in any environment file',
      ],
    );
  });
});

describe("connection form: x12", () => {
  it("is offered both ways; the inbound asks for its acknowledgment, the outbound for host and reply handling", () => {
    assert.ok(transportsFor("inbound").includes("x12"));
    assert.ok(transportsFor("outbound").includes("x12"));
    const keys = (d: "inbound" | "outbound") =>
      fieldsFor(d, "x12")
        .filter((f) => f.group === "settings")
        .map((f) => [f.key, f.required] as const);
    const inbound = new Map(keys("inbound"));
    const outbound = new Map(keys("outbound"));
    assert.equal(inbound.get("port"), true);
    assert.equal(inbound.has("ack"), true);
    assert.equal(inbound.has("expectReply"), false);
    assert.equal(outbound.get("host"), true);
    assert.equal(outbound.has("expectReply"), true);
    assert.equal(outbound.has("ta1Required"), true);
    assert.equal(outbound.has("ack"), false);
  });
});
