/**
 * The self-contained HTML report of a load run: the verdict, the reconciliation, a table per phase
 * and the charts (throughput, ACK and end-to-end percentiles over time, engine backlog, errors) drawn
 * by uPlot, whose script and stylesheet are inlined so the file opens offline, anywhere. The data
 * goes in as JSON (with `<` escaped), never as markup.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { chartColumns, LOAD_CHARTS } from "./charts.js";
import type { FailoverResult, LoadResult, Percentiles } from "./types.js";

function uplotAssets(): { js: string; css: string } {
  const require = createRequire(import.meta.url);
  return {
    // A literal "</script" inside the library would end the element early.
    js: readFileSync(require.resolve("uplot/dist/uPlot.iife.min.js"), "utf8").replace(
      /<\/script/gi,
      "<\\/script",
    ),
    css: readFileSync(require.resolve("uplot/dist/uPlot.min.css"), "utf8"),
  };
}

const escapeHtml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** JSON safe inside a <script> element. */
const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, "\\u003c");

const ms = (v: number | null) => (v === null ? "—" : v.toFixed(2));

function pctCells(p: Percentiles): string {
  return [p.p50, p.p90, p.p99, p.p999, p.max].map((v) => `<td>${ms(v)}</td>`).join("");
}

/** Draws every chart from the embedded data (runs in the report's page). */
const DRAW = `
const data = JSON.parse(document.getElementById("load-data").textContent);
const root = document.getElementById("charts");
for (const c of data.charts) {
  const box = document.createElement("section");
  box.className = "chart";
  const h = document.createElement("h3");
  h.textContent = c.title + " (" + c.unit + ")";
  box.append(h);
  root.append(box);
  const series = [{ label: "s" }].concat(c.series.map((s) => ({ label: s.label, stroke: s.color, width: 2, spanGaps: false })));
  new uPlot({ width: 900, height: 240, scales: { x: { time: false } }, axes: [{ label: "seconds" }, { label: c.unit }], series }, c.columns, box);
}
`;

/** A failover run's rows of the reconciliation table. */
function failoverRows(f: FailoverResult | undefined): [string, unknown][] {
  if (!f) return [];
  const how = f.trigger === "command" ? "--failover-command" : "POST /cluster/stepdown";
  return [
    [
      "failover",
      f.atSeconds === null
        ? `not triggered (${how})`
        : `${how} at ${f.atSeconds} s${f.triggerError ? ` — failed: ${f.triggerError}` : ""}`,
    ],
    ["outage (longest gap between AAs)", f.outageSeconds === null ? "no AA" : `${f.outageSeconds} s`],
    ["resent after a dropped connection", f.resent],
    ["duplicates at the sink", f.duplicatesAtSink ?? "— (no --sink-port)"],
  ];
}

export function renderReport(r: LoadResult): string {
  const { js, css } = uplotAssets();
  const charts = LOAD_CHARTS.map((spec) => ({ ...spec, columns: chartColumns(r.samples, spec) }));
  const rec = r.reconciliation;
  const checks = r.verdict.checks
    .map(
      (c) =>
        `<tr class="${c.pass ? "pass" : "fail"}"><td>${c.pass ? "✔" : "✘"}</td><td>${escapeHtml(c.gate)}</td><td>${escapeHtml(c.detail)}</td></tr>`,
    )
    .join("");
  const regressions = r.verdict.regressions
    .map(
      (g) =>
        `<tr class="fail"><td>${escapeHtml(g.measure)}</td><td>${g.baseline}</td><td>${g.current}</td><td>${g.worsePercent} % worse</td></tr>`,
    )
    .join("");
  const phases = r.phases
    .map(
      (p) =>
        `<tr><td>${p.kind}</td><td>${p.loop}</td><td>${p.seconds}</td><td>${p.sent}</td><td>${p.acked}</td><td>${p.errors}</td><td>${p.ackRate}</td>${pctCells(p.ack)}${pctCells(p.e2e)}</tr>`,
    )
    .join("");
  const recRows: [string, unknown][] = [
    ["sent", rec.sent],
    ["ACKed AA", rec.ackedAA],
    ["NAKed", rec.nakked],
    ["timed out / connection lost", rec.timedOut],
    ["received by the engine", rec.engineReceived ?? "— (no --api)"],
    ["delivered by the engine", rec.engineDelivered ?? "— (no --api)"],
    ["errored in the engine", rec.engineErrored ?? "— (no --api)"],
    ["received by the sink", rec.sinkReceived ?? "— (no --sink-port)"],
    ["deliveries owed (fan-out)", rec.expectedDeliveries],
    ["drain", rec.drainSeconds === null ? "did not drain" : `${rec.drainSeconds} s`],
    ...failoverRows(r.failover),
    [
      "zero loss",
      rec.lossFree === null
        ? "not checked"
        : rec.lossFree
          ? "yes"
          : `NO${rec.missing.length ? ` (missing ${rec.missing.join(", ")})` : ""}`,
    ],
  ];
  const title = `Load test ${r.profile.name} → ${r.target}: ${r.verdict.pass ? "PASS" : "FAIL"}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(title)}</title>
<style>${css}
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
h1 .pass, .pass td:first-child { color: #2e7d32; } h1 .fail, .fail td:first-child { color: #c62828; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; } td, th { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
td:nth-child(-n+2), th { text-align: left; } .chart { margin-bottom: 1.5em; } .note { color: #555; }
</style>
</head>
<body>
<h1>${escapeHtml(`Load test ${r.profile.name} → ${r.target}`)}: <span class="${r.verdict.pass ? "pass" : "fail"}">${r.verdict.pass ? "PASS" : "FAIL"}</span></h1>
<p class="note">Started ${escapeHtml(r.startedAt)}. ${escapeHtml(r.profile.description)} Synthetic messages only. Load generator CPU: ${r.generatorCpuUsPerMsg} µs per message sent.</p>
<h2>SLO gates</h2>
<table>${checks}</table>
${regressions ? `<h2>Regressions against the baseline</h2><table><tr><th>measure</th><th>baseline</th><th>now</th><th></th></tr>${regressions}</table>` : ""}
<h2>Reconciliation</h2>
<table>${recRows.map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(String(v))}</td></tr>`).join("")}</table>
<h2>Phases</h2>
<table><tr><th>phase</th><th>loop</th><th>s</th><th>sent</th><th>ACKed</th><th>errors</th><th>ACKed/s</th>
<th>ACK p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th><th>e2e p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th></tr>${phases}</table>
<p class="note">Latencies in ms; warm-up is left out of the gates.</p>
<h2>Over time</h2>
<div id="charts"></div>
<script id="load-data" type="application/json">${scriptJson({ charts })}</script>
<script>${js}</script>
<script>${DRAW}</script>
</body>
</html>
`;
}
