/**
 * The Alert Wizard's pure model: answers → an `alert(...)` call written into a config module, each
 * answer checked with the graph's own alert rules (one implementation with the loader and the
 * language server). No vscode import: unit-tested in Node.
 */
import {
  type ALERT_CONDITION_KEYS,
  alertRules,
  type GraphAlert,
  parseAlertCondition,
  parseDuration,
  type RegistryGraph,
  type SettingValue,
} from "messagefoundry/graph";

export type AlertConditionKey = keyof typeof ALERT_CONDITION_KEYS;

export interface AlertAnswers {
  name: string;
  connection: string;
  condition: AlertConditionKey;
  /** As typed: a duration ("5m"), a count, a fraction, or "any" for dead letters. */
  value: string;
  /** errorRateAbove only: the window (default 5m). */
  window?: string;
  notify: string[];
  /** Default 1h. */
  renotify?: string;
}

export interface ConditionChoice {
  key: AlertConditionKey;
  label: string;
  prompt: string;
  placeholder: string;
  /** A short name suffix (AL_EHR_DOWN). */
  suffix: string;
  outboundOnly?: boolean;
}

export const CONDITION_CHOICES: readonly ConditionChoice[] = [
  {
    key: "down",
    label: "Connection down",
    prompt: "Down for how long before it fires?",
    placeholder: "5m",
    suffix: "DOWN",
  },
  {
    key: "backlogAbove",
    label: "Backlog above N rows",
    prompt: "Fire above how many queued rows?",
    placeholder: "100",
    suffix: "BACKLOG",
  },
  {
    key: "backlogOlderThan",
    label: "Oldest queued row older than T",
    prompt: "Fire when the head of the lane has waited how long?",
    placeholder: "10m",
    suffix: "STUCK",
    outboundOnly: true,
  },
  {
    key: "deadLetters",
    label: "Dead letters appearing",
    prompt: "Fire above how many dead letters? (any = the first one)",
    placeholder: "any",
    suffix: "DEAD_LETTERS",
  },
  {
    key: "errorRateAbove",
    label: "Error rate above R",
    prompt: "Fire above which error fraction (0.05 = 5%)?",
    placeholder: "0.05",
    suffix: "ERRORS",
  },
  {
    key: "certExpiresWithin",
    label: "TLS certificate expiring within D days",
    prompt: "Fire how long before the certificate expires?",
    placeholder: "14d",
    suffix: "CERT",
  },
];

const ALERT_NAME = /^AL_[A-Z0-9]+(_[A-Z0-9]+)*$/;

/** `AL_<partner…>_<SUFFIX>` from the connection name (`OB_EHR_ADT` + down → `AL_EHR_ADT_DOWN`). */
export function suggestAlertName(connection: string, condition: AlertConditionKey): string {
  const partner = connection.replace(/^(IB|OB)_/, "");
  const suffix = CONDITION_CHOICES.find((c) => c.key === condition)?.suffix ?? "ALERT";
  return `AL_${partner}_${suffix}`;
}

export function checkAlertName(name: string, graph: RegistryGraph | undefined): string | undefined {
  if (!ALERT_NAME.test(name))
    return "Alert names are AL_ then capitals, digits and underscores, e.g. AL_EHR_DOWN.";
  if (graph?.alerts?.some((a) => a.name === name)) return `An alert named ${name} already exists.`;
  return undefined;
}

/** The `when` value as the config writes it. */
function conditionValue(condition: AlertConditionKey, value: string): SettingValue {
  const v = value.trim();
  if (condition === "deadLetters") return v === "" || v.toLowerCase() === "any" ? true : Number(v);
  if (condition === "backlogAbove" || condition === "errorRateAbove")
    return v === "" ? Number.NaN : Number(v);
  return v;
}

export function alertWhen(a: Pick<AlertAnswers, "connection" | "condition" | "value" | "window">) {
  const when: Record<string, SettingValue> = {
    connection: a.connection,
    [a.condition]: conditionValue(a.condition, a.value),
  };
  if (a.condition === "errorRateAbove" && a.window) when.window = a.window.trim();
  return when;
}

/** The value step's check (the same parse the engine runs). */
export function checkConditionValue(
  a: Pick<AlertAnswers, "connection" | "condition" | "value" | "window">,
): string | undefined {
  const parsed = parseAlertCondition(alertWhen({ ...a, connection: a.connection || "X" }));
  return "issue" in parsed ? parsed.issue.message : undefined;
}

export function checkRenotify(v: string): string | undefined {
  return v.trim() === "" || parseDuration(v.trim()) !== undefined
    ? undefined
    : 'Write a duration with a unit, e.g. "30m", "1h" or "1d".';
}

/** Every problem the graph's alert rules find with this alert against the config (empty: fine). */
export function validateAlert(a: AlertAnswers, graph: RegistryGraph | undefined): string[] {
  const loc = { file: "", line: 1, column: 1, endLine: 1, endColumn: 1 };
  const draft: GraphAlert = {
    name: a.name,
    origin: "ts",
    location: loc,
    when: alertWhen(a),
    notify: a.notify,
    ...(a.renotify?.trim() ? { renotify: a.renotify.trim() } : {}),
  };
  const base = graph ?? { version: 1 as const, nodes: [], edges: [], envUses: [] };
  // The draft alone: a name already taken is checkAlertName's to say (in the wizard's words).
  const problems = alertRules({ ...base, alerts: [draft] });
  const nameIssue = checkAlertName(a.name, graph);
  return [...(nameIssue ? [nameIssue] : []), ...problems.map((p) => p.message)];
}

function literal(v: SettingValue): string {
  return JSON.stringify(v);
}

/** The call as written into the module. */
export function alertCall(a: AlertAnswers): string {
  const when = Object.entries(alertWhen(a))
    .map(([k, v]) => `${k}: ${literal(v)}`)
    .join(", ");
  const parts = [`when: { ${when} }`];
  if (a.notify.length > 0) parts.push(`notify: [${a.notify.map((n) => literal(n)).join(", ")}]`);
  if (a.renotify?.trim()) parts.push(`renotify: ${literal(a.renotify.trim())}`);
  return `alert(${literal(a.name)}, { ${parts.join(", ")} });`;
}

const IMPORT_RE = /import\s*\{([^}]*)\}\s*from\s*["']messagefoundry["'];?/;

/**
 * The module's text with the alert added: `alert` joins its `import { … } from "messagefoundry"` (or
 * an import is added), and the call goes at the end. A new module (undefined) gets both.
 */
export function addAlertToModule(text: string | undefined, a: AlertAnswers): string {
  const call = alertCall(a);
  if (text === undefined || text.trim() === "") return `import { alert } from "messagefoundry";\n\n${call}\n`;
  let out = text;
  const m = IMPORT_RE.exec(out);
  if (!m) out = `import { alert } from "messagefoundry";\n${out}`;
  else {
    const names = (m[1] ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    if (!names.includes("alert")) {
      const sorted = [...names, "alert"].sort((x, y) => x.localeCompare(y));
      out = out.replace(m[0], `import { ${sorted.join(", ")} } from "messagefoundry";`);
    }
  }
  return `${out.replace(/\s*$/, "")}\n${call}\n`;
}
