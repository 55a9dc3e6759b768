/**
 * The Runs view: runs newest first -> steps -> foreach items, an icon per status (spinning while
 * running), phase/duration/attempt in the description, error and outputs in the tooltip, and a
 * contextValue per kind and status that package.json menus match on.
 */
import * as vscode from 'vscode';
import { EventType, isStepFinished, type RunRecord, type StepRecord } from '../core/model';
import type { StepDefinition } from '../core/template/types';
import type { FolderRuntime } from './folderRuntime';
import { elapsedText, formatAgo, itemValueLabel } from './format';
import type { FolderEvents, FolderRuntimes } from './runtimes';
import { STATUS_ICONS } from './statusIcons';

/** How many runs the view lists per folder. */
const RUNS_SHOWN = 200;
/** How often the view re-renders while a run is running, so durations count up. */
export const ELAPSED_TICK_MS = 1000;

/** Events that add a run to the listing or take one out of it: the whole view is listed again. */
const LISTING_EVENTS: ReadonlySet<string> = new Set([EventType.RunCreated, EventType.RunArchived, EventType.RunUnarchived]);
/** Events that change nothing the view shows (a tool call, a comment, an artifact). */
const UNSHOWN_EVENTS: ReadonlySet<string> = new Set([EventType.StepProgress, EventType.CommentAdded, EventType.ArtifactAdded]);

/** How top-level runs are grouped (the "Group Runs" toggle). */
export type RunGrouping = 'none' | 'status' | 'template';

export type RunsNode =
  | { kind: 'folder'; runtime: FolderRuntime }
  | { kind: 'group'; runtime: FolderRuntime; label: string; runs: RunRecord[] }
  /** `run` is replaced in place when only this run changed (see RunsTreeProvider.receive). */
  | { kind: 'run'; runtime: FolderRuntime; run: RunRecord }
  | { kind: 'step'; runtime: FolderRuntime; run: RunRecord; step: StepRecord; definition?: StepDefinition };

type RunNode = Extract<RunsNode, { kind: 'run' }>;

/** Codicon for a run or step status (exported for tests and the status bar). */
export function statusIcon(status: string): vscode.ThemeIcon {
  const spec = STATUS_ICONS[status] ?? { icon: 'question' };
  return new vscode.ThemeIcon(spec.icon, spec.color ? new vscode.ThemeColor(spec.color) : undefined);
}

function jsonBlock(value: unknown): string {
  return `\n\`\`\`json\n${JSON.stringify(value, null, 2)}\n\`\`\`\n`;
}

/** "2/5 items" while a foreach runs, with failures named; "5 items" once all succeeded. */
function itemCounts(items: StepRecord[]): string | undefined {
  if (items.length === 0) return undefined;
  const finished = items.filter((i) => isStepFinished(i.status)).length;
  const failed = items.filter((i) => i.status === 'failed').length;
  const counts = finished === items.length ? `${items.length} items` : `${finished}/${items.length} items`;
  return failed > 0 ? `${counts}, ${failed} failed` : counts;
}

