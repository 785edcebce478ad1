/**
 * The tee compare report as one self-contained HTML file (inline CSS, no script, no network): the
 * summary, the most frequent differing paths, then every pair that is not identical with its diff
 * (legacy → shadow), identical pairs listed collapsed. Every value is HTML-escaped.
 */
import type { SegmentDiff } from "../hl7/index.js";
import type { TeeComparePair, TeeCompareReport } from "./report-types.js";

const CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1f2328;background:#fff}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}
.banner{background:#fff8c5;border:1px solid #d4a72c;padding:6px 10px;border-radius:4px}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{border:1px solid #d0d7de;border-radius:6px;padding:8px 14px}
.card b{display:block;font-size:20px}.identical b{color:#1a7f37}.differing b{color:#bc4c00}.missing b{color:#cf222e}
table{border-collapse:collapse;margin:6px 0}td,th{border:1px solid #d0d7de;padding:3px 8px;text-align:left;vertical-align:top}
code,pre,.v{font-family:ui-monospace,monospace;font-size:12px;white-space:pre-wrap;word-break:break-all}
.before{background:#ffebe9}.after{background:#dafbe1}details{margin:6px 0}summary{cursor:pointer}
.status-differing{color:#bc4c00}.status-missing-legacy,.status-missing-shadow{color:#cf222e}.status-identical{color:#1a7f37}
`;

export function esc(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string,
  );
}

/** HL7 segments one per line for display. */
function lines(message: string): string {
  return message.replace(/\r\n?/g, "\n");
}

function segmentRows(seg: SegmentDiff): string {
  if (seg.status === "added" || seg.status === "removed") {
    const cls = seg.status === "added" ? "after" : "before";
    return `<tr><td>${esc(seg.name)}</td><td colspan="3" class="v ${cls}">${seg.status}: ${esc(seg.before ?? seg.after ?? "")}</td></tr>`;
  }
  return seg.changes
    .map(
      (c) =>
        `<tr><td><code>${esc(c.path)}</code>${c.components?.length ? `<br><small>${esc(c.components.join(", "))}</small>` : ""}</td>` +
        `<td>${c.status}</td><td class="v before">${esc(c.before ?? "")}</td><td class="v after">${esc(c.after ?? "")}</td></tr>`,
    )
    .join("");
}

function pairSection(p: TeeComparePair): string {
  const head = `<summary><span class="status-${p.status}">${p.status}</span> <code>${esc(p.key)}</code>${p.messageType ? ` ${esc(p.messageType)}` : ""}</summary>`;
  let body = "";
  if (p.diff) {
    body += `<table><tr><th>path</th><th>change</th><th>legacy</th><th>shadow</th></tr>${p.diff.segments
      .filter((s) => s.status !== "same")
      .map(segmentRows)
      .join("")}</table>`;
  }
  if (p.legacy !== undefined) body += `<div>legacy</div><pre>${esc(lines(p.legacy))}</pre>`;
  if (p.shadow !== undefined) body += `<div>shadow</div><pre>${esc(lines(p.shadow))}</pre>`;
  return `<details class="pair"${p.status === "identical" ? "" : " open"}>${head}${body}</details>`;
}

export function renderCompareHtml(r: TeeCompareReport): string {
  const s = r.summary;
  const card = (cls: string, label: string, n: number) =>
    `<div class="card ${cls}"><b>${n}</b>${label}</div>`;
  const notIdentical = r.pairs.filter((p) => p.status !== "identical");
  const identical = r.pairs.filter((p) => p.status === "identical");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Tee compare: ${esc(r.legacySource)} vs ${esc(r.shadowSource)}</title><style>${CSS}</style></head>
<body>
<h1>Tee compare report</h1>
<p class="banner">Test/synthetic data only: this report contains message content.</p>
<p>Legacy: <code>${esc(r.legacySource)}</code><br>Shadow: <code>${esc(r.shadowSource)}</code><br>
Paired by <code>${esc(r.pairBy)}</code>; ignored: ${r.ignore.map((i) => `<code>${esc(i)}</code>`).join(", ") || "nothing"}</p>
<div class="cards">${card("", "pairs", s.pairs)}${card("identical", "identical", s.identical)}${card("differing", "differing", s.differing)}${card("missing", "missing in shadow", s.missingShadow)}${card("missing", "missing in legacy", s.missingLegacy)}</div>
${s.topPaths.length ? `<h2>Differing paths</h2><table><tr><th>path</th><th>pairs</th></tr>${s.topPaths.map((t) => `<tr><td><code>${esc(t.path)}</code></td><td>${t.count}</td></tr>`).join("")}</table>` : ""}
${r.problems.length ? `<h2>Problems</h2><ul>${r.problems.map((p) => `<li>${esc(p)}</li>`).join("")}</ul>` : ""}
<h2>Differences (${notIdentical.length})</h2>
${notIdentical.map(pairSection).join("\n") || "<p>None.</p>"}
<h2>Identical (${identical.length})</h2>
${identical.map(pairSection).join("\n")}
</body></html>
`;
}
