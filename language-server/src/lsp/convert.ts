/** Core → LSP conversions: 1-based SourceLocations become 0-based ranges; problems become diagnostics. */
import type { Problem, SourceLocation } from "messagefoundry/graph";
import {
  CompletionItemKind,
  type Diagnostic,
  DiagnosticRelatedInformation,
  DiagnosticSeverity,
  type DocumentSymbol,
  Location,
  type Range,
  SymbolKind,
} from "vscode-languageserver";
import type { CompletionEntry, SymbolInfo } from "../core/index.js";

export function toRange(l: SourceLocation): Range {
  return {
    start: { line: l.line - 1, character: l.column - 1 },
    end: { line: l.endLine - 1, character: l.endColumn - 1 },
  };
}

export function fromRange(file: string, r: Range): SourceLocation {
  return {
    file,
    line: r.start.line + 1,
    column: r.start.character + 1,
    endLine: r.end.line + 1,
    endColumn: r.end.character + 1,
  };
}

const SEVERITY = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
} as const;

export function toDiagnostic(p: Problem, uriOf: (file: string) => string): Diagnostic {
  const d: Diagnostic = {
    range: toRange(p.location),
    severity: SEVERITY[p.severity],
    code: p.code,
    source: "messagefoundry",
    message: p.hint ? `${p.message}\n${p.hint}` : p.message,
  };
  if (p.related?.length)
    d.relatedInformation = p.related.map((r) =>
      DiagnosticRelatedInformation.create(
        Location.create(uriOf(r.location.file), toRange(r.location)),
        r.message,
      ),
    );
  return d;
}

const SYMBOL_KIND: Record<SymbolInfo["kind"], SymbolKind> = {
  inbound: SymbolKind.Event,
  outbound: SymbolKind.Interface,
  router: SymbolKind.Function,
  handler: SymbolKind.Method,
  env: SymbolKind.Constant,
  segment: SymbolKind.Struct,
  message: SymbolKind.Module,
};

export function toSymbolKind(kind: SymbolInfo["kind"]): SymbolKind {
  return SYMBOL_KIND[kind];
}

export function toDocumentSymbol(s: SymbolInfo): DocumentSymbol {
  const out: DocumentSymbol = {
    name: s.name,
    kind: SYMBOL_KIND[s.kind],
    range: toRange(s.location),
    selectionRange: toRange(s.selection),
  };
  if (s.detail) out.detail = s.detail;
  if (s.children) out.children = s.children.map(toDocumentSymbol);
  return out;
}

const COMPLETION_KIND: Record<CompletionEntry["kind"], CompletionItemKind> = {
  router: CompletionItemKind.Function,
  handler: CompletionItemKind.Method,
  outbound: CompletionItemKind.Interface,
  inbound: CompletionItemKind.Event,
  env: CompletionItemKind.Constant,
  codeset: CompletionItemKind.Enum,
  hl7: CompletionItemKind.Field,
  key: CompletionItemKind.Property,
  value: CompletionItemKind.Value,
};

export function toCompletionKind(kind: CompletionEntry["kind"]): CompletionItemKind {
  return COMPLETION_KIND[kind];
}