export class RunsTreeProvider implements vscode.TreeDataProvider<RunsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RunsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];

  grouping: RunGrouping = 'none';

  /**
   * The node of each listed run by folder#run id. A run keeps its node object from listing to
   * listing (VS Code knows elements by identity), so one run can be refreshed in place.
   */
  private readonly listed = new Map<string, RunNode>();
  /** Whether the last listing showed a running run: its durations need to keep counting. */
  private listedRunning = false;
  private readonly ticker: NodeJS.Timeout;

  constructor(private readonly runtimes: FolderRuntimes) {
    this.subscriptions = [
      runtimes.onDidReceiveEvents((received) => this.receive(received)),
      runtimes.onDidOpenRuntime(() => this.refresh()),
      runtimes.onDidCloseRuntime(() => this.refresh()),
    ];
    // A running step's "12 s" would otherwise stand still until its next event.
    this.ticker = setInterval(() => this.tick(), ELAPSED_TICK_MS);
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  /**
   * New events of a folder. A new, archived or unarchived run lists the view again; otherwise
   * only the runs the events belong to are read again, in place (a step that finishes re-reads
   * its run, not the 200 runs listed). Grouped views list again: runs move between groups.
   */
  private receive({ runtime, batch }: FolderEvents): void {
    const touched = new Set<string>();
    for (const event of batch.events) {
      if (LISTING_EVENTS.has(event.type)) return this.refresh();
      if (!UNSHOWN_EVENTS.has(event.type)) touched.add(event.runId);
    }
    if (touched.size === 0) return;
    if (this.grouping !== 'none' || this.listed.size === 0) return this.refresh();
    // A run not listed (a child run, an archived one, one older than the listing) changes nothing shown.
    for (const runId of touched) {
      const node = this.listed.get(runKey(runtime, runId));
      const run = node && runtime.opened.store.getRun(runId);
      if (!node || !run) continue;
      node.run = run;
      this.listedRunning ||= run.status === 'running';
      this.changed.fire(node);
    }
  }

  private tick(): void {
    if (!this.listedRunning) return;
    if (this.grouping !== 'none') return this.refresh();
    const running = [...this.listed.values()].filter((node) => node.run.status === 'running');
    this.listedRunning = running.length > 0;
    for (const node of running) this.changed.fire(node);
  }

  getChildren(node?: RunsNode): RunsNode[] {
    if (!node) {
      this.listedRunning = false;
      const open = this.runtimes.open();
      if (open.length > 1) return open.map((runtime) => ({ kind: 'folder', runtime }));
      return open[0] ? this.runsOf(open[0]) : [];
    }
    if (node.kind === 'folder') return this.runsOf(node.runtime);
    if (node.kind === 'group') return node.runs.map((run) => this.runNode(node.runtime, run));
    if (node.kind === 'run') {
      const steps = node.runtime.engine.getRun(node.run.id).steps;
      const definitions = this.definitionsOf(node.runtime, node.run.id);
      return steps
        .filter((s) => s.parentRowId === null)
        .map((step) => ({ kind: 'step', runtime: node.runtime, run: node.run, step, definition: definitions.get(step.stepId) }));
    }
    return node.runtime.opened.store
      .listItems(node.step.id)
      .map((step) => ({ kind: 'step', runtime: node.runtime, run: node.run, step, definition: node.definition }));
  }

  /** Parent of a node (TreeView.reveal needs it). */
  getParent(node: RunsNode): RunsNode | undefined {
    if (node.kind === 'folder') return undefined;
    if (node.kind === 'group') return this.runtimes.open().length > 1 ? { kind: 'folder', runtime: node.runtime } : undefined;
    if (node.kind === 'run') {
      if (this.grouping !== 'none') {
        const group = this.runsOf(node.runtime).find((g) => g.kind === 'group' && g.runs.some((r) => r.id === node.run.id));
        if (group) return group;
      }
      return this.runtimes.open().length > 1 ? { kind: 'folder', runtime: node.runtime } : undefined;
    }
    if (node.step.parentRowId !== null) {
      const parent = node.runtime.opened.store.getStep(node.step.parentRowId);
      if (parent) return { kind: 'step', runtime: node.runtime, run: node.run, step: parent, definition: node.definition };
    }
    return { kind: 'run', runtime: node.runtime, run: node.run };
  }

  private runsOf(runtime: FolderRuntime): RunsNode[] {
    // Child runs of `workflow:` steps are reached through their parent step, not listed twice;
    // archived runs are put away (the board's @archived and `baton runs --archived` find them).
    const runs = runtime.engine.listRuns({ limit: RUNS_SHOWN, archived: false }).filter((run) => run.parentRunId === null);
    this.listedRunning ||= runs.some((run) => run.status === 'running');
    const shown = new Set(runs.map((run) => runKey(runtime, run.id)));
    for (const [key, node] of this.listed) if (node.runtime === runtime && !shown.has(key)) this.listed.delete(key);
    if (this.grouping === 'none') return runs.map((run) => this.runNode(runtime, run));
    const groups = new Map<string, RunRecord[]>();
    for (const run of runs) {
      const key = this.grouping === 'status' ? run.status : run.templateName || run.templateId;
      groups.set(key, [...(groups.get(key) ?? []), run]);
    }
    // Groups keep the order of their newest run, so what just happened stays on top.
    return [...groups].map(([label, grouped]) => ({ kind: 'group', runtime, label, runs: grouped }));
  }

  /** The node of a run, the same object as in the last listing, holding the record just read. */
  private runNode(runtime: FolderRuntime, run: RunRecord): RunNode {
    const key = runKey(runtime, run.id);
    const node = this.listed.get(key);
    if (node?.runtime === runtime) {
      node.run = run;
      return node;
    }
    const created: RunNode = { kind: 'run', runtime, run };
    this.listed.set(key, created);
    return created;
  }

  private definitionsOf(runtime: FolderRuntime, runId: string): Map<string, StepDefinition> {
    try {
      return new Map(runtime.engine.getRunDefinition(runId).steps.map((s) => [s.id, s]));
    } catch {
      return new Map();
    }
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    const now = Date.now();
    if (node.kind === 'folder') {
      const item = new vscode.TreeItem(node.runtime.folder.folder.name, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `folder:${node.runtime.folder.folder.uri}`;
      item.iconPath = vscode.ThemeIcon.Folder;
      item.contextValue = 'baton.folder';
      return item;
    }
    if (node.kind === 'group') {
      const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `group:${node.runtime.folder.folder.uri}:${this.grouping}:${node.label}`;
      item.description = `${node.runs.length}`;
      item.iconPath = this.grouping === 'status' ? statusIcon(node.label) : new vscode.ThemeIcon('symbol-event');
      return item;
    }
    if (node.kind === 'run') {
      const { run } = node;
      const item = new vscode.TreeItem(run.templateName || run.templateId, vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `run:${node.runtime.folder.folder.uri}:${run.id}`;
      item.iconPath = statusIcon(run.status);
      item.description = [run.status, run.phase, elapsedText(run.startedAt, run.finishedAt, now), formatAgo(run.createdAt, now)]
        .filter(Boolean)
        .join(' · ');
      item.contextValue = `baton.run.${run.status}`;
      // Like a file in the Explorer: a click opens the run's details (the arrow still expands it).
      item.command = { command: 'baton.openRunDetails', title: 'Open Run Details', arguments: [node] };
      const tooltip = new vscode.MarkdownString(`**${run.templateName}** \`${run.id}\`\n\n${run.status}, started by ${run.trigger.kind}`);
      if (run.error) tooltip.appendMarkdown(`\n\n**Error:** ${run.error}`);
      if (Object.keys(run.inputs).length > 0) tooltip.appendMarkdown(`\n\n**Inputs**${jsonBlock(run.inputs)}`);
      item.tooltip = tooltip;
      return item;
    }
    const { step } = node;
    const isForeach = step.parentRowId === null && node.definition?.foreach !== undefined;
    // An item is named by its value (a file, a package), which says more than its index.
    const label = step.itemKey !== null ? itemValueLabel(step.item) : (node.definition?.name ?? step.stepId);
    const item = new vscode.TreeItem(label, isForeach ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = `step:${node.runtime.folder.folder.uri}:${step.id}`;
    item.iconPath = statusIcon(step.status);
    item.description = [
      step.itemKey !== null ? `#${step.itemKey}` : undefined,
      step.status,
      isForeach ? itemCounts(node.runtime.opened.store.listItems(step.id)) : undefined,
      step.phase,
      elapsedText(step.startedAt, step.finishedAt, now),
      step.attempts > 1 ? `attempt ${step.attempts}` : undefined,
    ]
      .filter(Boolean)
      .join(' · ');
    // A foreach step has no log of its own (its items do): no Show Step Log on it.
    item.contextValue = `baton.step.${step.status}.${isForeach ? 'foreach' : step.kind}`;
    if (!isForeach && (step.kind === 'run' || step.kind === 'agent')) {
      item.command = { command: 'baton.showStepLog', title: 'Show Step Log', arguments: [node] };
    }
    const tooltip = new vscode.MarkdownString(`**${step.itemKey !== null ? `${step.stepId} #${step.itemKey}` : label}** (${step.kind}) — ${step.status}`);
    if (step.itemKey !== null) tooltip.appendMarkdown(`\n\n**Item**${jsonBlock(step.item)}`);
    if (step.error) tooltip.appendMarkdown(`\n\n**Error:** ${step.error}`);
    if (step.outputs && Object.keys(step.outputs).length > 0) tooltip.appendMarkdown(`\n\n**Outputs**${jsonBlock(step.outputs)}`);
    item.tooltip = tooltip;
    return item;
  }

  dispose(): void {
    clearInterval(this.ticker);
    for (const subscription of this.subscriptions) subscription.dispose();
    this.changed.dispose();
  }
}

function runKey(runtime: FolderRuntime, runId: string): string {
  return `${runtime.folder.databasePath}#${runId}`;
}
