/**
 * One Pseudoterminal per step: replays what the step printed so far and follows it live (script
 * output, agent turns rendered readably); Ctrl+C cancels the step's run; re-opening a finished
 * step shows its log. Reads the step's events.jsonl, so it works for steps run by any process.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { isStepFinished, type StepRecord } from '../core/model';
import type { FolderRuntime } from './folderRuntime';
import { currentUser } from './identity';
import { renderStepEvent, toTerminal } from './stepRender';

const FOLLOW_MS = 200;
/** How long after a step finished its terminal waits for lines still being written. */
const END_GRACE_MS = 3000;

export interface StepRef {
  runId: string;
  stepId: string;
  itemKey: string | null;
}

export class StepLogPty implements vscode.Pseudoterminal {
  private readonly writer = new vscode.EventEmitter<string>();
  readonly onDidWrite = this.writer.event;
  private readonly closed = new vscode.EventEmitter<void>();
  readonly onDidClose = this.closed.event;
  private timer: NodeJS.Timeout | undefined;
  private offset = 0;
  private partial = '';
  private reportedEnd = false;
  /** When a poll first saw the step finished. */
  private finishedSeenAt: number | undefined;
  /** Everything written so far (bounded), for tests and a future "copy log". */
  transcript = '';

  constructor(
    private readonly runtime: FolderRuntime,
    private readonly step: StepRef,
  ) {}

  private get eventsFile(): string {
    return join(this.runtime.opened.files.stepDir(this.step.runId, this.step.stepId, this.step.itemKey), 'events.jsonl');
  }

  private emit(text: string): void {
    this.transcript = (this.transcript + text).slice(-1_000_000);
    this.writer.fire(text);
  }

  open(): void {
    this.emit(toTerminal(`\x1b[1mBaton · ${this.step.stepId}${this.step.itemKey ? ` [${this.step.itemKey}]` : ''}\x1b[0m · run ${this.step.runId}\n`));
    this.follow();
    this.timer = setInterval(() => this.follow(), FOLLOW_MS);
  }

  private row(): StepRecord | undefined {
    try {
      return this.runtime.opened.store.findStep(this.step.runId, this.step.stepId, this.step.itemKey);
    } catch {
      return undefined;
    }
  }

  private follow(): void {
    const grew = this.readNew();
    const row = this.row();
    if (row && isStepFinished(row.status) && !this.reportedEnd) {
      // Step files are written behind the commit that finishes the step, so its last lines can
      // land a moment after the status: the end is reported after a poll that read nothing new.
      const now = Date.now();
      this.finishedSeenAt ??= now;
      if ((grew || this.finishedSeenAt === now) && now - this.finishedSeenAt < END_GRACE_MS) return;
      this.reportedEnd = true;
      const color = row.status === 'succeeded' ? '32' : row.status === 'failed' ? '31' : '33';
      this.emit(toTerminal(`\n\x1b[${color}m[${row.status}${row.error ? `: ${row.error}` : ''}]\x1b[0m\n`));
      if (this.timer) clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** Writes what the step's events file gained since the last read; true when it grew. */
  private readNew(): boolean {
    const file = this.eventsFile;
    if (!existsSync(file)) return false;
    const size = statSync(file).size;
    if (size <= this.offset) return false;
    const buffer = Buffer.alloc(size - this.offset);
    const fd = openSync(file, 'r');
    try {
      readSync(fd, buffer, 0, buffer.length, this.offset);
    } finally {
      closeSync(fd);
    }
    this.offset = size;
    const lines = (this.partial + buffer.toString('utf8')).split('\n');
    this.partial = lines.pop() ?? '';
    const text = lines.map(renderStepEvent).join('');
    if (text) this.emit(text);
    return true;
  }

  handleInput(data: string): void {
    if (data !== '\x03') return;
    const row = this.row();
    if (!row || isStepFinished(row.status)) return;
    try {
      this.runtime.engine.cancelRun(this.step.runId, { by: currentUser(), reason: `Ctrl+C in the terminal of step ${this.step.stepId}` });
      this.emit(toTerminal('\n^C cancelling…\n'));
    } catch (error) {
      this.emit(toTerminal(`\n${error instanceof Error ? error.message : String(error)}\n`));
    }
  }

  /** The user closed the terminal: stop following. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  dispose(): void {
    this.close();
    this.writer.dispose();
    this.closed.dispose();
  }
}

/** Opens (or shows again) the terminal of one step. */
export class StepTerminals implements vscode.Disposable {
  private readonly open = new Map<string, { terminal: vscode.Terminal; pty: StepLogPty }>();
  private readonly subscription = vscode.window.onDidCloseTerminal((closed) => {
    for (const [key, entry] of this.open) {
      if (entry.terminal === closed) {
        entry.pty.dispose();
        this.open.delete(key);
      }
    }
  });

  show(runtime: FolderRuntime, step: StepRef, options: { preserveFocus?: boolean } = {}): vscode.Terminal {
    const key = `${runtime.folder.databasePath}#${step.runId}#${step.stepId}#${step.itemKey ?? ''}`;
    const existing = this.open.get(key);
    if (existing) {
      existing.terminal.show(options.preserveFocus);
      return existing.terminal;
    }
    const pty = new StepLogPty(runtime, step);
    const run = runtime.engine.getRun(step.runId).run;
    const terminal = vscode.window.createTerminal({
      name: `Baton: ${run.templateName} › ${step.stepId}${step.itemKey ? `[${step.itemKey}]` : ''}`,
      pty,
      iconPath: new vscode.ThemeIcon('run-all'),
    });
    this.open.set(key, { terminal, pty });
    terminal.show(options.preserveFocus);
    return terminal;
  }

  /** The pseudoterminal behind an open terminal. */
  ptyOf(terminal: vscode.Terminal): StepLogPty | undefined {
    return [...this.open.values()].find((entry) => entry.terminal === terminal)?.pty;
  }

  /** Terminals currently open, by step (tests and the runs view use this). */
  openSteps(): StepRef[] {
    return [...this.open.keys()].map((key) => {
      const [, runId, stepId, itemKey] = key.split('#');
      return { runId: runId!, stepId: stepId!, itemKey: itemKey ? itemKey : null };
    });
  }

  dispose(): void {
    this.subscription.dispose();
    for (const { terminal, pty } of this.open.values()) {
      pty.dispose();
      terminal.dispose();
    }
    this.open.clear();
  }
}
