/**
 * The end-to-end harness: builds and packages the extension, runs a real VS Code (code-server 4.100.3,
 * installed by install-code-server.sh) with the .vsix installed into a throw-away profile, and drives
 * its workbench in headless Chromium through playwright-core. Scenarios use the `Workbench` helpers and
 * never reach for raw selectors, so a VS Code DOM change is fixed in one place.
 *
 * Everything a run writes lives in one temp dir (HOME and XDG_* included) except screenshots and, on
 * failure, the VS Code logs, which go to test-artifacts/e2e/.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromiumPath } from "@messagefoundry/test-services";
import { type Browser, chromium, type Frame, type Locator, type Page } from "playwright-core";
import { freePort } from "../../engine/test/support/fixtures.js";

export { freePort };

export const repo = fileURLToPath(new URL("../../", import.meta.url));
export const artifacts = join(repo, "test-artifacts/e2e");
export const codeServerBin = join(repo, ".e2e-cache/code-server/node_modules/.bin/code-server");

const started = Date.now();
/** Progress on stderr with seconds since start, so a hang shows where it stopped. */
export function log(message: string): void {
  process.stderr.write(`      [e2e +${((Date.now() - started) / 1000).toFixed(1)}s] ${message}\n`);
}

/** Runs a command to completion; on a non-zero exit throws with the command and the tail of its output. */
export async function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<string> {
  const child = spawn(cmd, args, {
    cwd: opts.cwd ?? repo,
    env: opts.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
    timeout: opts.timeoutMs ?? 300_000,
  });
  let output = "";
  child.stdout.on("data", (c: Buffer) => {
    output += c.toString();
  });
  child.stderr.on("data", (c: Buffer) => {
    output += c.toString();
  });
  const [code, signal] = (await once(child, "exit")) as [number | null, NodeJS.Signals | null];
  if (code !== 0) {
    throw new Error(
      `\`${cmd} ${args.join(" ")}\` failed (${signal ?? `exit ${code}`}):\n${output.slice(-4000)}`,
    );
  }
  return output;
}

export async function waitForHttp(
  url: string,
  timeoutMs: number,
  what: string,
  alive: () => boolean = () => true,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (!alive()) throw new Error(`${what} stopped before answering ${url}`);
    if (Date.now() > deadline) throw new Error(`${what} did not answer ${url} within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Empties test-artifacts/e2e/: screenshots and logs from an earlier run would be mistaken for this one's. */
export function resetArtifacts(): void {
  rmSync(artifacts, { recursive: true, force: true });
  mkdirSync(artifacts, { recursive: true });
}

/** The one .vsix of this run: scenario files share it (building and packaging cost a minute or more). */
let packaged: Promise<string> | undefined;

/**
 * Builds the engine CLI (engine/dist) and the extension bundles, and packages the .vsix the way users get
 * it (`npm run package`, i.e. vsce --no-dependencies) — once per run: later scenario files get the same
 * file, kept in a directory of its own (removed when the run ends) so a suite removing its root never
 * takes it away from the next.
 */
export function buildAndPackage(): Promise<string> {
  packaged ??= packageOnce();
  return packaged;
}

async function packageOnce(): Promise<string> {
  if (!existsSync(codeServerBin)) {
    throw new Error(`code-server is not installed: run \`bash test/e2e/install-code-server.sh\` first`);
  }
  const outDir = mkdtempSync(join(tmpdir(), "mf-e2e-vsix-"));
  process.once("exit", () => rmSync(outDir, { recursive: true, force: true }));
  log("building the engine (npm run build -w messagefoundry)");
  await run("npm", ["run", "build", "-w", "messagefoundry"]);
  const vsix = join(outDir, "messagefoundry.vsix");
  const scripts = (
    JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { scripts?: Record<string, string> }
  ).scripts;
  if (scripts?.package) {
    log("packaging the extension (npm run package)");
    // vsce keeps the last --out, so the run gets its own file.
    await run("npm", ["run", "package", "--", "--out", vsix]);
  } else {
    log("packaging the extension (scripts/build.mjs + vsce package)");
    await run("node", ["scripts/build.mjs"]);
    await run("npx", ["vsce", "package", "--no-dependencies", "-o", vsix]);
  }
  return vsix;
}

