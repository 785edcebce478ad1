/** Files written by `messagefoundry init`: a small, working config repo. */

export const SAMPLE_MESSAGE = [
  "MSH|^~\\&|SENDER|TEST_FACILITY|RECEIVER|TEST_FACILITY|20260101120000||ADT^A01^ADT_A01|MSG00001|P|2.5.1",
  "EVN|A01|20260101120000",
  "PID|1||TEST000001^^^MEFOR^MR||Test^Patient||19800101|F",
  "PV1|1|I|WARD1^101^1",
  "",
].join("\n");

export const SAMPLE_EXPECTED = SAMPLE_MESSAGE.replace("|RECEIVER|", "|DOWNSTREAM|").replace(
  "||Test^Patient||",
  "||TEST^Patient||",
);

export function scaffoldFiles(engineVersion: string): Record<string, string> {
  return {
    "routes.ts": `// A complete route: receive ADT over MLLP, transform, deliver to the outbound in connections.toml.
import { handler, inbound, mllp, router, send } from "messagefoundry";

inbound("IB_SAMPLE_ADT", mllp({ port: 2600 }), { router: "sample_adt_router" });

router("sample_adt_router", (msg) => (msg.messageType.startsWith("ADT^") ? ["sample_adt_handler"] : []));

handler("sample_adt_handler", (msg) => {
  if (msg.get("MSH-9.2") === "A08") return []; // filtered: updates are not forwarded
  const family = msg.get("PID-5.1");
  if (family !== undefined) msg.set("PID-5.1", family.toUpperCase());
  msg.set("MSH-5", "DOWNSTREAM");
  return send("OB_SAMPLE_ADT", msg);
});
`,
    "connections.toml": `# Connections as data (same registry entries as inbound()/outbound() in TypeScript).
# Edit by hand or with: messagefoundry connection upsert --kind outbound --name ... --transport ...

[[outbound]]
name = "OB_SAMPLE_ADT"
transport = "file"
[outbound.settings]
path = { env = "sample_out_dir" }
filename = "{controlId}.hl7"
`,
    "environments/dev.toml": `# Values for env() in development. MEFOR_VALUE_<KEY> environment variables override them.
sample_out_dir = ".messagefoundry/out/sample_adt"
`,
    "environments/prod.toml": `# Values for env() in production. Secrets never go here: set MEFOR_VALUE_<KEY> on the host.
sample_out_dir = "/var/lib/messagefoundry/out/sample_adt"
`,
    "tests/sample_adt.json": `${JSON.stringify(
      {
        inbound: "IB_SAMPLE_ADT",
        message: "messages/adt_a01.hl7",
        expect: {
          disposition: "PROCESSED",
          deliveries: [{ outbound: "OB_SAMPLE_ADT", payload: "expected/adt_a01.OB_SAMPLE_ADT.hl7" }],
        },
      },
      null,
      2,
    )}\n`,
    "tests/messages/adt_a01.hl7": SAMPLE_MESSAGE,
    "tests/expected/adt_a01.OB_SAMPLE_ADT.hl7": SAMPLE_EXPECTED,
    "package.json": `${JSON.stringify(
      {
        name: "messagefoundry-config",
        private: true,
        type: "module",
        scripts: {
          check: "messagefoundry check",
          validate: "messagefoundry validate",
          graph: "messagefoundry graph",
        },
        dependencies: { messagefoundry: `^${engineVersion}` },
        devDependencies: { "@types/node": "^20.19.0", typescript: "^5.9.0" },
      },
      null,
      2,
    )}\n`,
    "tsconfig.json": `${JSON.stringify(
      {
        compilerOptions: {
          target: "ES2022",
          module: "ESNext",
          moduleResolution: "Bundler",
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ["node"],
        },
        include: ["**/*.ts"],
        exclude: ["node_modules"],
      },
      null,
      2,
    )}\n`,
    ".gitignore": "node_modules/\n.messagefoundry/\n*.db\n*.db-wal\n*.db-shm\n.env\n",
  };
}

export const PRE_COMMIT_HOOK = `#!/bin/sh
# MessageFoundry: refuse a commit whose config does not pass \`messagefoundry check\`.
exec npx --no-install messagefoundry check
`;
