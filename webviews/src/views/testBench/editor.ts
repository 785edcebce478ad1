/**
 * The sample-message editor: monaco-editor with an `hl7` Monarch tokenizer.
 *
 * Workers: none. The CSP allows no blob:/worker sources, and an HL7 sample needs no language service,
 * so every feature that would ask monaco's editor worker for help (word-based suggestions, links, unicode
 * highlighting, hover) is switched off and `getWorker` refuses loudly if anything still asks.
 * Monaco's inline <style> elements are why this view's CSP adds 'unsafe-inline' for styles (protocol/html.ts).
 */
import * as monaco from "monaco-editor/editor/editor.api.js";

(self as unknown as { MonacoEnvironment: monaco.Environment }).MonacoEnvironment = {
  getWorker(_id: string, label: string): Worker {
    throw new Error(`monaco web workers are disabled in this view (asked for "${label}")`);
  },
};

let registered = false;
function registerHl7(): void {
  if (registered) return;
  registered = true;
  monaco.languages.register({ id: "hl7", extensions: [".hl7"] });
  monaco.languages.setMonarchTokensProvider("hl7", {
    tokenizer: {
      root: [
        [/^(MSH|BHS|FHS)(\|)([^|]*)/, ["keyword", "delimiter", "string.escape"]],
        [/^[A-Z][A-Z0-9]{2}(?=\||$)/, "keyword"],
        [/\\[A-Z.][^\\|]*\\/, "string.escape"],
        [/[|]/, "delimiter"],
        [/[\^~&]/, "operator"],
      ],
    },
  });
}

function themeFor(body: HTMLElement): string {
  if (body.classList.contains("vscode-high-contrast-light")) return "hc-light";
  if (body.classList.contains("vscode-high-contrast")) return "hc-black";
  if (body.classList.contains("vscode-light")) return "vs";
  return "vs-dark";
}

export interface SampleEditor {
  getText(): string;
  setText(text: string): void;
  onChange(listener: () => void): void;
}

export function createSampleEditor(container: HTMLElement): SampleEditor {
  registerHl7();
  const editor = monaco.editor.create(container, {
    value: "",
    language: "hl7",
    theme: themeFor(document.body),
    automaticLayout: true,
    minimap: { enabled: false },
    wordWrap: "off",
    lineNumbers: "on",
    scrollBeyondLastLine: false,
    renderWhitespace: "none",
    fontSize: 13,
    ariaLabel: "Sample HL7 message",
    // Everything below would need the editor worker.
    wordBasedSuggestions: "off",
    quickSuggestions: false,
    links: false,
    hover: { enabled: "off" },
    unicodeHighlight: { ambiguousCharacters: false, invisibleCharacters: false, nonBasicASCII: false },
    occurrencesHighlight: "off",
    codeLens: false,
  });
  // VS Code flips body classes when the theme changes.
  new MutationObserver(() => monaco.editor.setTheme(themeFor(document.body))).observe(document.body, {
    attributes: true,
    attributeFilter: ["class"],
  });
  return {
    getText: () => editor.getValue(),
    setText: (text) => {
      if (editor.getValue() !== text) editor.setValue(text);
    },
    onChange: (listener) => {
      editor.onDidChangeModelContent(listener);
    },
  };
}
