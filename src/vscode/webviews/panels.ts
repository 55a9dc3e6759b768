/**
 * Baton's four webview panels in VS Code (gallery, board, run detail, gate dialog): creating and
 * revealing them, restoring them after a reload (one serializer per view type), and the editor
 * actions they ask for. Everything else (view models, request handlers, the change feed) is
 * src/webview-host's WebviewBackend, one per workspace folder.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import * as vscode from 'vscode';
import type { ArtifactRecord } from '../../core/model';
import type { AgentKind } from '../../core/template/types';
import { agentAdapter } from '../../executors/agent/adapters';
import { ANTHROPIC_KEY_SECRET } from '../../executors/llm';
import { MCP_CONFIG_FILES } from '../../executors/mcp-client';
import { findExecutable } from '../../executors/process';
import { defaultRunsDir } from '../../store';
import type { PanelContext, PersistedPanelState, ReadinessFixAction } from '../../shared/protocol';
import { importLegacyArchivedRuns, missingAgentCliMessage, WebviewBackend, type PanelActions, type PanelConnection } from '../../webview-host';
import type { BatonContainer } from '../container';
import { currentUser } from '../identity';
import { userMessage } from '../userMessage';
import { batonFolders, type BatonFolder } from '../workspaceFolders';
import { createNonce, renderWebviewHtml } from './html';

type PanelKind = PanelContext['panel'];
const PANEL_KINDS: readonly PanelKind[] = ['gallery', 'board', 'run', 'gate'];

/** `baton.<app>`: the webview view type (serializers and `onWebviewPanel:` activation use it). */
export function viewTypeOf(kind: PanelKind): string {
  return `baton.${kind}`;
}

function titleOf(context: PanelContext): string {
  switch (context.panel) {
    case 'gallery':
      return 'Baton: Gallery';
    case 'board':
      return 'Baton: Board';
    case 'run':
      return `Run ${context.runId}`;
    case 'gate':
      return `Gate #${context.gateId}`;
  }
}

/** One panel per board/gallery per folder, per run, per gate: opening again reveals it. */
function panelKey(folder: BatonFolder, context: PanelContext): string {
  const base = `${folder.folder.uri.toString()}|${context.panel}`;
  if (context.panel === 'run') return `${base}|${context.runId}`;
  if (context.panel === 'gate') return `${base}|${context.gateId}`;
  return base;
}

function isPanelContext(value: unknown): value is PanelContext {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  if (v.panel === 'board' || v.panel === 'gallery') return true;
  if (v.panel === 'run') return typeof v.runId === 'string' && v.runId.length > 0;
  if (v.panel === 'gate') return Number.isInteger(v.gateId);
  return false;
}

interface FolderBackend {
  folder: BatonFolder;
  backend: WebviewBackend;
}

interface OpenPanel {
  panel: vscode.WebviewPanel;
  folder: BatonFolder;
  context: PanelContext;
  connection: PanelConnection;
}

/** Where windows kept archived run ids before `runs.archived_at` (one key per folder); read once to move them into the database. */
const LEGACY_ARCHIVE_KEY = 'baton.archivedRuns';

