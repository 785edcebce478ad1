/**
 * The test services: the one place that finds or provides what the tests need beyond npm packages — a
 * browser and real servers. `provideServices()` runs once before the tests (mocha's global setup, see
 * mocha-hooks.ts): for each service it uses what the environment names, else what the machine has, else
 * provides it, and publishes it in the service's environment variable, so tests and the processes they
 * start read the same value. `stopServices()` stops what it started. A new connector's server is added
 * here once, as a Service (a file of its own), asked for with `useService`; `faultProxy` stands in front
 * of any server to make it go away and come back.
 */
import { chromiumService } from "./chromium.js";
import { dcmtkService } from "./dcmtk.js";
import { mariadbService } from "./mariadb.js";
import { orthancService } from "./orthanc.js";
import { pgDumpService } from "./pg-dump.js";
import { postgresService } from "./postgres.js";
import { rabbitmqService } from "./rabbitmq.js";
import { report } from "./report.js";
import type { Found, Service } from "./service.js";
import { type LdapServer, slapdService } from "./slapd.js";
import { type SftpServer, sshdService } from "./sshd.js";
import { type FtpServer, vsftpdService } from "./vsftpd.js";

export { makeServerCert, makeTestCerts, type TestCerts } from "./certs.js";
export { dcmtkService, type Storescp, startStorescp } from "./dcmtk.js";
export { aptInstall, aptUnavailable } from "./debian.js";
export { type FaultProxy, faultProxy } from "./fault-proxy.js";
export { mariadbService, startMariadb } from "./mariadb.js";
export { freePort } from "./net.js";
export { type Orthanc, orthancService, startOrthanc } from "./orthanc.js";
export { pgDumpService } from "./pg-dump.js";
export { type PostgresTls, type StartedPostgres, startPostgres } from "./postgres.js";
export { rabbitmqService, startRabbitmq } from "./rabbitmq.js";
export type { Found, Service } from "./service.js";
export { type LdapServer, slapdService } from "./slapd.js";
export {
  type ReceivedMail,
  type SmtpServer,
  type SmtpServerOptions,
  smtpService,
  startSmtpServer,
} from "./smtp.js";
export type { SftpServer } from "./sshd.js";
export type { FtpServer } from "./vsftpd.js";

/** Provided before every run (mocha's global setup): most suites use them. */
const EAGER: readonly Service[] = [chromiumService, postgresService];
const provided = new Map<Service, Promise<string>>();
const started: Found[] = [];

export async function provideServices(services: readonly Service[] = EAGER): Promise<void> {
  for (const service of services) await useService(service);
}

/**
 * The service's value (a path, a URL), provided on first use and kept for the run: what the environment
 * names, else what the machine has, else what `provide` installs or starts (stopped by `stopServices`).
 * Servers few suites need are asked for here from a `before` hook (give it a generous timeout: a first
 * run may install a package).
 */
export function useService(service: Service): Promise<string> {
  let value = provided.get(service);
  if (value === undefined) {
    value = locate(service);
    provided.set(service, value);
  }
  return value;
}

async function locate(service: Service): Promise<string> {
  const given = process.env[service.env];
  if (given !== undefined && given !== "") {
    report(service.name, `using ${service.env}=${redact(given)}`);
    return given;
  }
  const found = (await service.find()) ?? (await service.provide());
  if (found.stop !== undefined) started.push(found);
  process.env[service.env] = found.value;
  report(service.name, found.said);
  return found.value;
}

export async function stopServices(): Promise<void> {
  while (started.length > 0) await started.pop()?.stop?.();
  provided.clear();
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

/** The path of a `pg_dump` (found or installed on first use; give the `before` hook a generous timeout). */
export function pgDumpPath(): Promise<string> {
  return useService(pgDumpService);
}

/** An AMQP url (guest or given credentials) of a RabbitMQ; ask for it first with `useService(rabbitmqService)`. */
export function amqpUrl(): string {
  return need(rabbitmqService);
}

function redact(value: string): string {
  return value.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
}

/** The test's own OpenSSH SFTP server (provided on first use). */
export async function sftpServer(): Promise<SftpServer> {
  return JSON.parse(await useService(sshdService)) as SftpServer;
}

/** The test's own vsftpd: FTP + explicit FTPS, and implicit FTPS (provided on first use). */
export async function ftpServer(): Promise<FtpServer> {
  return JSON.parse(await useService(vsftpdService)) as FtpServer;
}

/** The test's own OpenLDAP directory (provided on first use; entries are the tests' to add). */
export async function ldapServer(): Promise<LdapServer> {
  return JSON.parse(await useService(slapdService)) as LdapServer;
}

/** A MySQL/MariaDB server URL without a database (`mysql://root@host:port`); ask for it first with `useService(mariadbService)`. */
export function mysqlUrl(): string {
  return need(mariadbService);
}

/** The folder holding DCMTK's storescu, storescp and echoscu (provided on first use). */
export async function dcmtkBin(): Promise<string> {
  return useService(dcmtkService);
}

/** The Orthanc binary (with the DICOMweb plugin) for `startOrthanc` (provided on first use). */
export async function orthancBinary(): Promise<string> {
  return useService(orthancService);
}
