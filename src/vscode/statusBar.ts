/** Status bar: how many runs are running and waiting for a gate; a click opens the Runs view. */
import * as vscode from 'vscode';
import type { FolderRuntimes } from './runtimes';

export class RunsStatusBar implements vscode.Disposable {
  readonly item = vscode.window.createStatusBarItem('baton.runs', vscode.StatusBarAlignment.Left, 50);
  private readonly subscription: vscode.Disposable;

  constructor(private readonly runtimes: FolderRuntimes) {
    this.item.name = 'Baton runs';
    this.item.command = 'baton.runs.focus';
    this.subscription = runtimes.onDidChange(() => this.update());
  }

  /** Counts active runs over every folder's database. */
  counts(): { running: number; waiting: number } {
    let running = 0;
    let waiting = 0;
    for (const runtime of this.runtimes.open()) {
      running += runtime.engine.listRuns({ status: ['pending', 'running'], limit: 1000 }).length;
      waiting += runtime.engine.listRuns({ status: 'waiting', limit: 1000 }).length;
    }
    return { running, waiting };
  }

  update(): void {
    const { running, waiting } = this.counts();
    if (running === 0 && waiting === 0) {
      this.item.hide();
      return;
    }
    const parts = [];
    if (running > 0) parts.push(`$(sync~spin) ${running}`);
    if (waiting > 0) parts.push(`$(bell) ${waiting}`);
    this.item.text = `Baton ${parts.join(' ')}`;
    this.item.tooltip = `Baton: ${running} running, ${waiting} waiting for approval`;
    this.item.show();
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
