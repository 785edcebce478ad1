/**
 * The server's global state (rust-analyzer's `global_state`): the open documents, the workspace
 * folders, one `ConfigModel` per config dir, the settings cache and the parsed message files (`.hl7`,
 * `.x12`/`.edi`). It
 * answers "which config dir and file is this URI?"; it schedules nothing and sends nothing — the
 * diagnostics scheduler and the request handlers read it, the main loop (session.ts) mutates it.
 */
import type { TextDocuments } from "vscode-languageserver";
import type { TextDocument } from "vscode-languageserver-textdocument";
import {
  ConfigModel,
  type FsHost,
  type Hl7Dictionary,
  Hl7File,
  type Hl7Validator,
  isX12FileName,
  LineIndex,
  X12File,
} from "../core/index.js";
import type { ConfigDirsResult, ServerSettings } from "../protocol.js";
import {
  configDirAbove,
  configuredDir,
  findConfigDirs,
  isConfigDir,
  pathToUri,
  readConfigFiles,
  uriToPath,
} from "./files.js";

/** One config dir and its model. */
export interface Project {
  /** Absolute path, forward slashes. */
  root: string;
  model: ConfigModel;
}

/** A document position resolved to its project, config-relative file and text offset. */
export interface DocPosition {
  project: Project;
  rel: string;
  offset: number;
}

export interface StateOptions {
  dictionary: Hl7Dictionary;
  validate?: Hl7Validator | undefined;
  fs: FsHost;
  /** Pulls the `messagefoundry` settings for a URI from the client (null when it has none). */
  pullSettings(uri: string): Promise<ServerSettings | null>;
  log(message: string): void;
}

/** An open message file: HL7 v2 (`.hl7`) or X12 (`.x12`, `.edi`). */
export type MessageFile = Hl7File | X12File;

/** True for the URIs read as message files rather than config. */
export function isMessageFileUri(uri: string): boolean {
  return uri.endsWith(".hl7") || isX12FileName(uri);
}

export class ServerState {
  readonly dict: Hl7Dictionary;
  readonly validate: Hl7Validator | undefined;
  readonly projects = new Map<string, Project>();
  /** Workspace folders (absolute paths). */
  folders: string[] = [];
  canPullSettings = false;
  /** Settles when the latest config-dir discovery has; requests wait for it. */
  ready: Promise<void> = Promise.resolve();
  private readonly settingsCache = new Map<string, Promise<ServerSettings>>();
  private readonly messageFiles = new Map<string, { version: number; file: MessageFile }>();

  constructor(
    readonly documents: TextDocuments<TextDocument>,
    private readonly options: StateOptions,
  ) {
    this.dict = options.dictionary;
    this.validate = options.validate;
  }

  // ---- settings (pulled per URI, cached until the client says they changed) ----

  settingsFor(uri: string): Promise<ServerSettings> {
    if (!this.canPullSettings) return Promise.resolve({});
    let s = this.settingsCache.get(uri);
    if (!s) {
      s = this.options
        .pullSettings(uri)
        .then((v) => v ?? {})
        .catch(() => ({}));
      this.settingsCache.set(uri, s);
    }
    return s;
  }

  /** Forgets the settings of one URI, or of all when none is given. */
  forgetSettings(uri?: string): void {
    if (uri === undefined) this.settingsCache.clear();
    else this.settingsCache.delete(uri);
  }

  // ---- projects ----

  /** The project of a config dir, created from the disk plus any open buffers under it. */
  addProject(root: string): Project {
    const existing = this.projects.get(root);
    if (existing) return existing;
    const model = new ConfigModel(root, this.options.fs, this.dict);
    for (const [rel, text] of readConfigFiles(root)) model.setFile(rel, text);
    for (const doc of this.documents.all()) {
      const rel = relIn(root, doc.uri);
      if (rel !== undefined) model.setFile(rel, doc.getText());
    }
    const p: Project = { root, model };
    this.projects.set(root, p);
    this.options.log(`config dir ${root}: ${model.paths().length} files`);
    return p;
  }

