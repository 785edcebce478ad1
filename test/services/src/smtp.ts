/**
 * A real SMTP server for the email connector's tests: Python's aiosmtpd (Debian `python3-aiosmtpd`)
 * running the handler in ../python/mf_smtpd.py. The service finds a Python that can import aiosmtpd
 * (`MEFOR_TEST_SMTPD` names one), else installs the Debian package; `startSmtpServer` then runs the
 * test's own instance on a free port — plain, STARTTLS or implicit TLS, with AUTH when asked — writing
 * each accepted mail as JSON into a temporary directory. Recipients `tempfail…@` get 451, `reject…@` 550.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { aptInstall } from "./debian.js";
import { freePort } from "./net.js";
import type { Service } from "./service.js";

const run = promisify(execFile);
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), "..", "python", "mf_smtpd.py");

async function hasAiosmtpd(python: string): Promise<boolean> {
  try {
    await run(python, ["-c", "import aiosmtpd"], { timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

/** Debian's python3 first: a pyenv or venv python on PATH does not see Debian's packages. */
const CANDIDATES = ["/usr/bin/python3", "python3"];

export const smtpService: Service = {
  name: "SMTP server (aiosmtpd)",
  env: "MEFOR_TEST_SMTPD",
  async find() {
    for (const python of CANDIDATES)
      if (await hasAiosmtpd(python))
        return { value: python, said: `${python} has aiosmtpd; each test starts its own server` };
    return undefined;
  },
  async provide() {
    await aptInstall(["python3-aiosmtpd"]);
    if (!(await hasAiosmtpd("/usr/bin/python3")))
      throw new Error("python3-aiosmtpd was installed but /usr/bin/python3 cannot import aiosmtpd");
    return { value: "/usr/bin/python3", said: "installed python3-aiosmtpd; each test starts its own server" };
  },
};

export interface SmtpServerOptions {
  /** STARTTLS (required by the server) with this PEM certificate and key. */
  starttls?: { cert: string; key: string };
  /** Implicit TLS (SMTPS) with this PEM certificate and key. */
  smtps?: { cert: string; key: string };
  /** Require AUTH with this user and password. */
  auth?: { user: string; password: string };
}

export interface ReceivedMail {
  mailFrom: string;
  rcptTos: string[];
  /** Whether the session was encrypted (STARTTLS or SMTPS). */
  tls: boolean;
  authenticated: boolean;
  /** The whole message as received (headers and body). */
  data: string;
}

export interface SmtpServer {
  readonly host: "127.0.0.1";
  readonly port: number;
  /** Mails accepted so far, in arrival order. */
  mails(): ReceivedMail[];
  /** Stops the server (the port closes); `start()` brings it back on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  close(): Promise<void>;
}

/** Starts the test's own SMTP server (`python` from `useService(smtpService)`). */
export async function startSmtpServer(python: string, opts: SmtpServerOptions = {}): Promise<SmtpServer> {
  const port = await freePort();
  const maildir = mkdtempSync(join(tmpdir(), "mefor-test-smtp-"));
  const args = [SCRIPT, "--port", String(port), "--maildir", maildir];
  const tls = opts.starttls ?? opts.smtps;
  if (tls) args.push("--tls-cert", tls.cert, "--tls-key", tls.key);
  if (opts.smtps) args.push("--smtps");
  if (opts.auth) args.push("--auth", `${opts.auth.user}:${opts.auth.password}`);
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    const proc = spawn(python, args, { stdio: ["ignore", "pipe", "pipe"] });
    child = proc;
    let err = "";
    proc.stderr?.on("data", (c: Buffer) => {
      err = (err + c.toString()).slice(-4000);
    });
    await new Promise<void>((resolve, reject) => {
      let out = "";
      proc.stdout?.on("data", (c: Buffer) => {
        out += c.toString();
        if (out.includes(`ready ${port}`)) resolve();
      });
      proc.once("exit", (code) =>
        reject(new Error(`mf_smtpd.py exited (${code}) before it was ready:\n${err}`)),
      );
    });
  };
  const stop = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once("exit", resolve));
    proc.kill("SIGTERM");
    await exited;
  };
  await start();
  return {
    host: "127.0.0.1",
    port,
    mails() {
      return readdirSync(maildir)
        .filter((f) => f.endsWith(".json"))
        .sort()
        .map((f) => JSON.parse(readFileSync(join(maildir, f), "utf8")) as ReceivedMail);
    },
    stop,
    start,
    async close() {
      await stop();
      rmSync(maildir, { recursive: true, force: true });
    },
  };
}
