/**
 * One workspace folder's Baton runtime: its database, the engine on it, and an in-process worker
 * that executes ready steps (runs started here, resumed runs, runs whose worker died). Several
 * windows and the CLI may share one database; leases keep them from running a step twice.
 */
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { Engine, EventFeed, Worker, systemClock } from '../core/engine';
import { describeError } from '../core/errors';
import { hasTrigger, type TemplateRegistry } from '../core/template';
import { TriggerHost, type FileEvent, type FileEventSource, type TriggerTemplates } from '../triggers';
import type { Logger, SecretSource } from '../core/ports';
import { AgentExecutor } from '../executors/agent';
import { ScriptExecutor } from '../executors/script';
import { FunctionExecutor } from '../executors/function';
import { LlmExecutor } from '../executors/llm';
import { McpExecutor } from '../executors/mcp-client';
import { evaluateTypeScriptTemplate } from '../loaders/typescript';
import { batonMcpServersViaCli } from '../mcp/launch';
import { openStore, type OpenedStore } from '../store';
import type { BatonFolder } from './workspaceFolders';

/** How long dispose() waits for running steps to be handed back before closing the database. */
const WORKER_STOP_GRACE_MS = 10_000;

export class FolderRuntime implements vscode.Disposable {
  /**
   * The database's new events, read once for everything in this window that follows them
   * (FolderRuntimes delivers them as onDidReceiveEvents). It starts at the last event when this
   * window opened the database: what happened before is old news.
   */
  readonly feed: EventFeed;
  private workerStop: AbortController | undefined;
  private workerDone: Promise<void> | undefined;
  private closed = false;
  /** Schedule, file, event and webhook triggers of the folder's templates. */
  triggers: TriggerHost | undefined;

  private constructor(
    readonly folder: BatonFolder,
    readonly opened: OpenedStore,
    readonly engine: Engine,
    private readonly logger: Logger,
  ) {
    this.feed = new EventFeed(engine, opened.store.maxEventId());
  }

  /** Opens (creating if needed) the folder's database and builds the engine. */
  static open(folder: BatonFolder, logger: Logger, secrets: SecretSource, templates: TemplateRegistry): FolderRuntime {
    const opened = openStore(folder.databasePath);
    try {
      const engine = new Engine({
        store: opened.store,
        files: opened.files,
        workspaceDir: folder.folder.uri.fsPath,
        executors: [
          new ScriptExecutor({ baseEnv: process.env }),
          new AgentExecutor({
            baseEnv: process.env,
            // Baton's MCP server for agent steps is the bundled CLI beside this file, run by the
            // extension host's own Node (plain Node under ELECTRON_RUN_AS_NODE on desktop).
            mcpServers: batonMcpServersViaCli({
              cliEntry: join(__dirname, 'cli.cjs'),
              nodePath: process.execPath,
              nodeArgs: [],
              env: { ELECTRON_RUN_AS_NODE: '1' },
              dbPath: folder.databasePath,
              workspaceDir: folder.folder.uri.fsPath,
            }),
          }),
          new LlmExecutor({ secrets, env: process.env }),
          new McpExecutor({ workspaceDir: folder.folder.uri.fsPath, env: process.env }),
          new FunctionExecutor({ store: opened.store, evaluate: evaluateTypeScriptTemplate }),
        ],
        secrets,
        templates,
        logger,
      });
      const runtime = new FolderRuntime(folder, opened, engine, logger);
      runtime.startTriggers(templates, secrets);
      return runtime;
    } catch (error) {
      opened.close();
      throw error;
    }
  }

