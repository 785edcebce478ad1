/**
 * Orthanc with its DICOMweb plugin (Debian `orthanc`, `orthanc-dicomweb`) for the STOW-RS tests.
 * `MEFOR_TEST_ORTHANC` names the Orthanc binary; else `/usr/sbin/Orthanc` with the plugin in
 * /usr/share/orthanc/plugins; else both packages are installed (policy-rc.d keeps the system daemon
 * from starting). `startOrthanc` runs the test's own Orthanc: HTTP and DICOM on free ports of 127.0.0.1,
 * its own config, index and storage in a temp folder, no authentication; stopped and removed after.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { aptInstall } from "./debian.js";
import { freePort } from "./net.js";
import type { Service } from "./service.js";

const BINARY = "/usr/sbin/Orthanc";
const PLUGIN = "/usr/share/orthanc/plugins/libOrthancDicomWeb.so";

export const orthancService: Service = {
  name: "Orthanc + DICOMweb",
  env: "MEFOR_TEST_ORTHANC",
  async find() {
    return existsSync(BINARY) && existsSync(PLUGIN)
      ? { value: BINARY, said: `using ${BINARY} with ${PLUGIN}; each test starts its own instance` }
      : undefined;
  },
  async provide() {
    await aptInstall(["orthanc", "orthanc-dicomweb"]);
    if (!existsSync(BINARY) || !existsSync(PLUGIN))
      throw new Error(`orthanc and orthanc-dicomweb were installed but ${BINARY} or ${PLUGIN} is missing`);
    return {
      value: BINARY,
      said: "installed Debian's orthanc and orthanc-dicomweb; each test starts its own",
    };
  },
};

export interface Orthanc {
  /** http://127.0.0.1:<port> — the REST API root. */
  readonly url: string;
  /** The DICOMweb root, `<url>/dicom-web`. */
  readonly dicomWeb: string;
  readonly dicomPort: number;
  stop(): Promise<void>;
}

/** Starts the test's own Orthanc (see the file comment); `binary` is what `orthancService` provided. */
export async function startOrthanc(binary: string): Promise<Orthanc> {
  const dir = mkdtempSync(join(tmpdir(), "mefor-test-orthanc-"));
  const httpPort = await freePort();
  const dicomPort = await freePort();
  const config = {
    Name: "MEFOR-TEST",
    StorageDirectory: join(dir, "storage"),
    IndexDirectory: join(dir, "index"),
    HttpPort: httpPort,
    DicomPort: dicomPort,
    DicomAet: "ORTHANC",
    RemoteAccessAllowed: false,
    AuthenticationEnabled: false,
    HttpServerEnabled: true,
    DicomServerEnabled: true,
    Plugins: [PLUGIN],
    DicomWeb: { Enable: true, Root: "/dicom-web/" },
  };
  const file = join(dir, "orthanc.json");
  writeFileSync(file, JSON.stringify(config));
  const child: ChildProcess = spawn(binary, [file], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  let exited: string | undefined;
  child.on("exit", (code, signal) => {
    exited = `Orthanc exited (${signal ?? code}): ${stderr.trim()}`;
  });
  const url = `http://127.0.0.1:${httpPort}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await Promise.race([gone, new Promise((r) => setTimeout(r, 15_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const until = Date.now() + 60_000;
    for (;;) {
      if (exited !== undefined) throw new Error(exited);
      // Ready once the DICOMweb plugin answers too (it registers after the core).
      const ok = await fetch(`${url}/dicom-web/studies`)
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) break;
      if (Date.now() > until)
        throw new Error(`Orthanc did not answer on ${url} within 60 s: ${stderr.trim()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, dicomWeb: `${url}/dicom-web`, dicomPort, stop };
}