export class BatonWebviews implements vscode.Disposable {
  private readonly backends = new Map<string, FolderBackend>();
  private readonly panels = new Map<string, OpenPanel>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly container: BatonContainer) {
    const refreshTemplates = () => this.refreshGalleries();
    const mcpConfigWatchers = MCP_CONFIG_FILES.map((file) => vscode.workspace.createFileSystemWatcher(`**/${file}`));
    this.disposables.push(
      // Each folder's new events, read once by the runtimes for every listener.
      container.runtimes.onDidReceiveEvents(({ runtime, batch }) => this.backends.get(runtime.folder.folder.uri.toString())?.backend.publish(batch)),
      // A database the CLI created after a panel opened: what it holds already is not in the feed.
      container.runtimes.onDidOpenRuntime((runtime) => this.backends.get(runtime.folder.folder.uri.toString())?.backend.publish()),
      container.templates.onDidChange(refreshTemplates),
      vscode.workspace.onDidGrantWorkspaceTrust(refreshTemplates),
      container.context.secrets.onDidChange(refreshTemplates),
      // The MCP servers a template's readiness looks for (MCP_CONFIG_FILES): saved in this window, or changed by another program.
      vscode.workspace.onDidSaveTextDocument((document) => {
        if (batonFolders().some((f) => MCP_CONFIG_FILES.some((file) => document.uri.fsPath === join(f.folder.uri.fsPath, file)))) refreshTemplates();
      }),
      ...mcpConfigWatchers.flatMap((watcher) => [watcher, watcher.onDidCreate(refreshTemplates), watcher.onDidChange(refreshTemplates), watcher.onDidDelete(refreshTemplates)]),
      ...PANEL_KINDS.map((kind) =>
        vscode.window.registerWebviewPanelSerializer(viewTypeOf(kind), {
          deserializeWebviewPanel: async (panel, state: unknown) => this.restore(kind, panel, state),
        }),
      ),
    );
  }

  /**
   * The webview URIs a page may load: the bundles and the media folder; the run detail and the
   * gate dialog also the folder's run folders, for image artifact previews.
   */
  private webviewOptions(folder: BatonFolder, context: PanelContext): vscode.WebviewOptions & vscode.WebviewPanelOptions {
    const root = this.container.context.extensionUri;
    const runs = context.panel === 'run' || context.panel === 'gate' ? [vscode.Uri.file(defaultRunsDir(folder.databasePath))] : [];
    return {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(root, 'dist', 'webview'), vscode.Uri.joinPath(root, 'media'), ...runs],
      enableFindWidget: true,
    };
  }

  openBoard(folder: BatonFolder): void {
    this.open(folder, { panel: 'board' });
  }

  openGallery(folder: BatonFolder, templateId?: string): void {
    this.open(folder, { panel: 'gallery', ...(templateId ? { templateId } : {}) });
  }

  openRun(folder: BatonFolder, runId: string, stepId?: string | null): void {
    this.open(folder, { panel: 'run', runId, ...(stepId ? { stepId } : {}) });
  }

  openGate(folder: BatonFolder, gateId: number): void {
    this.open(folder, { panel: 'gate', gateId });
  }

  /** Open panels, for tests and the reload check. */
  openPanels(): Array<{ viewType: string; context: PanelContext; folder: string; visible: boolean }> {
    return [...this.panels.values()].map((p) => ({ viewType: p.panel.viewType, context: p.context, folder: p.folder.folder.uri.toString(), visible: p.panel.visible }));
  }

  private open(folder: BatonFolder, context: PanelContext): void {
    const existing = this.panels.get(panelKey(folder, context));
    if (existing) {
      existing.panel.reveal(undefined, false);
      return;
    }
    const panel = vscode.window.createWebviewPanel(viewTypeOf(context.panel), titleOf(context), { viewColumn: vscode.ViewColumn.Active, preserveFocus: false }, this.webviewOptions(folder, context));
    this.attach(panel, folder, context);
  }

  /** A panel VS Code kept across a reload: its saved state says what it showed. */
  private restore(kind: PanelKind, panel: vscode.WebviewPanel, state: unknown): void {
    const saved = (state as Partial<PersistedPanelState> | undefined)?.context;
    const context: PanelContext | undefined = isPanelContext(saved) && saved.panel === kind ? saved : kind === 'board' || kind === 'gallery' ? { panel: kind } : undefined;
    const folders = batonFolders();
    const folder = folders.find((f) => f.folder.uri.toString() === context?.folder) ?? folders[0];
    if (!context || !folder || this.panels.has(panelKey(folder, context))) {
      panel.dispose();
      return;
    }
    panel.webview.options = this.webviewOptions(folder, context);
    const lastEventId = (state as Partial<PersistedPanelState> | undefined)?.lastEventId;
    this.attach(panel, folder, context, typeof lastEventId === 'number' ? lastEventId : null);
  }

  /** A tab title that says what the panel shows (the template's name, the gate's step). */
  private titleFor(folder: BatonFolder, context: PanelContext): string {
    const runtime = this.container.runtimes.get(folder, { create: false });
    try {
      if (context.panel === 'run' && runtime) {
        const run = runtime.engine.getRun(context.runId).run;
        return `Run: ${run.templateName || run.templateId} · ${run.id.split('-').pop()}`;
      }
      if (context.panel === 'gate' && runtime) {
        const gate = runtime.opened.store.getGate(context.gateId);
        if (gate) return `Gate: ${gate.stepId}${gate.itemKey !== null ? ` [${gate.itemKey}]` : ''} · ${runtime.engine.getRun(gate.runId).run.templateName}`;
      }
    } catch {
      // A run that is gone: the generic title; the panel itself says it is missing.
    }
    return titleOf(context);
  }

  /** `restoredAt`: the last event id a restored panel saw (its ready handshake will ask from there). */
  private attach(panel: vscode.WebviewPanel, folder: BatonFolder, requested: PanelContext, restoredAt: number | null = null): void {
    const context: PanelContext = batonFolders().length > 1 ? { ...requested, folder: folder.folder.uri.toString() } : requested;
    const key = panelKey(folder, context);
    const { backend } = this.backendFor(folder);
    this.importLegacyArchive(folder);
    const connection = backend.connect(
      context,
      (message) => void panel.webview.postMessage(message),
      this.actionsFor(panel, folder),
      (message, reason) => this.container.log.warn(`webview ${panel.viewType} sent an invalid message: ${reason}`, { message }),
      { lastEventId: restoredAt },
    );
    const entry: OpenPanel = { panel, folder, context, connection };
    this.panels.set(key, entry);
    const subscriptions = [
      panel.webview.onDidReceiveMessage((message: unknown) => {
        connection.receive(message).catch((error: unknown) => this.container.log.error(`webview ${panel.viewType} handler failed`, error));
      }),
      // A panel shown again may have missed messages while hidden: its ready handshake replays them.
      panel.onDidChangeViewState(() => panel.visible && backend.publish()),
    ];
    panel.onDidDispose(() => {
      for (const s of subscriptions) s.dispose();
      backend.disconnect(connection);
      if (this.panels.get(key) === entry) this.panels.delete(key);
    });
    panel.title = this.titleFor(folder, context);
    panel.iconPath = vscode.Uri.joinPath(this.container.context.extensionUri, 'media', 'baton.svg');
    const root = this.container.context.extensionUri;
    const asset = (file: string) => panel.webview.asWebviewUri(vscode.Uri.joinPath(root, 'dist', 'webview', file)).toString();
    panel.webview.html = renderWebviewHtml({
      title: panel.title,
      cspSource: panel.webview.cspSource,
      nonce: createNonce(),
      scriptUri: asset(`${context.panel}.js`),
      styleUri: asset(`${context.panel}.css`),
      context,
    });
  }

  private backendFor(folder: BatonFolder): FolderBackend {
    const key = folder.folder.uri.toString();
    const existing = this.backends.get(key);
    if (existing) return existing;
    const { container } = this;
    const backend = new WebviewBackend({
      source: (create) => {
        const runtime = container.runtimes.get(folder, { create });
        return runtime ? { engine: runtime.engine, files: runtime.opened.files } : undefined;
      },
      templates: {
        ready: () => container.templates.forFolder(folder).registry.ready(),
        list: () => container.templates.forFolder(folder).registry.list(),
        find: (id) => container.templates.forFolder(folder).registry.find(id),
        invalid: () => container.templates.forFolder(folder).registry.invalid(),
        notices: () => container.templates.forFolder(folder).registry.notices(),
      },
      workspaceDir: folder.folder.uri.fsPath,
      templatesDir: folder.templatesDir,
      user: currentUser,
      readiness: {
        trusted: () => vscode.workspace.isTrusted,
        hasSecret: async (name) =>
          (await container.context.secrets.get(`baton.secret.${name}`)) !== undefined || (name === ANTHROPIC_KEY_SECRET && !!process.env[ANTHROPIC_KEY_SECRET]),
        findAgentCli: (kind: AgentKind) => findExecutable(agentCliOverride(kind) ?? agentAdapter(kind).executable, process.env.PATH, folder.folder.uri.fsPath),
        agentCliOverride,
      },
    });
    const entry = { folder, backend };
    this.backends.set(key, entry);
    return entry;
  }

  /**
   * Archived ids this window kept in workspaceState before they lived in the database move there
   * when a panel of the folder opens, before it takes its snapshot (the commit is synchronous).
   * Without a database yet they wait for a later panel; once moved, the key is gone and this is
   * one workspaceState read.
   */
  private importLegacyArchive(folder: BatonFolder): void {
    const { workspaceState } = this.container.context;
    const key = `${LEGACY_ARCHIVE_KEY}:${folder.folder.uri.toString()}`;
    if (workspaceState.get(key) === undefined) return;
    const runtime = this.container.runtimes.get(folder, { create: false });
    if (!runtime) return;
    importLegacyArchivedRuns({ get: () => workspaceState.get(key), clear: () => workspaceState.update(key, undefined) }, runtime.engine, currentUser()).then(
      (result) => {
        if (result) this.container.log.info(`moved ${result.archived.length} archived run(s) from workspace state into the database (${result.skipped.length} skipped)`);
      },
      (error: unknown) => this.container.log.warn(`moving archived runs into the database failed; trying again next time: ${userMessage(error)}`),
    );
  }

  private actionsFor(panel: vscode.WebviewPanel, folder: BatonFolder): PanelActions {
    const showError = (message: string) => void vscode.window.showErrorMessage(`Baton: ${message}`);
    const guarded = (what: string, fn: () => Thenable<unknown> | void) => {
      try {
        void Promise.resolve(fn()).catch((error: unknown) => showError(`${what}: ${userMessage(error)}`));
      } catch (error) {
        showError(`${what}: ${userMessage(error)}`);
      }
    };
    return {
      openRun: (runId, stepId) => this.openRun(folder, runId, stepId),
      openGate: (gateId) => this.openGate(folder, gateId),
      openTemplateSource: (path, position) =>
        guarded('cannot open the template', () => {
          // Problems come 1-based, as `baton validate` prints them; VS Code counts from 0.
          const at = position && new vscode.Position(position.line - 1, position.column - 1);
          return vscode.window.showTextDocument(vscode.Uri.file(path), { preview: false, ...(at ? { selection: new vscode.Range(at, at) } : {}) });
        }),
      openArtifact: (artifact: ArtifactRecord) => guarded(`cannot open ${artifact.name}`, () => vscode.commands.executeCommand('vscode.open', vscode.Uri.file(artifact.path))),
      // Only files inside the run folders: the page may not load anything else (localResourceRoots).
      previewUri: (artifact: ArtifactRecord) =>
        isInside(artifact.path, defaultRunsDir(folder.databasePath)) ? panel.webview.asWebviewUri(vscode.Uri.file(artifact.path)).toString() : null,
      fixReadiness: (action, arg, templateId) => this.fixReadiness(folder, action, arg, templateId),
      close: () => panel.dispose(),
      showError,
    };
  }

  /** Templates, or what their readiness depends on, changed: open galleries look again. */
  private refreshGalleries(): void {
    for (const { backend } of this.backends.values()) void backend.templatesChanged();
  }

  /** The button beside a readiness problem in the gallery. */
  private async fixReadiness(folder: BatonFolder, action: ReadinessFixAction, arg: string | null, templateId: string): Promise<void> {
    switch (action) {
      case 'install-agent-cli': {
        const kind = (arg ?? 'claude') as AgentKind;
        const adapter = agentAdapter(kind);
        const command = /npm i(nstall)? -g \S+/.exec(adapter.installHint)?.[0];
        const inTerminal = 'Open Terminal';
        const answer = await vscode.window.showInformationMessage(
          `Baton: ${missingAgentCliMessage(kind, agentCliOverride(kind))}`,
          ...(command ? [inTerminal] : []),
        );
        if (answer === inTerminal && command) {
          const terminal = vscode.window.createTerminal({ name: `Install ${kind}`, cwd: folder.folder.uri });
          this.recheckWhenDone(terminal);
          terminal.show();
          // Typed, not run: installing software is the user's call.
          terminal.sendText(command, false);
        }
        return;
      }
      case 'set-secret':
        await vscode.commands.executeCommand('baton.setSecret', arg ? { name: arg } : undefined);
        return;
      case 'manage-trust':
        await vscode.commands.executeCommand('workbench.trust.manage');
        return;
      case 'open-settings': {
        if (!arg) {
          await vscode.commands.executeCommand('workbench.action.openSettings', 'baton');
          return;
        }
        // Beside the gallery, so the reason stays in view and turns ready there once the file is saved.
        const options: vscode.TextDocumentShowOptions = { preview: false, viewColumn: vscode.ViewColumn.Beside };
        if (existsSync(arg)) {
          await vscode.window.showTextDocument(vscode.Uri.file(arg), options);
          return;
        }
        // Not there yet: an unsaved editor at that path, started with the servers this template calls.
        const document = await vscode.workspace.openTextDocument(vscode.Uri.file(arg).with({ scheme: 'untitled' }));
        const editor = await vscode.window.showTextDocument(document, options);
        if (document.getText() === '') await editor.edit((edit) => edit.insert(new vscode.Position(0, 0), this.mcpConfigStarter(folder, templateId)));
        return;
      }
      case 'open-source': {
        const template = this.container.templates.forFolder(folder).registry.find(templateId);
        if (template) await vscode.window.showTextDocument(vscode.Uri.file(template.sourcePath), { preview: false });
        return;
      }
    }
  }

  /**
   * The install runs in `terminal` at the user's pace: when a command there ends (shell
   * integration) or the terminal closes, open galleries check again, so the reason goes away
   * once the CLI is there.
   */
  private recheckWhenDone(terminal: vscode.Terminal): void {
    const watching = vscode.Disposable.from(
      vscode.window.onDidEndTerminalShellExecution((e) => {
        if (e.terminal === terminal) this.refreshGalleries();
      }),
      vscode.window.onDidCloseTerminal((closed) => {
        if (closed !== terminal) return;
        this.refreshGalleries();
        watching.dispose();
      }),
    );
    this.disposables.push(watching);
  }

  /** `{"mcpServers": …}` with an entry to fill in for each server the template's mcp steps call. */
  private mcpConfigStarter(folder: BatonFolder, templateId: string): string {
    const steps = this.container.templates.forFolder(folder).registry.find(templateId)?.definition.steps ?? [];
    const servers = [...new Set(steps.flatMap((s) => (s.kind === 'mcp' ? [s.server] : [])))];
    return `${JSON.stringify({ mcpServers: Object.fromEntries(servers.map((name) => [name, { command: '', args: [] }])) }, null, 2)}\n`;
  }

  dispose(): void {
    for (const { panel } of [...this.panels.values()]) panel.dispose();
    this.panels.clear();
    for (const { backend } of this.backends.values()) backend.dispose();
    this.backends.clear();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/** The agent's path variable as the extension host sees it, when set (an empty value counts as unset, as for the executor). */
function agentCliOverride(kind: AgentKind): string | undefined {
  return process.env[agentAdapter(kind).pathEnvVar] || undefined;
}

/** Whether `file` lies inside folder `dir` (not `dir` itself, not through `..`). */
function isInside(file: string, dir: string): boolean {
  const rel = relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}
