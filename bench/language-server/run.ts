/**
 * Language server bench: a generated config of 300 modules and 1,000 connections, the bundled server
 * spawned over stdio, real JSON-RPC. Reports time to first diagnostics after initialize, and p50/p95
 * of didChange → publishDiagnostics and of completion round trips.
 *
 *   node --conditions=source --import tsx bench/language-server/run.ts
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import * as esbuild from "esbuild";
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from "vscode-jsonrpc/node";
import type { PublishDiagnosticsParams } from "vscode-languageserver";

const MODULES = 300;
const INBOUNDS = 500;
const OUTBOUNDS = 500;
const EDITS = 60;
const COMPLETIONS = 200;

const repo = join(import.meta.dirname, "..", "..");
const dir = mkdtempSync(join(tmpdir(), "mf-ls-bench-"));

function moduleText(m: number, handlerRef = `handler_${m}_a`): string {
  const ob = (n: number) => `OB_P${n % OUTBOUNDS}_ADT`;
  return `import { handler, router, send } from "messagefoundry";

router("router_${m}", (_msg) => ["${handlerRef}", "handler_${m}_b"]);

handler("handler_${m}_a", (msg) => {
  if (msg.get("MSH-9.2") === "A08") return [];
  msg.set("PID-5.1", msg.get("PID-5.1")?.toUpperCase());
  return send("${ob(m)}", msg);
});

handler("handler_${m}_b", (msg) => {
  msg.set("PV1-3.1", "WARD");
  return send("${ob(m + MODULES)}", msg);
});
`;
}

function generate(): void {
  mkdirSync(join(dir, "routes"), { recursive: true });
  mkdirSync(join(dir, "environments"));
  for (let m = 0; m < MODULES; m++)
    writeFileSync(
      join(dir, "routes", `m${String(m).padStart(3, "0")}.ts`),
      moduleText(m, m === 0 ? "handler_0_x" : undefined),
    );
  const toml: string[] = [];
  for (let i = 0; i < INBOUNDS; i++)
    toml.push(
      `[[inbound]]\nname = "IB_P${i}_ADT"\ntransport = "mllp"\nrouter = "router_${i % MODULES}"\n\n[inbound.settings]\nport = ${10000 + i}\n`,
    );
  for (let i = 0; i < OUTBOUNDS; i++)
    toml.push(
      `[[outbound]]\nname = "OB_P${i}_ADT"\ntransport = "mllp"\nsettings = { host = { env = "p${i}_host" }, port = ${20000 + i} }\n`,
    );
  writeFileSync(join(dir, "connections.toml"), toml.join("\n"));
  for (const env of ["dev", "prod"])
    writeFileSync(
      join(dir, "environments", `${env}.toml`),
      Array.from({ length: OUTBOUNDS }, (_, i) => `p${i}_host = "10.0.${i >> 8}.${i & 255}"`).join("\n"),
    );
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? Number.NaN;
}

async function main(): Promise<void> {
  generate();
  const bundle = join(dir, "language-server.js");
  await esbuild.build({
    entryPoints: [join(repo, "language-server/src/server.ts")],
    outfile: bundle,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    conditions: ["source"],
    logLevel: "silent",
  });
  const child = spawn(process.execPath, [bundle, "--stdio"], {
    cwd: repo,
    stdio: ["pipe", "pipe", "inherit"],
  });
  const rpc = createMessageConnection(
    new StreamMessageReader(child.stdout),
    new StreamMessageWriter(child.stdin),
  );
  const waiters: ((p: PublishDiagnosticsParams) => boolean)[] = [];
  rpc.onNotification("textDocument/publishDiagnostics", (p: PublishDiagnosticsParams) => {
    for (let i = waiters.length - 1; i >= 0; i--) if (waiters[i]?.(p)) waiters.splice(i, 1);
  });
  rpc.onNotification("window/logMessage", () => {});
  const next = (ok: (p: PublishDiagnosticsParams) => boolean) =>
    new Promise<void>((resolve) =>
      waiters.push((p) => {
        if (!ok(p)) return false;
        resolve();
        return true;
      }),
    );
  rpc.listen();

  const uri = pathToFileURL(join(dir, "routes", "m150.ts")).href;
  const t0 = performance.now();
  const first = next((p) => p.diagnostics.length > 0);
  await rpc.sendRequest("initialize", {
    processId: process.pid,
    rootUri: pathToFileURL(dir).href,
    workspaceFolders: [{ uri: pathToFileURL(dir).href, name: "bench" }],
    capabilities: {},
  });
  await rpc.sendNotification("initialized", {});
  await first;
  const firstDiagnostics = performance.now() - t0;

  // Open one module and let its first type-check happen (what an editor does on open).
  let version = 1;
  const good = moduleText(150);
  const openDone = next((p) => p.uri === uri && p.version === 1);
  await rpc.sendNotification("textDocument/didOpen", {
    textDocument: { uri, languageId: "typescript", version, text: good },
  });
  await openDone;

  const edit: number[] = [];
  for (let i = 0; i < EDITS; i++) {
    version++;
    const text = i % 2 === 0 ? moduleText(150, `handler_150_${i}`) : good;
    const expectErrors = i % 2 === 0;
    const v = version;
    const done = next((p) => p.uri === uri && p.version === v && p.diagnostics.length > 0 === expectErrors);
    const t = performance.now();
    await rpc.sendNotification("textDocument/didChange", {
      textDocument: { uri, version: v },
      contentChanges: [{ text }],
    });
    await done;
    edit.push(performance.now() - t);
  }

  const line = good.split("\n").findIndex((l) => l.includes("return send("));
  const character = (good.split("\n")[line] ?? "").indexOf("send(") + 6;
  const completion: number[] = [];
  let count = 0;
  for (let i = 0; i < COMPLETIONS; i++) {
    const t = performance.now();
    const items = await rpc.sendRequest<unknown[]>("textDocument/completion", {
      textDocument: { uri },
      position: { line, character },
    });
    completion.push(performance.now() - t);
    count = items.length;
  }

  await rpc.sendRequest("shutdown");
  await rpc.sendNotification("exit");
  rpc.dispose();
  child.kill();
  rmSync(dir, { recursive: true, force: true });

  const ms = (n: number) => `${n.toFixed(1)} ms`;
  const rows = [
    ["config", `${MODULES} modules, ${INBOUNDS + OUTBOUNDS} connections (connections.toml), 2 environments`],
    ["first diagnostics after initialize", `${ms(firstDiagnostics)} (target ≤ 3000 ms)`],
    ["didChange → publishDiagnostics p50", ms(pct(edit, 50))],
    [
      "didChange → publishDiagnostics p95",
      `${ms(pct(edit, 95))} (target ≤ 150 ms; includes the 30 ms debounce)`,
    ],
    ["completion p50", `${ms(pct(completion, 50))} (${count} items)`],
    ["completion p95", `${ms(pct(completion, 95))} (target ≤ 50 ms)`],
  ];
  for (const [k, v] of rows) console.log(`${k?.padEnd(38)} ${v}`);
}

await main();
