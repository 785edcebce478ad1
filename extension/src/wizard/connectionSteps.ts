/** Connection steps shared by the Route and Connection Wizards: transport, then the settings it needs. */
import { amqpUrlProblem, cronProblem, type RegistryGraph } from "messagefoundry/graph";
import { askDatabase } from "./databaseSteps.js";
import {
  type ConnectionAnswers,
  checkPort,
  type Direction,
  INBOUND_TRANSPORTS,
  OUTBOUND_TRANSPORTS,
  parseEnvInput,
  type Transport,
} from "./model.js";
import { checkSchemaSetting, HAND_WRITTEN, schemaSettings, schemaSettingValue } from "./schemaSettings.js";
import type { StepInput } from "./steps.js";

const TRANSPORT_LABELS: Record<Transport, string> = {
  mllp: "HL7 v2 over MLLP (TCP)",
  tcp: "Raw TCP, delimiter-framed",
  http: "HTTP intake (POST bodies become messages)",
  rest: "REST call per message",
  soap: "SOAP 1.1/1.2 (inbound: a SOAP listener; outbound: a SOAP call per message)",
  smtp: "Email (SMTP) per message",
  file: "Files in a directory",
  amqp: "AMQP 0-9-1 queue / exchange (RabbitMQ)",
  timer: "A message on a schedule (cron or interval)",
  sftp: "Files on an SFTP server (SSH)",
  ftp: "Files on an FTP server (unencrypted)",
  ftps: "Files on an FTP server over TLS",
  database: "Database (PostgreSQL, MySQL/MariaDB): poll a query / run named statements",
  dicom: "DICOM DIMSE (inbound: a C-STORE SCP; outbound: a C-STORE SCU)",
  dicomweb: "DICOMweb STOW-RS: store each DICOM instance over HTTP",
  x12: "X12 EDI over TCP (TA1/999 answers; 270 → 271 request/response)",
};

export function askTransport(input: StepInput, direction: Direction, current: Transport): Promise<Transport> {
  const list: readonly Transport[] = direction === "inbound" ? INBOUND_TRANSPORTS : OUTBOUND_TRANSPORTS;
  return input.pick<Transport>({
    placeholder: `How does this ${direction} connection ${direction === "inbound" ? "receive" : "send"}?`,
    items: list.map((t) => ({ label: t, description: TRANSPORT_LABELS[t], value: t })),
    activeValue: current,
  });
}

/**
 * How many questions askConnectionSettings asks for this connection's transport and direction, or
 * undefined when it depends on the answers (a database connection). Keep in step with the function below.
 */
export function settingsQuestionCount(
  c: Pick<ConnectionAnswers, "direction" | "transport">,
): number | undefined {
  if (!HAND_WRITTEN.has(c.transport)) return schemaSettings(c.transport, c.direction).length;
  if (c.transport === "database") return undefined;
  const inbound = c.direction === "inbound";
  const counts: Record<string, number> = {
    mllp: inbound ? 1 : 2,
    tcp: inbound ? 1 : 2,
    http: inbound ? 2 : 1,
    soap: inbound ? 2 : 2,
    smtp: 4,
    rest: 1,
    file: 1,
    amqp: inbound ? 2 : 3,
    timer: 1,
  };
  return counts[c.transport];
}

