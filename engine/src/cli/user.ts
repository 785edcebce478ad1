/**
 * `messagefoundry user add|passwd|disable|enable|role|mfa|list --db FILE | --settings FILE`: local users, from the
 * machine that holds the database (how the first administrator is made). Passwords come from stdin,
 * never from arguments (they would land in shell history and the process list).
 */
import type { Command } from "commander";
import {
  type AuthRepository,
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
import { openAuth, type StoreFlags, storeOptions } from "./db.js";
import { type CliIo, EXIT, json, UserError } from "./io.js";

/** TOTP secrets are sealed with MEFOR_STORE_KEY (old keys readable) when it is set, as the engine does. */
function sealerOf(io: CliIo): SecretSealer | undefined {
  if (!io.env.MEFOR_STORE_KEY) return undefined;
  try {
    return secretSealer(codecFromEnv(io.env as NodeJS.ProcessEnv));
  } catch (error) {
    throw new UserError((error as Error).message);
  }
}

async function withAuth<T>(
  io: CliIo,
  flags: StoreFlags,
  create: boolean,
  fn: (repo: AuthRepository) => T | Promise<T>,
): Promise<T> {
  const auth = await openAuth(io, flags, { create, sealer: sealerOf(io) });
  try {
    return await fn(auth.repo);
  } catch (error) {
    // Auth errors are the user's to fix (unknown user, weak password): one line, exit 1.
    if (isAuthError(error)) throw new UserError(`${error.code}: ${error.message}`, EXIT.FAILED);
    throw error;
  } finally {
    await auth.close();
  }
}

/** How the user named the store, for the follow-up commands printed. */
function storeArg(flags: StoreFlags): string {
  return flags.db !== undefined ? `--db ${flags.db}` : `--settings ${flags.settings ?? "FILE"}`;
}

export function register(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const cmd = program.command("user").description("Manage local users (password from stdin).");
  const db = (c: Command) => storeOptions(c);

  db(cmd.command("add <name>").description("Add a user; the password is read from stdin"))
    .requiredOption("--role <role>", "administrator, operator, deployer, developer, viewer or auditor")
    .action(async (name: string, opts: StoreFlags & { role: string }) => {
      const password = await readPasswordFromStdin();
      const u = await withAuth(io, opts, true, (r) => userAdd(r, name, opts.role, password));
      io.out(`added ${u.name} (${u.role})\n`);
      if (DEFAULT_AUTH_POLICY.mfaRequiredRoles.includes(u.role))
        io.out(`the ${u.role} role needs MFA: messagefoundry user mfa ${u.name} ${storeArg(opts)}\n`);
      setExit(EXIT.OK);
    });
  db(
    cmd.command("passwd <name>").description("Set a user's password (from stdin); ends their sessions"),
  ).action(async (name: string, opts: StoreFlags) => {
    const password = await readPasswordFromStdin();
    await withAuth(io, opts, false, (r) => userPasswd(r, name, password));
    io.out(`password changed for ${name}\n`);
    setExit(EXIT.OK);
  });
  db(cmd.command("disable <name>").description("Disable a user; ends their sessions")).action(
    async (name: string, opts: StoreFlags) => {
      await withAuth(io, opts, false, (r) => userDisable(r, name));
      io.out(`disabled ${name}\n`);
      setExit(EXIT.OK);
    },
  );
  db(cmd.command("enable <name>").description("Enable a disabled user")).action(
    async (name: string, opts: StoreFlags) => {
      await withAuth(io, opts, false, (r) => userEnable(r, name));
      io.out(`enabled ${name}\n`);
      setExit(EXIT.OK);
    },
  );
  db(cmd.command("role <name> <role>").description("Change a user's role")).action(
    async (name: string, role: string, opts: StoreFlags) => {
      await withAuth(io, opts, false, (r) => userSetRole(r, name, role));
      io.out(`${name} is now ${role}\n`);
      setExit(EXIT.OK);
    },
  );
  db(
    cmd
      .command("mfa <name>")
      .description("Enrol (or re-enrol) TOTP MFA; prints the otpauth:// URI and secret"),
  ).action(async (name: string, opts: StoreFlags) => {
    if (!io.env.MEFOR_STORE_KEY) {
      io.err(
        "warning: MEFOR_STORE_KEY is not set: the TOTP secret is stored unsealed until the engine next starts with its key\n",
      );
    }
    const e = await withAuth(io, opts, false, (r) => mfaEnroll(r, name));
    io.out(`${e.uri}\nsecret: ${e.secret}\n`);
    setExit(EXIT.OK);
  });
  db(cmd.command("list").description("List users"))
    .option("--json", "print as JSON")
    .action(async (opts: StoreFlags & { json?: boolean }) => {
      const users = await withAuth(io, opts, false, (r) => userList(r));
      if (opts.json) io.out(json(users));
      else {
        for (const u of users) {
          const flags = [
            u.source === "directory" ? "directory" : "",
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