/** The user settings every scenario's VS Code starts with: no tips, telemetry, updates or autosave. */
export const QUIET_SETTINGS: Readonly<Record<string, unknown>> = {
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.enableExperiments": false,
  "telemetry.telemetryLevel": "off",
  "extensions.ignoreRecommendations": true,
  "extensions.autoCheckUpdates": false,
  "update.mode": "none",
  "files.autoSave": "off",
};

/** What a scenario file's suite works with, filled in by `useWorkbench`'s `before` hook. */
export interface WorkbenchSuite {
  root: string;
  configDir: string;
  messagesDir: string;
  workspace: string;
  server: CodeServer | undefined;
  wb: Workbench;
}

/**
 * Registers a scenario file's hooks in the current `describe`: before — the run's .vsix, a sample
 * workspace of its own (`mf-e2e-<name>-…`, then `prepare`), code-server with QUIET_SETTINGS (plus `settings`), the
 * workbench open; after a failed test — a screenshot `FAILED-<name>-<test>` and VS Code's logs; after
 * all — everything stopped and removed. Returns the suite's state, filled in once `before` has run.
 */
export function useWorkbench(
  name: string,
  opts: {
    settings?: Record<string, unknown>;
    /** Runs once the sample workspace is written, before VS Code opens it (extra files, say). */
    prepare?: (workspace: string) => void;
  } = {},
): WorkbenchSuite {
  const suite = { server: undefined } as WorkbenchSuite;
  before(async function () {
    this.timeout(420_000);
    suite.root = mkdtempSync(join(tmpdir(), `mf-e2e-${name}-`));
    const vsix = await buildAndPackage();
    const ws = await makeWorkspace(suite.root);
    Object.assign(suite, ws);
    opts.prepare?.(ws.workspace);
    suite.server = await startCodeServer({
      root: suite.root,
      vsix,
      workspace: ws.workspace,
      settings: { ...QUIET_SETTINGS, ...opts.settings },
    });
    suite.wb = await Workbench.open(suite.server.url, ws.workspace);
    log(`${name}: workbench ready`);
  });
  afterEach(async function () {
    const test = this.currentTest;
    if (test?.state !== "failed" || !suite.wb) return;
    const shot = `${name}-${test.title.replace(/[^a-z0-9]+/gi, "-").slice(0, 50)}`;
    await suite.wb.screenshot(`FAILED-${shot}`).catch(() => undefined);
    log(`failed in "${test.title}"; quick input: ${await suite.wb.quickInputText()}`);
    keepLogs(suite.server, shot);
  });
  after(async function () {
    this.timeout(60_000);
    await suite.wb?.close().catch(() => undefined);
    await suite.server?.stop();
    if (suite.root) rmSync(suite.root, { recursive: true, force: true });
  });
  return suite;
}

/**
 * A config repository the way users have one: the config dir, sample messages, and `messagefoundry`
 * installed in node_modules (a link to this repo's engine), so the CLI and the typings resolve with no
 * settings, as they do after `npm install messagefoundry`. The samples' fixed listener ports are moved to
 * free ones in the copy, so the engine this test starts never collides with anything else on the machine.
 */
export async function makeWorkspace(
  root: string,
): Promise<{ workspace: string; configDir: string; messagesDir: string; ports: Map<number, number> }> {
  const workspace = join(root, "workspace");
  const configDir = join(workspace, "config");
  const messagesDir = join(workspace, "messages");
  cpSync(join(repo, "samples/config"), configDir, { recursive: true });
  cpSync(join(repo, "samples/messages"), messagesDir, { recursive: true });
  mkdirSync(join(workspace, "node_modules"), { recursive: true });
  symlinkSync(join(repo, "engine"), join(workspace, "node_modules/messagefoundry"), "dir");
  writeFileSync(
    join(workspace, "package.json"),
    `${JSON.stringify({ name: "e2e-config", private: true, type: "module" }, null, 2)}\n`,
  );
  const ports = await movePorts(configDir);
  log(`sample ports moved: ${[...ports].map(([a, b]) => `${a}→${b}`).join(", ")}`);
  return { workspace, configDir, messagesDir, ports };
}

