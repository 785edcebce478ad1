/**
 * Runs a view bundle in headless Chromium inside the same page and CSP the extension host uses
 * (protocol/html.ts), with a host stub: acquireVsCodeApi() records what the view posts, and `send`
 * delivers host messages as VS Code does (a window `message` event). For requests the view waits on
 * (the parse tree's name `lookup`), the harness plays the host: the stub hands the request to Node,
 * which answers it as the extension host does, and the reply arrives as a `message` event.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromiumPath } from "@messagefoundry/test-services";
import * as esbuild from "esbuild";
import { getDefinitions } from "messagefoundry/hl7";
import { type Browser, chromium, type Page } from "playwright-core";
import type { ViewId } from "../../src/protocol/common.js";
import { viewHtml } from "../../src/protocol/html.js";
import type { ParseTreeFromView, ParseTreeToView } from "../../src/protocol/parseTree.js";

const root = fileURLToPath(new URL("../../..", import.meta.url));
export const artifactsDir = join(root, "test-artifacts/webviews");

const TYPES: Record<string, string> = {
  ".js": "text/javascript",
  ".css": "text/css",
  ".html": "text/html",
  ".ttf": "font/ttf",
  ".map": "application/json",
};

/** A dark-theme subset of the variables VS Code injects into every webview. */
const THEME_CSS = `html {
  --vscode-font-family: system-ui, sans-serif; --vscode-font-size: 13px;
  --vscode-editor-font-family: monospace; --vscode-editor-font-size: 13px;
  --vscode-foreground: #cccccc; --vscode-descriptionForeground: #9d9d9d; --vscode-errorForeground: #f48771;
  --vscode-editor-background: #1f1f1f; --vscode-focusBorder: #0078d4; --vscode-widget-border: #313131;
  --vscode-button-background: #0078d4; --vscode-button-foreground: #ffffff; --vscode-button-hoverBackground: #026ec1;
  --vscode-button-secondaryBackground: #313131; --vscode-button-secondaryForeground: #cccccc;
  --vscode-input-background: #313131; --vscode-input-foreground: #cccccc; --vscode-input-border: #3c3c3c;
  --vscode-list-activeSelectionBackground: #04395e; --vscode-list-hoverBackground: #2a2d2e;
  --vscode-inputValidation-errorBorder: #be1100; --vscode-inputValidation-errorBackground: #5a1d1d;
  --vscode-diffEditor-insertedTextBackground: #9ccc2c33; --vscode-diffEditor-removedTextBackground: #ff000033;
  --vscode-testing-iconPassed: #73c991; --vscode-testing-iconFailed: #f14c4c;
  --vscode-charts-blue: #3794ff; --vscode-charts-green: #89d185; --vscode-charts-orange: #d18616; --vscode-charts-purple: #b180d7;
  --vscode-textLink-foreground: #4daafc; --vscode-badge-background: #616161; --vscode-badge-foreground: #f8f8f8;
}`;

const STUB = `
window.__posted = [];
window.__state = window.__initialState;
window.acquireVsCodeApi = () => ({
  postMessage: (m) => {
    const copy = JSON.parse(JSON.stringify(m));
    window.__posted.push(copy);
    window.__host(copy).then((reply) => { if (reply) window.postMessage(reply, "*"); });
  },
  getState: () => window.__state,
  setState: (s) => { window.__state = JSON.parse(JSON.stringify(s)); },
});`;

/**
 * The extension host's answers to view requests (extension/src/views/*Panel.ts): the same
 * messagefoundry/hl7 call, so the view gets real definitions over a real postMessage round trip.
 */
function answerAsHost(view: ViewId, message: { type: string }): unknown {
  if (view === "parseTree" && message.type === "lookup") {
    const { requestId, version, segments } = message as Extract<ParseTreeFromView, { type: "lookup" }>;
    const reply: ParseTreeToView = {
      type: "lookupResult",
      requestId,
      version,
      definitions: getDefinitions(version || undefined).extract(segments),
    };
    return reply;
  }
  return undefined;
}

export interface ViewHarness {
  open(view: ViewId, initialState?: unknown): Promise<OpenView>;
  close(): Promise<void>;
}

export interface OpenView {
  page: Page;
  /** Delivers a host → view message. */
  send(message: unknown): Promise<void>;
  /** Everything the view posted so far. */
  posted(): Promise<{ type: string; [k: string]: unknown }[]>;
  /** Waits until the view posted a message of this type (beyond `skip` earlier ones) and returns it. */
  waitForPosted(type: string, skip?: number): Promise<{ type: string; [k: string]: unknown }>;
  state(): Promise<unknown>;
  /** CSP violations and page errors seen so far. */
  errors: string[];
  screenshot(name: string): Promise<void>;
}

