/**
 * The engine's structured logger (a pino-compatible subset), one type for the pipeline and the
 * connectors alike. Never pass message bodies.
 */
export interface Log {
  debug(obj: Record<string, unknown>, msg?: string): void;
  info(obj: Record<string, unknown>, msg?: string): void;
  warn(obj: Record<string, unknown>, msg?: string): void;
  error(obj: Record<string, unknown>, msg?: string): void;
  /**
   * Whether lines of `level` are written (pino's loggers have it). Absent: every level is. Lets a
   * thread that relays its lines to this log leave out what would be dropped anyway.
   */
  isLevelEnabled?(level: "debug" | "info" | "warn" | "error"): boolean;
}

/** A Log that drops everything (tests, tools, and parts started without one). */
export const silentLog: Log = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
