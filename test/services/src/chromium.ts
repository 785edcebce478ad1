/**
 * A Chromium for the webview and end-to-end tests. In order: `CHROME_PATH`; a Chromium or Chrome on PATH;
 * Playwright's own browser (downloaded where the machine reaches Playwright's CDN); Debian's `chromium`
 * package when root on Debian/Ubuntu. playwright-core drives whichever is found.
 */
import { execFile } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { createRequire } from "node:module";
import { delimiter, dirname, join } from "node:path";
import { promisify } from "node:util";
import { chromium } from "playwright-core";
import { aptInstall, aptUnavailable } from "./debian.js";
import type { Service } from "./service.js";

const run = promisify(execFile);
const NAMES = ["chromium", "chromium-browser", "google-chrome-stable", "google-chrome"];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    for (const name of NAMES) {
      const candidate = join(dir, name);
      if (dir !== "" && executable(candidate)) return candidate;
    }
  }
  return undefined;
}

/** Playwright's downloaded browser, if one is in its cache. */
function playwrightBrowser(): string | undefined {
  const path = chromium.executablePath();
  return path !== "" && executable(path) ? path : undefined;
}

async function playwrightDownload(): Promise<string | undefined> {
  const cli = join(dirname(createRequire(import.meta.url).resolve("playwright-core/package.json")), "cli.js");
  try {
    await run(process.execPath, [cli, "install", "chromium"], { timeout: 300_000, maxBuffer: 16 << 20 });
  } catch {
    return undefined;
  }
  return playwrightBrowser();
}

export const chromiumService: Service = {
  name: "Chromium",
  env: "CHROME_PATH",
  async find() {
    const found = onPath() ?? playwrightBrowser();
    return found === undefined ? undefined : { value: found, said: `using ${found}` };
  },
  async provide() {
    const downloaded = await playwrightDownload();
    if (downloaded !== undefined)
      return { value: downloaded, said: `downloaded Playwright's Chromium to ${downloaded}` };
    const why = aptUnavailable();
    if (why !== undefined)
      throw new Error(
        `no Chromium found (CHROME_PATH, PATH), Playwright's download failed, and apt-get cannot be used (${why}). ` +
          "Install Chromium or Chrome and set CHROME_PATH to it.",
      );
    await aptInstall(["chromium"]);
    const installed = onPath();
    if (installed === undefined) throw new Error("apt-get installed chromium, but no chromium is on PATH");
    return {
      value: installed,
      said: `installed Debian's chromium with apt-get (${installed}); it stays installed`,
    };
  },
};
