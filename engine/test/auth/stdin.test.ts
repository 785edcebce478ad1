import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { readPasswordFromStdin } from "../../src/auth/index.js";

const CHILD = fileURLToPath(new URL("./fixtures/read-password.ts", import.meta.url));
const NODE_ARGS = ["--conditions=source", "--import", "tsx", CHILD];

/** Runs the child; `feed` is called with its stdin once `waitFor` shows up on stdout (or at once). */
function runChild(
  command: string,
  args: string[],
  expected: string,
  feed: (stdin: NodeJS.WritableStream) => void,
  waitFor?: string,
): Promise<{ out: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, EXPECTED_PASSWORD: expected },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    let fed = false;
    const maybeFeed = () => {
      if (!fed && (waitFor === undefined || out.includes(waitFor))) {
        fed = true;
        feed(child.stdin);
      }
    };
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
      maybeFeed();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
      maybeFeed();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ out, code }));
    maybeFeed();
  });
}

describe("auth/readPasswordFromStdin", () => {
  it("reads the first line of piped input (the scripted CLI path)", async () => {
    const { out, code } = await runChild(process.execPath, NODE_ARGS, "TEST-piped-password", (stdin) => {
      stdin.end("TEST-piped-password\nsecond line ignored\n");
    });
    assert.equal(code, 0, out);
    assert.match(out, /RESULT len=19 match=true/);
  });

  it("prompts on a real terminal with echo off", async () => {
    const password = "TEST-tty-password-1";
    const command = `${[process.execPath, ...NODE_ARGS].map((a) => `'${a}'`).join(" ")}`;
    const { out, code } = await runChild(
      "script",
      ["-qec", command, "/dev/null"],
      password,
      (stdin) => {
        stdin.write(`${password}\r`);
      },
      "Password: ",
    );
    assert.equal(code, 0, out);
    assert.match(out, /RESULT len=19 match=true/);
    assert.ok(!out.includes(password), "the password was echoed to the terminal");
  });

  it("strips CRLF and stops at the first line", async () => {
    const input = new PassThrough();
    input.end("TEST-windows-pw\r\nnext\r\n");
    assert.equal(await readPasswordFromStdin({ input }), "TEST-windows-pw");
  });

  it("assembles a line split across chunks", async () => {
    const input = new PassThrough();
    const pending = readPasswordFromStdin({ input });
    input.write("TEST-sp");
    input.write("lit-pw");
    input.end("\n");
    assert.equal(await pending, "TEST-split-pw");
  });

  it("accepts a final line without a newline", async () => {
    const input = new PassThrough();
    input.end("TEST-no-newline");
    assert.equal(await readPasswordFromStdin({ input }), "TEST-no-newline");
  });

  it("refuses empty and oversized input with a clear message", async () => {
    const empty = new PassThrough();
    empty.end("");
    await assert.rejects(readPasswordFromStdin({ input: empty }), /no password on standard input/);
    const blankLine = new PassThrough();
    blankLine.end("\n");
    await assert.rejects(readPasswordFromStdin({ input: blankLine }), /no password/);
    const huge = new PassThrough();
    huge.end("x".repeat(100));
    await assert.rejects(readPasswordFromStdin({ input: huge, maxLength: 50 }), /longer than 50/);
  });
});
