/** Mocha's global setup and teardown (see .mocharc.json): the test services around every run. */
import { provideServices, stopServices } from "./index.js";

export async function mochaGlobalSetup(): Promise<void> {
  await provideServices();
}

export async function mochaGlobalTeardown(): Promise<void> {
  await stopServices();
}
