/**
 * The container: built once by activate(), owns every disposable Baton creates (one list, one
 * lifetime), so deactivate() or a failed start releases everything.
 */
import * as vscode from 'vscode';
import type { Logger, SecretSource } from '../core/ports';
import { ClosableNotifications } from './closableNotification';
import { registerCommands } from './commands';
import type { FolderRuntime } from './folderRuntime';
import { GateNotifier } from './gates';
import { RunFailureNotifier } from './runFailures';
import { FolderRuntimes } from './runtimes';
import { RunsTreeProvider, type RunGrouping, type RunsNode } from './runsTree';
import { RunsStatusBar } from './statusBar';
import { StepTerminals } from './stepTerminal';
import { WorkspaceTemplates } from './templates';
import { TemplatesTreeProvider } from './templatesTree';
import { BatonWebviews } from './webviews/panels';

const GROUPING_KEY = 'baton.runs.grouping';
const GROUPINGS: Record<RunGrouping, string> = { none: 'Newest first', status: 'By status', template: 'By template' };

export class BatonContainer implements vscode.Disposable {
  /** How long activate() took, in ms (reported by `npm run bench`). */
  activationMs = 0;
  readonly log: vscode.LogOutputChannel;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly refreshEmitter = new vscode.EventEmitter<void>();
  /** Fires when views should re-read templates and runs (files changed, a command asked). */
  readonly onDidRequestRefresh = this.refreshEmitter.event;

  /** Every folder's database, engine and worker. */
  readonly runtimes: FolderRuntimes;
  readonly runsTree: RunsTreeProvider;
  /** Every folder's template registry. */
  readonly templates: WorkspaceTemplates;
  readonly templatesTree: TemplatesTreeProvider;
  readonly terminals: StepTerminals;
  /** Notifications that close when what they ask about is settled elsewhere. */
  readonly notifications: ClosableNotifications;
  readonly statusBar: RunsStatusBar;
  /** Gallery, board, run detail and gate dialog panels (created in start()). */
  webviews!: BatonWebviews;
  /** The Runs view (for reveal). */
  runsView: vscode.TreeView<RunsNode> | undefined;

  private constructor(readonly context: vscode.ExtensionContext) {
    this.log = this.own(vscode.window.createOutputChannel('Baton', { log: true }));
    this.own(this.refreshEmitter);
    this.templates = this.own(new WorkspaceTemplates(vscode.Uri.joinPath(context.extensionUri, 'templates').fsPath));
    this.runtimes = this.own(new FolderRuntimes(this.logger(), this.secretSource(), (folder) => this.templates.forFolder(folder).registry));
    this.runsTree = this.own(new RunsTreeProvider(this.runtimes));
    this.runsTree.grouping = context.workspaceState.get<RunGrouping>(GROUPING_KEY, 'none');
    this.terminals = this.own(new StepTerminals());
    this.statusBar = this.own(new RunsStatusBar(this.runtimes));
    this.notifications = this.own(new ClosableNotifications());
    this.templatesTree = this.own(
      new TemplatesTreeProvider(this.templates, (entry, templateId) =>
        this.runtimes.get(entry.folder, { create: false })?.triggers?.nextRunAt(templateId),
      ),
    );
  }

  static async create(context: vscode.ExtensionContext): Promise<BatonContainer> {
    const container = new BatonContainer(context);
    try {
      container.start();
    } catch (error) {
      container.dispose();
      throw error;
    }
    return container;
  }

  private start(): void {
    this.runsView = this.own(vscode.window.createTreeView('baton.runs', { treeDataProvider: this.runsTree, showCollapseAll: true }));
    this.own(vscode.window.createTreeView('baton.templates', { treeDataProvider: this.templatesTree, showCollapseAll: true }));
    // Next scheduled runs move when schedules fire or triggers start.
    this.own(this.runtimes.onDidChange(() => this.templatesTree.refresh()));
    this.own(
      this.onDidRequestRefresh(() => {
        this.runsTree.refresh();
        void this.templates.reloadAll();
      }),
    );
    this.webviews = this.own(new BatonWebviews(this));
    for (const registration of registerCommands(this)) this.own(registration);
    this.own(new GateNotifier(this));
    this.own(new RunFailureNotifier(this));
  }

  /** The engine's Logger port over the output channel. */
  private logger(): Logger {
    const log = this.log;
    const line = (message: string, fields?: Record<string, unknown>) => (fields ? `${message} ${JSON.stringify(fields)}` : message);
    return {
      debug: (m, f) => log.debug(line(m, f)),
      info: (m, f) => log.info(line(m, f)),
      warn: (m, f) => log.warn(line(m, f)),
      error: (m, f) => log.error(line(m, f)),
    };
  }

  /** `secrets.NAME` in templates reads VS Code's SecretStorage (key `baton.secret.NAME`). */
  private secretSource(): SecretSource {
    return { get: async (name) => this.context.secrets.get(`baton.secret.${name}`) };
  }

  /** Switches how the Runs view groups runs (asks when not given); remembered per workspace. */
  async groupRuns(grouping?: unknown): Promise<RunGrouping | undefined> {
    let chosen = typeof grouping === 'string' && grouping in GROUPINGS ? (grouping as RunGrouping) : undefined;
    if (!chosen) {
      const picked = await vscode.window.showQuickPick(
        (Object.keys(GROUPINGS) as RunGrouping[]).map((key) => ({
          label: GROUPINGS[key],
          key,
          ...(key === this.runsTree.grouping ? { description: 'current' } : {}),
        })),
        { title: 'Baton: Group Runs' },
      );
      chosen = picked?.key;
    }
    if (!chosen) return undefined;
    this.runsTree.grouping = chosen;
    await this.context.workspaceState.update(GROUPING_KEY, chosen);
    this.runsTree.refresh();
    return chosen;
  }

  /** Shows a run in the Runs view, expanded. */
  async revealRun(runtime: FolderRuntime, runId: string): Promise<void> {
    const run = runtime.engine.getRun(runId).run;
    await vscode.commands.executeCommand('baton.runs.focus');
    await this.revealInRunsView({ kind: 'run', runtime, run }, { select: true, focus: false, expand: true });
  }

  /**
   * Reveals a node of the Runs view. While a run is running the view refreshes every second, and
   * a reveal that meets a refresh fails with "Cannot resolve tree item": try again after it.
   */
  async revealInRunsView(node: RunsNode, options: { select?: boolean; focus?: boolean; expand?: boolean | number }): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.runsView?.reveal(node, options);
        return;
      } catch (error) {
        if (attempt >= 5) throw error;
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
    }
  }

  /** Registers something the container must dispose, and returns it. */
  own<T extends vscode.Disposable>(disposable: T): T {
    this.disposables.push(disposable);
    return disposable;
  }

  refresh(): void {
    this.refreshEmitter.fire();
  }

  /** Stops workers (running steps are handed back for a later attempt), then disposes everything. */
  async shutdown(): Promise<void> {
    await this.runtimes.close();
    this.dispose();
  }

  dispose(): void {
    // Reverse order: later things may depend on earlier ones (views on the output channel).
    for (const disposable of this.disposables.splice(0).reverse()) {
      try {
        disposable.dispose();
      } catch (error) {
        console.error('Baton: dispose failed', error);
      }
    }
  }
}
