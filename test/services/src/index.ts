/**
 * The test services: the one place that finds or provides what the tests need beyond npm packages — a
 * browser and real servers. `provideServices()` runs once before the tests (mocha's global setup, see
 * mocha-hooks.ts): for each service it uses what the environment names, else what the machine has, else
 * provides it, and publishes it in the service's environment variable, so tests and the processes they
 * start read the same value. `stopServices()` stops what it started. A new connector's server is added
 * here once, as a Service.
 */
import { chromiumService } from "./chromium.js";
import { postgresService } from "./postgres.js";
import { report } from "./report.js";
import type { Found, Service } from "./service.js";

export type { Found, Service } from "./service.js";

const SERVICES: readonly Service[] = [chromiumService, postgresService];
const started: Found[] = [];

export async function provideServices(services: readonly Service[] = SERVICES): Promise<void> {
  for (const service of services) {
    const given = process.env[service.env];
    if (given !== undefined && given !== "") {
      report(service.name, `using ${service.env}=${redact(given)}`);
      continue;
    }
    const found = (await service.find()) ?? (await service.provide());
    if (found.stop !== undefined) started.push(found);
    process.env[service.env] = found.value;
    report(service.name, found.said);
  }
}

export async function stopServices(): Promise<void> {
  while (started.length > 0) await started.pop()?.stop?.();
}

function need(service: Service): string {
  const value = process.env[service.env];
  if (value === undefined || value === "")
    throw new Error(
      `${service.name} was not provided: run the tests through mocha (its global setup provides it) or set ${service.env}`,
    );
  return value;
}

/** The browser the webview and end-to-end tests launch. */
export function chromiumPath(): string {
  return need(chromiumService);
}

/** A PostgreSQL connection string (database `test`, a superuser) for the store and pipeline tests. */
export function postgresUrl(): string {
  return need(postgresService);
}

function redact(value: string): string {
  return value.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
}
