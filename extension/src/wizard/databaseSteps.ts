/** The Connection Wizard's database steps: server, login (password as an env key), then query or statement. */
import { type ConnectionAnswers, type DatabaseAnswers, parseEnvInput } from "./model.js";
import type { StepInput } from "./steps.js";

const required = (v: string) => (v.trim() === "" ? "A value is required (or env:KEY)." : undefined);
const identifier = (v: string) =>
  /^[A-Za-z_][A-Za-z0-9_]*$/.test(v.trim()) ? undefined : "Letters, digits and _ only.";

export async function askDatabase(input: StepInput, c: ConnectionAnswers): Promise<void> {
  const prev: Partial<DatabaseAnswers> = c.database ?? {};
  const dialect = await input.pick<DatabaseAnswers["dialect"]>({
    placeholder: "Which database server?",
    items: [
      { label: "postgres", description: "PostgreSQL", value: "postgres" },
      { label: "mysql", description: "MySQL or MariaDB", value: "mysql" },
    ],
    activeValue: prev.dialect ?? "postgres",
  });
  const host = await input.text({
    prompt: "Database server host (or env:KEY)",
    value: String(prev.host ?? ""),
    validate: required,
  });
  const port = await input.text({
    prompt: `Port (empty for ${dialect === "postgres" ? 5432 : 3306}, or env:KEY)`,
    value: String(prev.port ?? ""),
    validate: (v) =>
      v.trim() === "" || parseEnvInput(v) || /^\d{1,5}$/.test(v.trim())
        ? undefined
        : "A port number or env:KEY.",
  });
  const database = await input.text({
    prompt: "Database name (or env:KEY)",
    value: String(prev.database ?? ""),
    validate: required,
  });
  const user = await input.text({
    prompt: "User (or env:KEY)",
    value: String(prev.user ?? ""),
    validate: required,
  });
  const passwordEnv = await input.text({
    prompt: "Env key of the password (set MEFOR_VALUE_<KEY> for the engine; empty when none)",
    value: prev.passwordEnv ?? `${c.name.toLowerCase()}_password`,
    validate: (v) => (v.trim() === "" ? undefined : identifier(v)),
  });
  const d: DatabaseAnswers = {
    dialect,
    host,
    database,
    user,
    ...(port.trim() === "" ? {} : { port: parseEnvInput(port) ? port : Number(port) }),
    ...(passwordEnv.trim() === "" ? {} : { passwordEnv: passwordEnv.trim() }),
  };
  if (c.direction === "inbound") await askSource(input, d, prev);
  else await askStatement(input, d, prev);
  c.database = d;
}

async function askSource(
  input: StepInput,
  d: DatabaseAnswers,
  prev: Partial<DatabaseAnswers>,
): Promise<void> {
  const mode = await input.pick<"mark" | "processed">({
    placeholder: "How are rows remembered as read (only after each is committed)?",
    items: [
      {
        label: "High-water mark",
        description: "a growing column (id, timestamp) kept by the engine",
        value: "mark",
      },
      {
        label: "Mark as processed",
        description: "a statement run per row, e.g. UPDATE … SET done",
        value: "processed",
      },
    ],
    activeValue: prev.markProcessed !== undefined ? "processed" : "mark",
  });
  if (mode === "mark") {
    d.markColumn = (
      await input.text({
        prompt: "High-water mark column",
        value: prev.markColumn ?? "id",
        validate: identifier,
      })
    ).trim();
    d.query = await input.text({
      prompt: "Poll query (reads the mark as :mark; each row becomes a message)",
      value:
        prev.query ?? `SELECT * FROM outbox WHERE ${d.markColumn} > :mark ORDER BY ${d.markColumn} LIMIT 100`,
      validate: (v) => (v.includes(":mark") ? undefined : "Read the mark as :mark."),
    });
  } else {
    d.query = await input.text({
      prompt: "Poll query (selects unprocessed rows; each row becomes a message)",
      value: prev.query ?? "SELECT * FROM outbox WHERE processed = false ORDER BY id LIMIT 100",
      validate: (v) => (v.trim() === "" ? "A query is required." : undefined),
    });
    d.markProcessed = await input.text({
      prompt: "Mark-as-processed statement (the row's columns are :params)",
      value: prev.markProcessed ?? "UPDATE outbox SET processed = true WHERE id = :id",
      validate: (v) => (v.trim() === "" ? "A statement is required." : undefined),
    });
  }
}

async function askStatement(
  input: StepInput,
  d: DatabaseAnswers,
  prev: Partial<DatabaseAnswers>,
): Promise<void> {
  const name = await input.text({
    prompt: "Statement name (handlers send dbStatement(name, params))",
    value: prev.statement?.name ?? "insert_message",
    validate: identifier,
  });
  const sql = await input.text({
    prompt: "SQL with :named params (insert, upsert or CALL)",
    value:
      prev.statement?.sql ??
      "INSERT INTO messages (control_id, message_type, body) VALUES (:controlId, :messageType, :body)",
    validate: (v) => (v.trim() === "" ? "The SQL is required." : undefined),
  });
  d.statement = { name: name.trim(), sql };
}
