// ADT → a PostgreSQL table: every ADT event upserts the patient's row in the chart database through a
// named statement declared on the connection, so only the statement's name and values travel in the queue.
// The table: samples/sql/chart_patients.postgres.sql. Without that database the outbound retries (its
// error shows on the connection) and every other route runs on.
import { database, dbStatement, env, handler, outbound, send } from "messagefoundry";

outbound(
  "OB_CHART_DB_ADT",
  database({
    dialect: "postgres",
    host: env("chart_db_host"),
    port: env("chart_db_port", "int"),
    database: env("chart_db_name"),
    user: env("chart_db_user"),
    // A server that wants a password: password: env("chart_db_password"), set MEFOR_VALUE_CHART_DB_PASSWORD.
    statements: {
      upsert_patient: `INSERT INTO chart_patients (mrn, family, given, birth_date, last_event, last_control_id)
        VALUES (:mrn, :family, :given, :birthDate, :event, :controlId)
        ON CONFLICT (mrn) DO UPDATE SET family = EXCLUDED.family, given = EXCLUDED.given,
          birth_date = EXCLUDED.birth_date, last_event = EXCLUDED.last_event,
          last_control_id = EXCLUDED.last_control_id, updated_at = now()`,
    },
  }),
  { retry: { attempts: 100, baseMs: 1000 } },
);

handler("acme_adt_to_chart_db", (msg) =>
  send(
    "OB_CHART_DB_ADT",
    dbStatement("upsert_patient", {
      mrn: msg.get("PID-3.1") ?? "",
      family: msg.get("PID-5.1") ?? "",
      given: msg.get("PID-5.2") ?? "",
      birthDate: msg.get("PID-7") || null,
      event: msg.get("MSH-9.2") ?? "",
      controlId: msg.controlId ?? "",
    }),
  ),
);