/** Builds the listed views with the same esbuild options as scripts/build.mjs, into a temp dir. */
async function build(views: ViewId[], outdir: string): Promise<void> {
  await Promise.all(
    views.map((view) =>
      esbuild.build({
        bundle: true,
        sourcemap: false,
        minify: false,
        logLevel: "error",
        conditions: ["source"],
        absWorkingDir: root,
        entryPoints: [`webviews/src/views/${view}/main.ts`],
        outfile: join(outdir, `${view}.js`),
        platform: "browser",
        format: "iife",
        target: "es2022",
        loader: { ".ttf": "file", ".css": "css" },
      }),
    ),
  );
}

export async function startHarness(views: ViewId[]): Promise<ViewHarness> {
  const dir = mkdtempSync(join(tmpdir(), "mf-webviews-"));
  await build(views, dir);
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const name = url.pathname.slice(1);
    try {
      if (name === "favicon.ico") {
        res.writeHead(204).end();
      } else if (name === "theme.css") {
        res.writeHead(200, { "content-type": "text/css" }).end(THEME_CSS);
      } else if (name.startsWith("codicons/")) {
        const file = join(root, "node_modules/@vscode/codicons/dist", name.slice("codicons/".length));
        const body = readFileSync(file);
        res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "text/plain" }).end(body);
      } else if (name.startsWith("page/")) {
        const view = name.slice("page/".length) as ViewId;
        const nonce = url.searchParams.get("nonce") ?? "";
        const origin = `http://${req.headers.host}`;
        let html = viewHtml({
          view,
          cspSource: origin,
          nonce,
          scriptUri: `${origin}/${view}.js`,
          styleUri: `${origin}/${view}.css`,
          codiconsUri: `${origin}/codicons/codicon.css`,
          title: view,
        });
        // The stub and the theme stand in for what VS Code injects itself.
        html = html.replace(
          "</head>",
          `<link rel="stylesheet" href="${origin}/theme.css"><script nonce="${nonce}">${STUB}</script></head>`,
        );
        res.writeHead(200, { "content-type": "text/html" }).end(html);
      } else {
        const file = join(dir, name);
        const body = readFileSync(file);
        res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" }).end(body);
      }
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const browser: Browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  mkdirSync(artifactsDir, { recursive: true });
  const pages: Page[] = [];
  return {
    async open(view, initialState) {
      const page = await browser.newPage({ viewport: { width: 900, height: 640 } });
      pages.push(page);
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(`pageerror: ${e.message} ${e.stack ?? ""}`));
      page.on("response", (r) => {
        if (r.status() >= 400) errors.push(`http ${r.status()}: ${r.url()}`);
      });
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(`console: ${m.text()}`);
      });
      await page.exposeFunction("__host", (m: { type: string }) => answerAsHost(view, m));
      await page.addInitScript((s) => {
        (window as unknown as { __initialState: unknown }).__initialState = s;
      }, initialState);
      const nonce = Buffer.from(`${Math.random()}`).toString("base64");
      await page.goto(`http://127.0.0.1:${port}/page/${view}?nonce=${encodeURIComponent(nonce)}`);
      const posted = () =>
        page.evaluate(() => (window as unknown as { __posted: { type: string }[] }).__posted);
      await page.waitForFunction(() =>
        (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === "ready"),
      );
      return {
        page,
        errors,
        send: async (message) => {
          await page.evaluate((m) => window.postMessage(m, "*"), message);
          // Let the view handle it before the test looks.
          await page.evaluate(() => new Promise((r) => setTimeout(r, 0)));
        },
        posted: posted as OpenView["posted"],
        async waitForPosted(type, skip = 0) {
          const handle = await page.waitForFunction(
            ([t, n]) => {
              const all = (window as unknown as { __posted: { type: string }[] }).__posted.filter(
                (m) => m.type === t,
              );
              return all.length > n ? all[n] : undefined;
            },
            [type, skip] as const,
          );
          return (await handle.jsonValue()) as { type: string };
        },
        state: () => page.evaluate(() => (window as unknown as { __state: unknown }).__state),
        screenshot: async (name) => {
          await page.screenshot({ path: join(artifactsDir, `${name}.png`), fullPage: false });
        },
      };
    },
    async close() {
      for (const p of pages) await p.close();
      await browser.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
