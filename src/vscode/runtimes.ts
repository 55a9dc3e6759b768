/**
 * The runtimes of all workspace folders, opened on demand, and the one feed of their changes.
 * Changes made in this window arrive at once (engine.onChange); changes by the CLI or another
 * window are noticed by polling each database's max event id, which is one indexed read. Either
 * way the new events are then read once per database, and handed to every listener of
 * onDidReceiveEvents (notifications, webview panels), followed by one onDidChange for the views.
 */
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import type { EventBatch } from '../core/engine';
import type { Logger, SecretSource } from '../core/ports';
import type { TemplateRegistry } from '../core/template';
import { FolderRuntime, hasAutomaticTriggers } from './folderRuntime';
import { batonFolders, type BatonFolder } from './workspaceFolders';

export const CHANGE_POLL_MS = 1000;
/** Events handed over per database in one delivery; a larger backlog follows in further deliveries. */
const EVENTS_PER_DELIVERY = 2000;

/** New events of one folder's database. */
export interface FolderEvents {
  runtime: FolderRuntime;
  batch: EventBatch;
}

export class FolderRuntimes implements vscode.Disposable {
  private readonly runtimes = new Map<string, FolderRuntime>();
  private readonly unsubscribe = new Map<string, () => void>();
  private readonly changed = new vscode.EventEmitter<void>();
  /** Something in some folder's runs changed, or a folder's database was opened or closed (coalesced). */
  readonly onDidChange = this.changed.event;
  private readonly received = new vscode.EventEmitter<FolderEvents>();
  /** Every event appended to a folder's database after this window opened it, exactly once and in order. */
  readonly onDidReceiveEvents = this.received.event;
  private readonly didOpen = new vscode.EventEmitter<FolderRuntime>();
  /**
   * A folder's database was opened; its events from then on arrive through onDidReceiveEvents.
   * Fired with the next delivery, before its events (never from inside `get`).
   */
  readonly onDidOpenRuntime = this.didOpen.event;
  private newlyOpened: FolderRuntime[] = [];
  private readonly didClose = new vscode.EventEmitter<FolderRuntime>();
  /** A folder left the workspace and its database was closed. */
  readonly onDidCloseRuntime = this.didClose.event;
  private readonly timer: NodeJS.Timeout;
  private pendingFire: NodeJS.Timeout | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly logger: Logger,
    private readonly secrets: SecretSource,
    /** Template lookup for `workflow:` steps, per folder. */
    private readonly templatesFor: (folder: BatonFolder) => TemplateRegistry,
  ) {
    this.timer = setInterval(() => this.poll(), CHANGE_POLL_MS);
    this.disposables.push(
      this.changed,
      this.received,
      this.didOpen,
      this.didClose,
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        for (const runtime of this.runtimes.values()) runtime.startWorker();
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.forgetRemovedFolders()),
      // `on.event: { type: task.failed }`: VS Code tasks that end with a non-zero exit code.
      vscode.tasks.onDidEndTaskProcess((ended) => {
        for (const runtime of this.runtimes.values()) {
          runtime.triggers?.notifyTaskEnded({ name: ended.execution.task.name, exitCode: ended.exitCode });
        }
      }),
    );
  }

  /**
   * The runtime of a folder. With `create`, opens the database even when it does not exist yet
   * (starting a run); without, only an existing database is opened (viewing never creates files).
   */
  get(folder: BatonFolder, options: { create: boolean }): FolderRuntime | undefined {
    const key = folder.folder.uri.toString();
    const existing = this.runtimes.get(key);
    if (existing) return existing;
    // A folder whose templates trigger by themselves needs its database even before any run.
    if (!options.create && !existsSync(folder.databasePath) && !hasAutomaticTriggers(this.templatesFor(folder))) return undefined;
    const runtime = FolderRuntime.open(folder, this.logger, this.secrets, this.templatesFor(folder));
    this.runtimes.set(key, runtime);
    this.unsubscribe.set(key, runtime.engine.onChange(() => this.fireSoon()));
    // Nothing runs by itself in an untrusted workspace; trust granted later starts the worker.
    if (vscode.workspace.isTrusted) runtime.startWorker();
    this.newlyOpened.push(runtime);
    this.fireSoon();
    return runtime;
  }

  /** The runtimes opened so far (opens nothing). */
  current(): FolderRuntime[] {
    return [...this.runtimes.values()];
  }

  /** Runtimes of every folder that has a database. */
  open(): FolderRuntime[] {
    for (const folder of batonFolders()) this.safeGet(folder);
    return [...this.runtimes.values()];
  }

  private safeGet(folder: BatonFolder): FolderRuntime | undefined {
    try {
      return this.get(folder, { create: false });
    } catch (error) {
      this.logger.error(`cannot open ${folder.databasePath}`, { error: String(error) });
      return undefined;
    }
  }

  private poll(): void {
    for (const folder of batonFolders()) this.safeGet(folder);
    for (const runtime of this.runtimes.values()) {
      try {
        if (runtime.opened.store.maxEventId() > runtime.feed.position) this.fireSoon();
      } catch (error) {
        this.logger.warn(`polling ${runtime.folder.databasePath} failed`, { error: String(error) });
      }
    }
  }

  /** Coalesces bursts (a step finishing appends several events) into one delivery. */
  private fireSoon(delayMs = 50): void {
    if (this.pendingFire) return;
    this.pendingFire = setTimeout(() => {
      this.pendingFire = undefined;
      this.deliver();
    }, delayMs);
  }

  /** Reads each database's new events once and hands them to every listener. */
  private deliver(): void {
    for (const runtime of this.newlyOpened.splice(0)) if (this.runtimes.get(runtime.folder.folder.uri.toString()) === runtime) this.didOpen.fire(runtime);
    let more = false;
    for (const runtime of this.runtimes.values()) {
      let batch: EventBatch | undefined;
      try {
        batch = runtime.feed.read(EVENTS_PER_DELIVERY);
      } catch (error) {
        this.logger.warn(`reading the events of ${runtime.folder.databasePath} failed`, { error: String(error) });
      }
      if (!batch) continue;
      more ||= batch.more;
      this.received.fire({ runtime, batch });
    }
    this.changed.fire();
    // The rest of a large backlog, after the views have had their turn.
    if (more) this.fireSoon(0);
  }

  private forgetRemovedFolders(): void {
    const current = new Set(batonFolders().map((f) => f.folder.uri.toString()));
    for (const [key, runtime] of this.runtimes) {
      if (current.has(key)) continue;
      this.unsubscribe.get(key)?.();
      this.unsubscribe.delete(key);
      this.runtimes.delete(key);
      void runtime.close();
      this.didClose.fire(runtime);
    }
    this.fireSoon();
  }

  /** Stops workers (handing running steps back) and closes every database. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    if (this.pendingFire) clearTimeout(this.pendingFire);
    for (const off of this.unsubscribe.values()) off();
    const closing = [...this.runtimes.values()].map((r) => r.close());
    this.runtimes.clear();
    await Promise.all(closing);
  }

  dispose(): void {
    void this.close();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
