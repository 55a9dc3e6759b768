/**
 * One workspace folder's Baton runtime: its database, the engine on it, and an in-process worker
 * that executes ready steps (runs started here, resumed runs, runs whose worker died). Several
 * windows and the CLI may share one database; leases keep them from running a step twice.
 */
import { hostname } from 'node:os';
import * as vscode from 'vscode';
import { Engine, Worker } from '../core/engine';
import type { Logger, SecretSource, TemplateResolver } from '../core/ports';
import { AgentExecutor } from '../executors/agent';
import { ScriptExecutor } from '../executors/script';
import { openStore, type OpenedStore } from '../store';
import type { BatonFolder } from './workspaceFolders';

/** How long dispose() waits for running steps to be handed back before closing the database. */
const WORKER_STOP_GRACE_MS = 10_000;

export class FolderRuntime implements vscode.Disposable {
  /** Highest event id seen by the change poller. */
  lastEventId = 0;
  private workerStop: AbortController | undefined;
  private workerDone: Promise<void> | undefined;
  private closed = false;

  private constructor(
    readonly folder: BatonFolder,
    readonly opened: OpenedStore,
    readonly engine: Engine,
    private readonly logger: Logger,
  ) {
    this.lastEventId = opened.store.maxEventId();
  }

  /** Opens (creating if needed) the folder's database and builds the engine. */
  static open(folder: BatonFolder, logger: Logger, secrets: SecretSource, templates: TemplateResolver): FolderRuntime {
    const opened = openStore(folder.databasePath);
    try {
      const engine = new Engine({
        store: opened.store,
        files: opened.files,
        workspaceDir: folder.folder.uri.fsPath,
        executors: [new ScriptExecutor({ baseEnv: process.env }), new AgentExecutor({ baseEnv: process.env })],
        secrets,
        templates,
        logger,
      });
      return new FolderRuntime(folder, opened, engine, logger);
    } catch (error) {
      opened.close();
      throw error;
    }
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