  /**
   * Starts the folder's triggers. Only the workspace's own templates trigger: a built-in
   * template must never start runs in every folder by itself. The host refuses to start runs
   * while the workspace is untrusted.
   */
  private startTriggers(registry: TemplateRegistry, secrets: SecretSource): void {
    const workspaceOnly: TriggerTemplates = {
      list: () => registry.list({ source: 'workspace' }),
      find: (id) => {
        const found = registry.find(id);
        return found?.source === 'workspace' ? found : undefined;
      },
      onDidChange: (listener) => registry.onDidChange(listener),
    };
    const port = vscode.workspace.getConfiguration('baton', this.folder.folder.uri).get<number>('webhook.port', 0);
    this.triggers = new TriggerHost(
      {
        templates: workspaceOnly,
        engine: this.engine,
        store: this.opened.store,
        clock: systemClock,
        logger: this.logger,
        trust: () => (vscode.workspace.isTrusted ? { trusted: true } : { trusted: false, reason: 'the workspace is not trusted' }),
        secrets,
        files: vscodeFileEvents(this.folder.folder),
      },
      {
        workspaceDir: this.folder.folder.uri.fsPath,
        ignoredDirs: [dirname(this.folder.databasePath)],
        ...(port > 0 ? { webhookPort: port } : {}),
      },
    );
    void registry
      .ready()
      .then(() => this.triggers?.start())
      .catch((error: unknown) => {
        void vscode.window.showErrorMessage(`Baton: triggers of ${this.folder.folder.name} could not start: ${describeError(error)}`);
      });
  }

  get workerRunning(): boolean {
    return this.workerStop !== undefined;
  }

  /** Starts executing steps in this window (only in a trusted workspace). Idempotent. */
  startWorker(): void {
    if (this.workerStop || this.closed) return;
    const stop = new AbortController();
    this.workerStop = stop;
    const worker = new Worker(this.engine, {
      owner: `vscode-${hostname()}-${process.pid}-${this.folder.folder.index}`,
      pollMs: 250,
      logger: this.logger,
    });
    this.workerDone = worker.run({ signal: stop.signal }).then(
      () => undefined,
      (error: unknown) => {
        this.logger.error(`worker for ${this.folder.folder.name} stopped`, { error: String(error) });
        if (this.workerStop === stop) this.workerStop = undefined;
      },
    );
  }

  /** Stops the worker: running steps are aborted and handed back as ready (a new attempt later). */
  async stopWorker(): Promise<void> {
    const stop = this.workerStop;
    if (!stop) return;
    this.workerStop = undefined;
    stop.abort();
    await Promise.race([this.workerDone, new Promise((r) => setTimeout(r, WORKER_STOP_GRACE_MS))]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.triggers?.stop();
    await this.stopWorker();
    try {
      // Step files are written behind; make sure they reach the disk before the process goes.
      await this.opened.files.flush();
    } finally {
      this.opened.close();
    }
  }

  dispose(): void {
    void this.close();
  }
}

/** True when any of the folder's own templates has a non-manual trigger. */
export function hasAutomaticTriggers(registry: TemplateRegistry): boolean {
  return registry
    .list({ source: 'workspace' })
    .some((t) => (['schedule', 'file', 'event', 'webhook'] as const).some((kind) => hasTrigger(t.definition, kind)));
}

/** File events of one folder from VS Code: saves of open documents, creates and deletes on disk. */
function vscodeFileEvents(folder: vscode.WorkspaceFolder): FileEventSource {
  return {
    onFileEvent(listener: (event: FileEvent) => void) {
      const inFolder = (uri: vscode.Uri) => uri.scheme === 'file' && vscode.workspace.getWorkspaceFolder(uri)?.uri.toString() === folder.uri.toString();
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, '**/*'), false, true, false);
      const subscriptions = [
        watcher,
        vscode.workspace.onDidSaveTextDocument((document) => inFolder(document.uri) && listener({ path: document.uri.fsPath, kind: 'save' })),
        watcher.onDidCreate((uri) => inFolder(uri) && listener({ path: uri.fsPath, kind: 'create' })),
        watcher.onDidDelete((uri) => inFolder(uri) && listener({ path: uri.fsPath, kind: 'delete' })),
      ];
      return { dispose: () => subscriptions.forEach((s) => s.dispose()) };
    },
  };
}
