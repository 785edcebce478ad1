/**
 * The engine's structured logger (a pino-compatible subset), one type for the pipeline and the
 * connectors alike. Never pass message bodies.
 */
export interface Log {
  debug(obj: Record<string, unknown>, msg?: string): void;
  info(obj: Record<string, unknown>, msg?: string): void;
  warn(obj: Record<string, unknown>, msg?: string): void;
  error(obj: Record<string, unknown>, msg?: string): void;
}

/** A Log that drops everything (tests, tools, and parts started without one). */
export const silentLog: Log = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
