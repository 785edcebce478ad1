/**
 * Reading a password for the CLI. Piped input (`echo ... | messagefoundry user add`) is read
 * to its first line; an interactive terminal is prompted on stderr with echo off.
 */
import type { Readable, Writable } from "node:stream";

export interface PasswordInputOptions {
  input?: Readable & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  /** Where the prompt goes (stderr by default, so stdout stays clean for scripts). */
  output?: Writable;
  prompt?: string;
  /** Refuse input longer than this many characters (default 4096). */
  maxLength?: number;
}

export async function readPasswordFromStdin(opts: PasswordInputOptions = {}): Promise<string> {
  const input = opts.input ?? process.stdin;
  const output = opts.output ?? process.stderr;
  const maxLength = opts.maxLength ?? 4096;
  if (input.isTTY && typeof input.setRawMode === "function") {
    return readRaw(input, output, opts.prompt ?? "Password: ", maxLength, input.setRawMode.bind(input));
  }
  return readFirstLine(input, maxLength);
}

async function readFirstLine(input: Readable, maxLength: number): Promise<string> {
  let text = "";
  for await (const chunk of input) {
    text += typeof chunk === "string" ? chunk : (chunk as Buffer).toString("utf8");
    const newline = text.search(/\r?\n/);
    if (newline >= 0) {
      text = text.slice(0, newline);
      break;
    }
    if (text.length > maxLength) break;
  }
  if (text.length > maxLength) throw new Error(`password input longer than ${maxLength} characters`);
  if (text === "") throw new Error("no password on standard input");
  return text;
}

function readRaw(
  input: Readable,
  output: Writable,
  prompt: string,
  maxLength: number,
  setRawMode: (mode: boolean) => unknown,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    const finish = (err?: Error) => {
      input.off("data", onData);
      setRawMode(false);
      input.pause();
      output.write("\n");
      if (err) reject(err);
      else resolve(text);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of typeof chunk === "string" ? chunk : chunk.toString("utf8")) {
        if (ch === "\r" || ch === "\n") return finish();
        if (ch === "\u0003") return finish(new Error("cancelled"));
        if (ch === "\u0004") return finish(text === "" ? new Error("no password entered") : undefined);
        if (ch === "\u007f" || ch === "\b") text = [...text].slice(0, -1).join("");
        else if (text.length < maxLength) text += ch;
      }
    };
    // Echo goes off before the prompt appears, so nothing typed after it is ever echoed.
    setRawMode(true);
    output.write(prompt);
    input.resume();
    input.on("data", onData);
  });
}
