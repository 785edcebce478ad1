/** `messagefoundry connection list|upsert|remove`: edit connections.toml as data, keeping comments. */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import {
  CONNECTIONS_FILE,
  type ConnectionEntry,
  listConnections,
  removeConnection,
  upsertConnection,
} from "../config/index.js";
import { isTransport, TRANSPORTS } from "../graph/index.js";
import { type CliIo, configDir, EXIT, json, UserError } from "./io.js";

function kindOf(k: string): "inbound" | "outbound" {
  if (k !== "inbound" && k !== "outbound")
    throw new UserError(`--kind must be inbound or outbound, got "${k}"`);
  return k;
}

/** `--set key=value`: numbers and booleans are typed; `key=env:NAME[:cast]` makes an env reference. */
export function parseAssignment(s: string): [string, unknown] {
  const eq = s.indexOf("=");
  if (eq <= 0) throw new UserError(`--set expects key=value, got "${s}"`);
  const key = s.slice(0, eq).trim();
  const raw = s.slice(eq + 1);
  const env = /^env:([A-Za-z0-9_]+)(?::(string|int|float|bool|json))?$/.exec(raw);
  if (env) return [key, { env: env[1], ...(env[2] ? { cast: env[2] } : {}) }];
  if (/^-?\d+$/.test(raw)) return [key, Number(raw)];
  if (raw === "true" || raw === "false") return [key, raw === "true"];
  return [key, raw];
}

function read(dir: string): string {
  const p = join(dir, CONNECTIONS_FILE);
  return existsSync(p) ? readFileSync(p, "utf8") : "";
}

export function register(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const cmd = program
    .command("connection")
    .description("List, add/update or remove connections in connections.toml.");
  cmd
    .command("list")
    .description("List connections declared in connections.toml")
    .option("-c, --config <dir>", "config directory", ".")
    .option("--json", "print as JSON")
    .action((opts: { config: string; json?: boolean }) => {
      const dir = configDir(io, opts.config);
      const list = listConnections(read(dir));
      if (opts.json) io.out(json(list));
      else
        for (const c of list)
          io.out(
            `${c.kind.padEnd(8)} ${c.name.padEnd(24)} ${c.transport.padEnd(8)} ${JSON.stringify(c.settings)}\n`,
          );
      setExit(EXIT.OK);
    });
  cmd
    .command("upsert")
    .description("Add a connection or replace the one with the same kind and name")
    .option("-c, --config <dir>", "config directory", ".")
    .requiredOption("-k, --kind <kind>", "inbound or outbound")
    .requiredOption("-n, --name <name>", "connection name, e.g. IB_ACME_ADT")
    .requiredOption("-t, --transport <transport>", `one of ${TRANSPORTS.join(", ")}`)
    .option("-r, --router <router>", "inbound: the router that sees its messages")
    .option("-s, --set <key=value...>", "setting (repeatable); value env:KEY[:cast] for an env reference", [])
    .option(
      "-o, --option <key=value...>",
      "option such as contentType=json or ordering=fifo (repeatable)",
      [],
    )
    .action(
      (opts: {
        config: string;
        kind: string;
        name: string;
        transport: string;
        router?: string;
        set: string[];
        option: string[];
      }) => {
        const dir = configDir(io, opts.config);
        const kind = kindOf(opts.kind);
        if (!isTransport(opts.transport))
          throw new UserError(`unknown transport "${opts.transport}" (one of: ${TRANSPORTS.join(", ")})`);
        if (kind === "inbound" && !opts.router) throw new UserError("an inbound needs --router <name>");
        const entry: ConnectionEntry = {
          kind,
          name: opts.name,
          transport: opts.transport,
          settings: Object.fromEntries(opts.set.map(parseAssignment)),
          options: {
            ...(opts.router ? { router: opts.router } : {}),
            ...Object.fromEntries(opts.option.map(parseAssignment)),
          },
        };
        writeFileSync(join(dir, CONNECTIONS_FILE), upsertConnection(read(dir), entry));
        io.out(`upserted ${kind} ${opts.name} in ${CONNECTIONS_FILE}\n`);
        setExit(EXIT.OK);
      },
    );
  cmd
    .command("remove")
    .description("Remove a connection from connections.toml")
    .option("-c, --config <dir>", "config directory", ".")
    .requiredOption("-k, --kind <kind>", "inbound or outbound")
    .requiredOption("-n, --name <name>", "connection name")
    .action((opts: { config: string; kind: string; name: string }) => {
      const dir = configDir(io, opts.config);
      const kind = kindOf(opts.kind);
      const r = removeConnection(read(dir), kind, opts.name);
      if (!r.removed)
        throw new UserError(`no ${kind} named "${opts.name}" in ${CONNECTIONS_FILE}`, EXIT.FAILED);
      writeFileSync(join(dir, CONNECTIONS_FILE), r.text);
      io.out(`removed ${kind} ${opts.name} from ${CONNECTIONS_FILE}\n`);
      setExit(EXIT.OK);
    });
}
