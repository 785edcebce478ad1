/**
 * How a connection reads in the Engine Connections view: a failing outbound shows its error class inline
 * (`error ECONNREFUSED — queue 1`, `running · negative ACK AE — queue 3`), a connection removed by a
 * promote that still has rows queued says so. The error text (which can quote a message) only comes
 * from the engine to roles holding messages:raw, and then only goes into the tooltip. Pure: no vscode.
 */
import type { ConnectionStatus } from "messagefoundry/api";

function counts(c: ConnectionStatus): string {
  const parts = Object.entries(c.counts)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${k} ${v}`);
  parts.push(`queue ${c.queueDepth}`);
  return parts.join(" · ");
}

/** The state word, with the failure's class when there is one. */
export function stateLabel(c: ConnectionStatus): string {
  if (c.state === "removed") return "removed from the config";
  if (!c.errorClass) return c.state;
  return c.state === "error" ? `error ${c.errorClass}` : `${c.state} · failing: ${c.errorClass}`;
}

export function connectionDescription(c: ConnectionStatus): string {
  return `${stateLabel(c)} — ${counts(c)}`;
}

export function connectionTooltip(c: ConnectionStatus): string | undefined {
  const lines: string[] = [];
  if (c.state === "removed")
    lines.push(
      `${c.queueDepth} row(s) are still queued for ${c.name}, which the running config no longer has. ` +
        "Bring the connection back with a promote to deliver them, or find them with Find Messages.",
    );
  if (c.errorClass) lines.push(`Last error: ${c.errorClass}`);
  if (c.error) lines.push(c.error);
  else if (c.errorClass) lines.push("(The error text needs the messages:raw permission.)");
  if (c.lastActivity) lines.push(`Last activity ${c.lastActivity}`);
  return lines.length > 0 ? lines.join("\n") : undefined;
}

/** Which icon: failing connections get the error icon, removed ones a warning. */
export function connectionIcon(c: ConnectionStatus): "error" | "warning" | "arrow-right" | "arrow-left" {
  if (c.state === "removed") return "warning";
  if (c.errorClass || c.state === "error") return "error";
  return c.direction === "outbound" ? "arrow-right" : "arrow-left";
}
