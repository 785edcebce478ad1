/** One thing the tests need: found on the machine, or provided (installed, started) and stopped after. */
export interface Service {
  /** Said in the report, e.g. "PostgreSQL". */
  readonly name: string;
  /** The environment variable that names it for the tests (and for any process they start). */
  readonly env: string;
  /** What the machine already has, or undefined. */
  find(): Promise<Found | undefined>;
  /** Installs or starts it; throws with what to do when it cannot. */
  provide(): Promise<Found>;
}

export interface Found {
  /** The value published in `env` (a path, a URL). */
  readonly value: string;
  /** One line for the report: what was used or done. */
  readonly said: string;
  /** Stops what `provide` started. */
  readonly stop?: () => Promise<void>;
}
