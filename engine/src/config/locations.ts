/** Small helpers for SourceLocation values (1-based, endColumn exclusive). */
import type { SourceLocation } from "../graph/index.js";

export function pointLocation(file: string, line: number, column: number): SourceLocation {
  return { file, line, column, endLine: line, endColumn: column };
}

export function spanLocation(file: string, line: number, column: number, length: number): SourceLocation {
  return { file, line, column, endLine: line, endColumn: column + length };
}