/** Rewrites every literal `port: N` / `port = N` / `x_port = N` in the config's .ts and .toml files. */
async function movePorts(configDir: string): Promise<Map<number, number>> {
  const files = (readdirSync(configDir, { recursive: true }) as string[])
    .filter((f) => /\.(ts|toml)$/.test(f))
    .map((f) => join(configDir, f));
  const pattern = /(port\s*[:=]\s*)(\d{2,5})\b/g;
  const ports = new Map<number, number>();
  for (const file of files) {
    for (const m of readFileSync(file, "utf8").matchAll(pattern)) {
      const port = Number(m[2]);
      if (!ports.has(port)) ports.set(port, await freePort());
    }
  }
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    const moved = text.replace(pattern, (_, key: string, port: string) => `${key}${ports.get(Number(port))}`);
    if (moved !== text) writeFileSync(file, moved);
  }
  return ports;
}

export interface CodeServer {
  url: string;
  userData: string;
  logFile: string;
  stop(): Promise<void>;
}

/** Installs the .vsix into a fresh extensions dir and serves `workspace` with an isolated profile. */
export async function startCodeServer(opts: {
  root: string;
  vsix: string;
  workspace: string;
  settings: Record<string, unknown>;
}): Promise<CodeServer> {
  const home = join(opts.root, "home");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_DATA_HOME: join(home, ".local/share"),
    XDG_CACHE_HOME: join(home, ".cache"),
    XDG_STATE_HOME: join(home, ".local/state"),
  };
  const userData = join(opts.root, "user-data");
  const extensions = join(opts.root, "extensions");
  mkdirSync(join(userData, "User"), { recursive: true });
  writeFileSync(join(userData, "User/settings.json"), JSON.stringify(opts.settings, null, 2));
  log("installing the .vsix into code-server");
  await run(codeServerBin, ["--extensions-dir", extensions, "--install-extension", opts.vsix], { env });

  const configFile = join(opts.root, "code-server.yaml");
  writeFileSync(configFile, "");
  const port = await freePort();
  const logFile = join(opts.root, "code-server.log");
  const out = openSync(logFile, "a");
  const child: ChildProcess = spawn(
    codeServerBin,
    [
      "--auth",
      "none",
      "--bind-addr",
      `127.0.0.1:${port}`,
      "--config",
      configFile,
      "--user-data-dir",
      userData,
      "--extensions-dir",
      extensions,
      "--disable-telemetry",
      "--disable-update-check",
      "--disable-workspace-trust",
      opts.workspace,
    ],
    { env, stdio: ["ignore", out, out] },
  );
  const exited = once(child, "exit");
  const url = `http://127.0.0.1:${port}`;
  log(`starting code-server on ${url}`);
  await Promise.race([
    waitForHttp(`${url}/healthz`, 90_000, "code-server", () => child.exitCode === null),
    exited.then(([code]) => {
      throw new Error(
        `code-server exited (${code}) before serving:\n${readFileSync(logFile, "utf8").slice(-3000)}`,
      );
    }),
  ]);
  return {
    url,
    userData,
    logFile,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

const QUICK_INPUT = ".quick-input-widget";
/** The quick input's text box (its checkboxes are inputs too). */
const QUICK_INPUT_BOX = `${QUICK_INPUT} .quick-input-box input`;

/**
 * What the open quick input shows, as a user reads it: title, prompt or validation message,
 * placeholder, value and row labels (never the widget's own <style> text). Runs in the page.
 */
function readQuickInput(): string {
  // No named inner functions: tsx's keepNames would wrap them in a helper the page does not have.
  const w = document.querySelector<HTMLElement>(".quick-input-widget");
  if (!w || w.style.display === "none") return "(no quick input open)";
  const input = w.querySelector<HTMLInputElement>(".quick-input-box input");
  const parts = [
    ["title", ".quick-input-title"],
    ["message", ".quick-input-message"],
    ["rows", ".quick-input-list .monaco-list-row .label-name"],
  ].map(
    ([label, sel]) =>
      `${label}: ${Array.from(w.querySelectorAll(sel ?? ""))
        .map((e) => (e.textContent ?? "").trim())
        .filter(Boolean)
        .join(" | ")}`,
  );
  parts.push(`placeholder: ${input?.getAttribute("placeholder") ?? ""}`, `value: ${input?.value ?? ""}`);
  return parts.join("; ");
}

/** An element's text ("" when it has none). */
export async function textOf(locator: Locator): Promise<string> {
  return (await locator.textContent()) ?? "";
}

/** The VS Code workbench in a browser page, with the gestures the scenarios need. */
export class Workbench {
  private constructor(
    readonly browser: Browser,
    readonly page: Page,
  ) {}

  static async open(url: string, folder: string): Promise<Workbench> {
    log("launching Chromium and loading the workbench");
    const browser = await chromium.launch({
      executablePath: chromiumPath(),
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      await page.goto(`${url}/?folder=${encodeURIComponent(folder)}`);
      await page.locator(".monaco-workbench .part.statusbar").waitFor({ timeout: 120_000 });
      // The explorer shows the folder once the remote file system answers: the workbench is usable.
      await page.locator(".explorer-folders-view .monaco-list-row").first().waitFor({ timeout: 120_000 });
      return new Workbench(browser, page);
    } catch (err) {
      mkdirSync(artifacts, { recursive: true });
      await browser
        .contexts()[0]
        ?.pages()[0]
        ?.screenshot({ path: join(artifacts, "FAILED-workbench-load.png") })
        .catch(() => undefined);
      await browser.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.browser.close();
  }

  async screenshot(name: string): Promise<string> {
    mkdirSync(artifacts, { recursive: true });
    const path = join(artifacts, `${name}.png`);
    await this.page.screenshot({ path });
    log(`screenshot ${path}`);
    return path;
  }

  /** Closes whatever quick input, menu or hover is open, so the next gesture starts from the editor. */
  async dismiss(): Promise<void> {
    for (let i = 0; i < 2; i++) {
      if (!(await this.page.locator(QUICK_INPUT).isVisible())) return;
      await this.page.keyboard.press("Escape");
    }
  }

  /** Runs a command by its palette title (F1), e.g. "MessageFoundry: Open Test Bench". */
  async runCommand(title: string): Promise<void> {
    log(`command: ${title}`);
    await this.openAndType("F1", `>${title}`);
    const row = this.page.locator(`${QUICK_INPUT} .monaco-list-row`, { hasText: title }).first();
    await row.waitFor({ timeout: 30_000 }).catch(() => {
      throw new Error(`the command palette has no "${title}" (is the extension activated?)`);
    });
    await row.click();
  }

  /** Opens a workspace file by name through Quick Open (Ctrl+P) and waits for its tab. */
  async quickOpen(fileName: string): Promise<void> {
    log(`quick open: ${fileName}`);
    await this.openAndType("Control+P", fileName);
    const row = this.page.locator(`${QUICK_INPUT} .monaco-list-row`, { hasText: fileName }).first();
    await row.waitFor({ timeout: 30_000 });
    await row.click();
    await this.tab(fileName).waitFor({ timeout: 30_000 });
  }

  /**
   * Opens a quick input with `key` and types `text` into it. A quick input closes when something else
   * takes focus (a webview refocusing after a dialog), so it is opened again when it closed first.
   */
  private async openAndType(key: string, text: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      await this.openQuickInput(key);
      try {
        await this.inputBox.fill(text, { timeout: 5_000 });
        return;
      } catch (err) {
        if (attempt === 3)
          throw new Error(`the quick input (${key}) kept closing: ${(err as Error).message}`);
        log(`the quick input (${key}) closed before it was typed in; opening it again`);
      }
    }
  }

  /**
   * Presses the key that opens a quick input (F1, Ctrl+P, Ctrl+G) until it shows: a key pressed while a
   * previous quick input is still closing is swallowed by it.
   */
  private async openQuickInput(key: string): Promise<void> {
    await this.dismiss();
    const input = this.inputBox;
    for (let attempt = 1; ; attempt++) {
      await this.page.keyboard.press(key);
      try {
        await input.waitFor({ state: "visible", timeout: 5_000 });
        return;
      } catch (err) {
        if (attempt === 3) throw new Error(`${key} opened no quick input: ${(err as Error).message}`);
      }
    }
  }

  /** Moves the active editor's cursor to a 1-based line and column (Go to Line/Column). */
  async goTo(line: number, column: number): Promise<void> {
    log(`go to ${line}:${column}`);
    await this.openQuickInput("Control+G");
    await this.waitForQuickInput(/value: :/);
    await this.inputBox.fill(`:${line}:${column}`);
    // Enter before the quick input has parsed the value would go nowhere.
    await this.waitForQuickInput(new RegExp(`Go to line ${line} and character ${column}\\b`));
    await this.page.keyboard.press("Enter");
    await this.page
      .locator(".statusbar-item", { hasText: `Ln ${line}, Col ${column}` })
      .first()
      .waitFor();
  }

  /** The open quick input's text box. */
  get inputBox(): Locator {
    return this.page.locator(QUICK_INPUT_BOX);
  }

  tab(label: string) {
    return this.page.locator(".tabs-container .tab", { hasText: label }).first();
  }

  /**
   * Answers the open quick input (an input box or a pick): waits until its prompt, placeholder or title
   * matches `expect`, types `value` when given (replacing the default), then accepts with Enter.
   */
  async answer(expect: RegExp, value?: string): Promise<void> {
    log(`answer ${expect}${value === undefined ? " (default)" : ` = ${JSON.stringify(value)}`}`);
    await this.waitForQuickInput(expect);
    if (value !== undefined) await this.inputBox.fill(value);
    // Let the quick input's validation and list filter settle on the value before accepting.
    await this.page.waitForTimeout(200);
    // Pressed on the input box itself, so a toast or a list row holding focus cannot swallow it.
    await this.inputBox.press("Enter");
  }

  async waitForQuickInput(expect: RegExp, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const shown = await this.quickInputText();
      if (expect.test(shown)) return;
      if (Date.now() > deadline) throw new Error(`no quick input matching ${expect}; showing: ${shown}`);
      await this.page.waitForTimeout(150);
    }
  }

  async quickInputText(): Promise<string> {
    return this.page.evaluate(readQuickInput).catch((err: Error) => `(unreadable: ${err.message})`);
  }

  /** In the open pick, types `filter` and chooses the first row whose text matches `row`. */
  async pick(filter: string, row: RegExp): Promise<void> {
    log(`pick ${filter} → ${row}`);
    await this.inputBox.fill(filter);
    const target = this.page.locator(`${QUICK_INPUT} .monaco-list-row`, { hasText: row }).first();
    await target.waitFor();
    // Let the list settle on the filter, so the click lands on the row that stays.
    await this.page.waitForTimeout(200);
    await target.click();
  }

  /**
   * Accepts the open quick input, which now matches `current`, and waits until it moves on. A click on a
   * row's checkbox leaves focus in the list, where an Enter can be lost while the list re-renders; so
   * the input box gets focus first, and Enter is pressed again while the same step still shows 5 s later.
   */
  async accept(current: RegExp): Promise<void> {
    const input = this.inputBox;
    for (let attempt = 1; ; attempt++) {
      await input.focus();
      await input.press("Enter");
      const deadline = Date.now() + 5_000;
      let shown = await this.quickInputText();
      while (current.test(shown) && Date.now() < deadline) {
        await this.page.waitForTimeout(150);
        shown = await this.quickInputText();
      }
      if (!current.test(shown)) return;
      if (attempt === 3) throw new Error(`Enter did not accept ${current}; showing: ${shown}`);
      log(`Enter did not take on ${current}; pressing it again`);
    }
  }

  /** Ticks the row labelled `label` in an open multi-select pick. */
  async check(label: string): Promise<void> {
    log(`tick ${label}`);
    const count = this.page.locator(`${QUICK_INPUT} .quick-input-count`);
    const before = await textOf(count);
    // A click while the list is still re-rendering for the filter lands on a row that is then replaced;
    // the selected-count badge says whether the tick took.
    for (let attempt = 1; ; attempt++) {
      const row = this.page.locator(`${QUICK_INPUT} .monaco-list-row`, { hasText: label }).first();
      await row.waitFor();
      await this.page.waitForTimeout(200);
      await row.locator("input[type=checkbox], .quick-input-list-checkbox, .monaco-checkbox").first().click();
      try {
        await this.page.waitForFunction(
          ({ sel, was }) => (document.querySelector(sel)?.textContent ?? "") !== was,
          { sel: `${QUICK_INPUT} .quick-input-count`, was: before },
          { timeout: 2_000 },
        );
        return;
      } catch (err) {
        if (attempt === 3) throw new Error(`ticking ${label} did not select it: ${(err as Error).message}`);
      }
    }
  }

  /** The Problems panel's rows as text (`file`, then each marker's message and source), opening it first. */
  async problems(): Promise<string[]> {
    if (!(await this.page.locator(".markers-panel").isVisible())) {
      await this.runCommand("Problems: Focus on Problems View");
    }
    await this.page.locator(".markers-panel").waitFor();
    return this.page.locator(".markers-panel .monaco-list-row").allTextContents();
  }

  /** Waits until a Problems row matches `pattern`; returns all rows. */
  async waitForProblem(pattern: RegExp, timeoutMs = 90_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rows = await this.problems();
      if (rows.some((r) => pattern.test(r))) return rows;
      if (Date.now() > deadline) {
        throw new Error(
          `no problem matching ${pattern} within ${timeoutMs / 1000} s; Problems shows: ${JSON.stringify(rows)}`,
        );
      }
      await this.page.waitForTimeout(500);
    }
  }

  /** Hides the bottom panel (Problems, Output...) so screenshots show the editors. */
  async hidePanel(): Promise<void> {
    if (await this.page.locator(".part.panel.bottom").isVisible()) {
      await this.runCommand("View: Hide Panel");
    }
  }

  /** Waits until no Problems row matches `pattern`. */
  async waitForNoProblem(pattern: RegExp, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rows = await this.problems();
      if (!rows.some((r) => pattern.test(r))) return;
      if (Date.now() > deadline) {
        throw new Error(
          `a problem matching ${pattern} stayed for ${timeoutMs / 1000} s: ${JSON.stringify(rows)}`,
        );
      }
      await this.page.waitForTimeout(500);
    }
  }

  /** Waits for a notification toast whose text matches `pattern` and returns its text. */
  async notification(pattern: RegExp, timeoutMs = 60_000): Promise<string> {
    const messages = this.page.locator(".notifications-toasts .notification-list-item-message");
    const toast = messages.filter({ hasText: pattern }).first();
    try {
      await toast.waitFor({ timeout: timeoutMs });
    } catch {
      throw new Error(
        `no notification matching ${pattern}; showing: ${JSON.stringify(await messages.allTextContents())}`,
      );
    }
    return textOf(toast);
  }

  /**
   * The frame holding one of the extension's webviews: its document's body carries `data-view`
   * (extension/src/views/viewHost.ts). Webviews are nested iframes, so this searches every frame.
   */
  async webview(view: string, timeoutMs = 60_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const frame of this.page.frames()) {
        const count = await frame
          .locator(`body[data-view="${view}"]`)
          .count()
          .catch(() => 0);
        if (count > 0) return frame;
      }
      if (Date.now() > deadline)
        throw new Error(`the ${view} webview did not appear within ${timeoutMs / 1000} s`);
      await this.page.waitForTimeout(250);
    }
  }

  /** Opens the MessageFoundry sidebar (its view container in the activity bar). */
  async showSidebar(): Promise<void> {
    await this.runCommand("View: Show MessageFoundry");
    // With one view showing, VS Code folds its header into the container's title.
    await this.page
      .locator(".part.sidebar")
      .getByText(/Engine Connections/i)
      .first()
      .waitFor();
  }

  /** A view's header in the sidebar, by its name (e.g. "Dead Letters"). */
  viewHeader(name: string): Locator {
    return this.page.locator(".part.sidebar .pane-header:not(.hidden)", { hasText: name });
  }

  /** The badge (a count) on a view container's activity bar icon, by the container's title. */
  containerBadge(title: string): Locator {
    return this.page
      .locator(".part.activitybar .action-item", { has: this.page.locator(`[aria-label*="${title}"]`) })
      .locator(".badge .badge-content")
      .first();
  }

  /** A row of a sidebar tree view, by its label. */
  treeRow(label: string): Locator {
    return this.page.locator(".part.sidebar .monaco-list-row", { hasText: label }).first();
  }

  /** The inline actions a tree row offers (shown on hover), by their titles. */
  async rowActions(label: string): Promise<string[]> {
    const row = this.treeRow(label);
    await row.hover();
    await this.page.waitForTimeout(300);
    return row
      .locator(".actions .action-label")
      .evaluateAll((els) => els.map((e) => e.getAttribute("aria-label") ?? e.getAttribute("title") ?? ""));
  }

  /** A status bar entry by its text. */
  statusItem(text: string | RegExp): Locator {
    return this.page.locator(".statusbar-item", { hasText: text }).first();
  }

  /**
   * Opens the Test Bench, dry-runs the sample `file` on `inbound` (the bench's picker, or its quick pick
   * when several inbounds could take the message) and returns the bench's frame once the run answered;
   * a notice instead of a result fails the test with its text.
   */
  async runTestBench(file: string, inbound: string): Promise<Frame> {
    await this.runCommand("MessageFoundry: Open Test Bench");
    const bench = await this.webview("testBench");
    await bench.locator("#cases .case", { hasText: file }).first().click({ timeout: 30_000 });
    await bench
      .locator(".monaco-editor .view-lines", { hasText: "MSH" })
      .first()
      .waitFor({ timeout: 30_000 });
    const picker = bench.locator("#inbound:not(.hidden)");
    if (await picker.isVisible()) {
      // An inbound a wizard just wrote reaches the picker once the bench has re-read the graph.
      await picker
        .locator(`vscode-option[value="${inbound}"], option[value="${inbound}"]`)
        .first()
        .waitFor({ state: "attached", timeout: 60_000 });
      const picked = await picker.evaluate((el, name) => {
        const select = el as HTMLElement & { value: string };
        select.value = name;
        select.dispatchEvent(new Event("change", { bubbles: true }));
        return select.value;
      }, inbound);
      if (picked !== inbound) throw new Error(`the Test Bench's inbound picker has no ${inbound}`);
    }
    await bench.locator("#run:not([disabled])").click({ timeout: 30_000 });
    if (!(await picker.isVisible())) await this.answer(/Which inbound/, inbound);
    await bench.locator("#run-summary, .notice").first().waitFor({ timeout: 90_000 });
    const notice = bench.locator(".notice");
    if ((await notice.count()) > 0)
      throw new Error(`the Test Bench reported: ${await textOf(notice.first())}`);
    return bench;
  }

  /** The text of the active editor's visible lines. */
  async editorText(): Promise<string> {
    return textOf(this.page.locator(".editor-group-container.active .view-lines").first());
  }
}

/** Copies VS Code's logs (extension host, MessageFoundry output channels) and the engine's next to the screenshots. */
export function keepLogs(server: CodeServer | undefined, name: string, engineLog?: string): void {
  if (!server) return;
  const dest = join(artifacts, `logs-${name}`);
  try {
    cpSync(join(server.userData, "logs"), dest, { recursive: true });
    cpSync(server.logFile, join(dest, "code-server.log"));
    if (engineLog && existsSync(engineLog)) cpSync(engineLog, join(dest, "engine.log"));
    log(`VS Code logs kept in ${dest}`);
  } catch (err) {
    log(`could not keep logs: ${err instanceof Error ? err.message : String(err)}`);
  }
}