/** Asks what the transport needs (port, host, path, URL), checking ports against the live graph. */
export async function askConnectionSettings(
  input: StepInput,
  c: ConnectionAnswers,
  graph: RegistryGraph | undefined,
): Promise<void> {
  if (!HAND_WRITTEN.has(c.transport)) {
    delete c.host;
    delete c.port;
    delete c.path;
    delete c.url;
    const previous = c.settings ?? {};
    c.settings = {};
    for (const s of schemaSettings(c.transport, c.direction)) {
      const typed = await input.text({
        prompt: `${s.key}: ${s.description}${s.secret ? " — a secret: env:KEY" : " (or env:KEY)"}`,
        value:
          previous[s.key] === undefined
            ? s.secret
              ? `env:${c.name.toLowerCase()}_${s.key.toLowerCase()}`
              : ""
            : String(previous[s.key]),
        validate: (v) => checkSchemaSetting(s, v),
      });
      c.settings[s.key] = schemaSettingValue(s, typed);
    }
    return;
  }
  delete c.settings;
  const needsPort =
    c.transport === "mllp" ||
    c.transport === "tcp" ||
    c.transport === "http" ||
    c.transport === "smtp" ||
    (c.transport === "soap" && c.direction === "inbound");
  const needsHost =
    c.direction === "outbound" && (c.transport === "mllp" || c.transport === "tcp" || c.transport === "smtp");
  const notEmpty = (v: string) => (v.trim() === "" ? "A value is required (or env:KEY)." : undefined);
  delete c.host;
  delete c.url;
  delete c.operation;
  delete c.from;
  delete c.to;
  if (c.transport === "database") {
    delete c.port;
    delete c.path;
    await askDatabase(input, c);
    return;
  }
  delete c.database;
  if (needsHost) {
    c.host = await input.text({
      prompt: "Peer host name or IP address (or env:KEY to take it from environments/<env>.toml)",
      value: String(c.host ?? ""),
      validate: notEmpty,
    });
  }
  if (needsPort) {
    const listening = c.direction === "inbound";
    const typed = await input.text({
      prompt: listening ? "Port to listen on" : "Peer port (or env:KEY)",
      value: c.port === undefined ? (c.transport === "smtp" ? "587" : "") : String(c.port),
      validate: (v) => checkPort(v, { listening, graph }),
    });
    c.port = parseEnvInput(typed) ? typed : Number(typed);
  } else {
    delete c.port;
  }
  const listener = (c.transport === "http" || c.transport === "soap") && c.direction === "inbound";
  if (c.transport === "file" || listener) {
    c.path = await input.text({
      prompt: c.transport === "file" ? "Directory" : "Request path to accept",
      value: c.path ?? (listener ? "/" : ""),
      validate: notEmpty,
    });
  } else {
    delete c.path;
  }
  delete c.queue;
  delete c.exchange;
  delete c.routingKey;
  delete c.cron;
  delete c.intervalMs;
  if (c.transport === "amqp") await askAmqp(input, c, notEmpty);
  if (c.transport === "timer") {
    const typed = await input.text({
      prompt: "Cron expression (e.g. */5 * * * * for every 5 minutes) or an interval in milliseconds",
      value: "",
      validate: scheduleProblem,
    });
    if (/^\d+$/.test(typed.trim())) c.intervalMs = Number(typed.trim());
    else c.cron = typed.trim();
    // A tick is a JSON object; the content type follows unless the user picks another.
    if (c.contentType === undefined || c.contentType === "hl7v2") c.contentType = "json";
  }
  if (c.transport === "rest" || (c.transport === "soap" && c.direction === "outbound")) {
    c.url = await input.text({
      prompt: c.transport === "soap" ? "SOAP endpoint URL (or env:KEY)" : "Target URL (or env:KEY)",
      value: String(c.url ?? ""),
      validate: (v) =>
        parseEnvInput(v) || /^https?:\/\/\S+$/.test(v.trim()) ? undefined : "An http(s) URL or env:KEY.",
    });
  }
  if (c.transport === "soap" && c.direction === "outbound") {
    const op = await input.text({
      prompt:
        "Body element to wrap each message in, e.g. SubmitRequest (empty: each message is a whole SOAP envelope)",
      value: c.operation ?? "",
      validate: (v) =>
        v.trim() === "" || /^[A-Za-z_][\w.-]*$/.test(v.trim()) ? undefined : "An XML element name.",
    });
    if (op.trim() !== "") c.operation = op.trim();
  }
  if (c.transport === "smtp") {
    c.from = await input.text({
      prompt: "Sender address (or env:KEY)",
      value: String(c.from ?? ""),
      validate: notEmpty,
    });
    c.to = await input.text({
      prompt: "Recipients, comma-separated (or env:KEY; templates like {MSH-10} allowed)",
      value: String(c.to ?? ""),
      validate: notEmpty,
    });
  }
}

/** Why a typed schedule is neither a cron expression nor an interval (≥ 10 ms), or undefined. */
export function scheduleProblem(v: string): string | undefined {
  const t = v.trim();
  if (t === "") return "A cron expression or an interval in milliseconds is required.";
  if (/^\d+$/.test(t)) return Number(t) >= 10 ? undefined : "An interval is at least 10 ms.";
  const why = cronProblem(t);
  return why === undefined ? undefined : `Not a cron expression: ${why}`;
}

async function askAmqp(
  input: StepInput,
  c: ConnectionAnswers,
  notEmpty: (v: string) => string | undefined,
): Promise<void> {
  c.url = await input.text({
    prompt: "Broker URL without a password, e.g. amqp://broker:5672/vhost (or env:KEY)",
    value: String(c.url ?? ""),
    validate: (v) => (parseEnvInput(v) ? undefined : amqpUrlProblem(v.trim())),
  });
  if (c.direction === "inbound") {
    c.queue = await input.text({ prompt: "Queue to consume", value: "", validate: notEmpty });
  } else {
    c.exchange = await input.text({
      prompt: "Exchange to publish to (empty: the default exchange, routing by queue name)",
      value: "",
      validate: () => undefined,
    });
    c.routingKey = await input.text({
      prompt: "Routing key (a template such as hl7.{messageType}; the queue name with the default exchange)",
      value: "",
      validate: (v) =>
        c.exchange === "" && v.trim() === "" ? "The default exchange needs the queue name." : undefined,
    });
  }
}
