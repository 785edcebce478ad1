/**
 * `messagefoundry user add|passwd|disable|enable|role|mfa|list --db FILE`: local users, from the
 * machine that holds the database (how the first administrator is made). Passwords come from stdin,
 * never from arguments (they would land in shell history and the process list).
 */
import type { Command } from "commander";
import {
  type AdminOptions,
  DEFAULT_AUTH_POLICY,
  isAuthError,
  mfaEnroll,
  readPasswordFromStdin,
  type SecretSealer,
  userAdd,
  userDisable,
  userEnable,
  userList,
  userPasswd,
  userSetRole,
} from "../auth/index.js";
import { codecFromEnv, secretSealer } from "../store/index.js";
import { openDb } from "./db.js";
import { type CliIo, EXIT, json, UserError } from "./io.js";

type Db = ReturnType<typeof openDb>;

/** TOTP secrets are sealed with MEFOR_STORE_KEY (old keys readable) when it is set, as the engine does. */
function sealerOf(io: CliIo): SecretSealer | undefined {
  if (!io.env.MEFOR_STORE_KEY) return undefined;
  try {
    return secretSealer(codecFromEnv(io.env as NodeJS.ProcessEnv));
  } catch (error) {
    throw new UserError((error as Error).message);
  }
}

async function withDb<T>(
  io: CliIo,
  file: string,
  create: boolean,
  fn: (db: Db, opts: AdminOptions) => T | Promise<T>,
): Promise<T> {
  const sealer = sealerOf(io);
  const db = openDb(io, file, create);
  try {
    return await fn(db, sealer ? { sealer } : {});
  } catch (error) {
    // Auth errors are the user's to fix (unknown user, weak password): one line, exit 1.
    if (isAuthError(error)) throw new UserError(`${error.code}: ${error.message}`, EXIT.FAILED);
    throw error;
  } finally {
    db.close();
  }
}

export function register(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const cmd = program.command("user").description("Manage local users (password from stdin).");
  const db = (c: Command) => c.requiredOption("--db <file>", "the engine's SQLite database");

  db(cmd.command("add <name>").description("Add a user; the password is read from stdin"))
    .requiredOption("--role <role>", "administrator, operator, deployer, developer, viewer or auditor")
    .action(async (name: string, opts: { db: string; role: string }) => {
      const password = await readPasswordFromStdin();
      const u = await withDb(io, opts.db, true, (d) => userAdd(d, name, opts.role, password));
      io.out(`added ${u.name} (${u.role})\n`);
      if (DEFAULT_AUTH_POLICY.mfaRequiredRoles.includes(u.role))
        io.out(`the ${u.role} role needs MFA: messagefoundry user mfa ${u.name} --db ${opts.db}\n`);
      setExit(EXIT.OK);
    });
  db(
    cmd.command("passwd <name>").description("Set a user's password (from stdin); ends their sessions"),
  ).action(async (name: string, opts: { db: string }) => {
    const password = await readPasswordFromStdin();
    await withDb(io, opts.db, false, (d) => userPasswd(d, name, password));
    io.out(`password changed for ${name}\n`);
    setExit(EXIT.OK);
  });
  db(cmd.command("disable <name>").description("Disable a user; ends their sessions")).action(
    async (name: string, opts: { db: string }) => {
      await withDb(io, opts.db, false, (d) => userDisable(d, name));
      io.out(`disabled ${name}\n`);
      setExit(EXIT.OK);
    },
  );
  db(cmd.command("enable <name>").description("Enable a disabled user")).action(
    async (name: string, opts: { db: string }) => {
      await withDb(io, opts.db, false, (d) => userEnable(d, name));
      io.out(`enabled ${name}\n`);
      setExit(EXIT.OK);
    },
  );
  db(cmd.command("role <name> <role>").description("Change a user's role")).action(
    async (name: string, role: string, opts: { db: string }) => {
      await withDb(io, opts.db, false, (d) => userSetRole(d, name, role));
      io.out(`${name} is now ${role}\n`);
      setExit(EXIT.OK);
    },
  );
  db(
    cmd
      .command("mfa <name>")
      .description("Enrol (or re-enrol) TOTP MFA; prints the otpauth:// URI and secret"),
  ).action(async (name: string, opts: { db: string }) => {
    if (!io.env.MEFOR_STORE_KEY) {
      io.err(
        "warning: MEFOR_STORE_KEY is not set: the TOTP secret is stored unsealed until the engine next starts with its key\n",
      );
    }
    const e = await withDb(io, opts.db, false, (d, o) => mfaEnroll(d, name, o));
    io.out(`${e.uri}\nsecret: ${e.secret}\n`);
    setExit(EXIT.OK);
  });
  db(cmd.command("list").description("List users"))
    .option("--json", "print as JSON")
    .action(async (opts: { db: string; json?: boolean }) => {
      const users = await withDb(io, opts.db, false, (d) => userList(d));
      if (opts.json) io.out(json(users));
      else {
        for (const u of users) {
          const flags = [
            u.disabled ? "disabled" : "",
            u.mfaEnrolled ? "mfa" : "",
            u.lockedUntil ? "locked" : "",
          ]
            .filter(Boolean)
            .join(",");
          io.out(`${u.name}\t${u.role}${flags ? `\t${flags}` : ""}\n`);
        }
        if (users.length === 0) io.out("no users\n");
      }
      setExit(EXIT.OK);
    });
}
