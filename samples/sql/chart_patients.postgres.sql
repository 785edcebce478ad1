-- The table samples/config/chart_db.ts writes to (OB_CHART_DB_ADT, statement upsert_patient).
-- createdb messagefoundry_dev && psql -d messagefoundry_dev -f samples/sql/chart_patients.postgres.sql
CREATE TABLE IF NOT EXISTS chart_patients (
  mrn TEXT PRIMARY KEY,
  family TEXT NOT NULL,
  given TEXT NOT NULL,
  birth_date TEXT,
  last_event TEXT NOT NULL,
  last_control_id TEXT NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
