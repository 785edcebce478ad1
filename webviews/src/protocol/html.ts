/**
 * The page every view is loaded into, shared by the extension host and the browser tests so both run
 * the same Content-Security-Policy. Pure string building (no DOM, no vscode).
 *
 * CSP: `default-src 'none'`; scripts only with the per-load nonce; styles, fonts and images only from
 * the extension's resource root (`webview.cspSource`). The views set no inline styles; web components
 * style themselves with constructed stylesheets (adoptedStyleSheets), which the CSP does not govern.
 * Monaco (testBench) needs inline `<style>` elements and style attributes, so that view alone adds
 * `'unsafe-inline'` to style-src (scripts stay nonce-only); see `MONACO_VIEWS`.
 */
import type { ViewId } from "./common.js";

/** Views that embed monaco-editor and therefore need inline styles. */
export const MONACO_VIEWS: readonly ViewId[] = ["testBench"];

export interface ViewPage {
  view: ViewId;
  /** `webview.cspSource`. */
  cspSource: string;
  /** A fresh random nonce per load (e.g. crypto.randomBytes(16).toString("base64")). */
  nonce: string;
  /** asWebviewUri of dist/webviews/<view>.js and .css. */
  scriptUri: string;
  styleUri: string;
  /** asWebviewUri of node_modules/@vscode/codicons/dist/codicon.css (used by <vscode-icon>). */
  codiconsUri?: string;
  title: string;
}

export function contentSecurityPolicy(view: ViewId, cspSource: string, nonce: string): string {
  const inline = MONACO_VIEWS.includes(view) ? " 'unsafe-inline'" : "";
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}${inline}`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
  ].join("; ");
}

function attr(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
}

export function viewHtml(page: ViewPage): string {
  const csp = contentSecurityPolicy(page.view, page.cspSource, page.nonce);
  const codicons = page.codiconsUri
    ? `<link rel="stylesheet" id="vscode-codicon-stylesheet" href="${attr(page.codiconsUri)}">`
    : "";
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(page.styleUri)}">
${codicons}
<title>${attr(page.title)}</title>
</head>
<body data-view="${attr(page.view)}">
<script nonce="${attr(page.nonce)}" src="${attr(page.scriptUri)}"></script>
</body>
</html>
`;
}