  /** The project a document belongs to (the deepest config dir containing it), discovering lazily. */
  locateDoc(uri: string): { project: Project; rel: string } | undefined {
    let best: { project: Project; rel: string } | undefined;
    for (const p of this.projects.values()) {
      const rel = relIn(p.root, uri);
      if (rel !== undefined && (!best || p.root.length > best.project.root.length))
        best = { project: p, rel };
    }
    if (best || !uri.startsWith("file:")) return best;
    const path = uriToPath(uri);
    const root = configDirAbove(
      path,
      this.folders.find((f) => path.startsWith(`${f}/`)),
    );
    if (!root) return undefined;
    const project = this.addProject(root);
    return { project, rel: path.slice(root.length + 1) };
  }

  /** The project whose config dir is, or contains, the given file or folder URI. */
  projectOf(uri: string): Project | undefined {
    const path = uriToPath(uri).replace(/\/$/, "");
    return (
      this.projects.get(path) ?? (isConfigDir(path) ? this.addProject(path) : this.locateDoc(uri)?.project)
    );
  }

  /**
   * The config dirs of the workspace: per folder, the `config` setting when set, else every config dir
   * found below it. The one search (the extension asks for the result with `messagefoundry/configDirs`).
   */
  async discoverRoots(): Promise<Set<string>> {
    const roots = new Set<string>();
    for (const folder of this.folders) {
      const s = await this.settingsFor(pathToUri(folder));
      if (s.config) roots.add(configuredDir(folder, s.config));
      else for (const d of findConfigDirs(folder)) roots.add(d);
    }
    return roots;
  }

  /** Keeps exactly the projects of `roots` (creating missing ones); returns the ones dropped. */
  retainProjects(roots: ReadonlySet<string>): Project[] {
    const removed: Project[] = [];
    for (const [root, p] of this.projects)
      if (!roots.has(root)) {
        p.model.dispose();
        this.projects.delete(root);
        removed.push(p);
      }
    for (const root of roots) this.addProject(root);
    return removed;
  }

  configDirs(): ConfigDirsResult {
    return {
      dirs: [...this.projects.keys()].sort().map((root) => ({
        uri: pathToUri(root),
        name: root.slice(root.lastIndexOf("/") + 1),
      })),
    };
  }

  uriOf(p: Project, rel: string): string {
    return pathToUri(`${p.root}/${rel}`);
  }

  /** A position in a config document, or undefined outside any config dir. */
  at(uri: string, position: { line: number; character: number }): DocPosition | undefined {
    const loc = this.locateDoc(uri);
    if (!loc) return undefined;
    const text = loc.project.model.text(loc.rel);
    if (text === undefined) return undefined;
    return { ...loc, offset: new LineIndex(text).offset(position) };
  }

  // ---- message files: .hl7, .x12/.edi buffers (parsed once per document version) ----

  messageFileOf(uri: string): MessageFile | undefined {
    const doc = this.documents.get(uri);
    if (!doc) return undefined;
    const hit = this.messageFiles.get(uri);
    if (hit && hit.version === doc.version) return hit.file;
    const file = isX12FileName(uri) ? new X12File(uri, doc.getText()) : new Hl7File(uri, doc.getText());
    this.messageFiles.set(uri, { version: doc.version, file });
    return file;
  }

  forgetMessageFile(uri: string): void {
    this.messageFiles.delete(uri);
  }

  dispose(): void {
    for (const p of this.projects.values()) p.model.dispose();
  }
}

/** The config-relative path of a `file:` URI under `root`, or undefined when it is not under it. */
export function relIn(root: string, uri: string): string | undefined {
  if (!uri.startsWith("file:")) return undefined;
  const path = uriToPath(uri);
  return path.startsWith(`${root}/`) ? path.slice(root.length + 1) : undefined;
}
