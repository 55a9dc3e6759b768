/**
 * A notification with Retry / Show Log for every run that fails in a folder's database while
 * this window is open, whoever started it (this window's palette, a trigger, the CLI, another
 * window). New failures are the `run.failed` events of the folder's event feed, which starts at
 * the database's last event when this window opened it; a database opened later than the window
 * started (one the CLI just created, a folder added) is first searched for runs that failed
 * since then. Old failures do not pop up at startup, and each failure notifies once per window.
 */
import * as vscode from 'vscode';
import { EventType, type StepRecord } from '../core/model';
import type { BatonContainer } from './container';
import type { FolderRuntime } from './folderRuntime';
import { itemValueLabel } from './format';
import type { FolderEvents } from './runtimes';

/** Failed runs looked at when a database is first seen. */
const CATCH_UP_RUNS = 20;

export class RunFailureNotifier implements vscode.Disposable {
  /** When this window started watching: failures before it are old news. */
  private readonly since = Date.now();
  /** Failures already notified, as database#run#finishedAt (a retried run that fails again is a new failure). */
  private readonly notified = new Set<string>();
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly container: BatonContainer) {
    this.subscriptions = [
      container.runtimes.onDidOpenRuntime((runtime) => this.guard(runtime, () => this.catchUp(runtime))),
      container.runtimes.onDidReceiveEvents((received) => this.guard(received.runtime, () => this.receive(received))),
    ];
    for (const runtime of container.runtimes.current()) this.guard(runtime, () => this.catchUp(runtime));
  }

  private guard(runtime: FolderRuntime, read: () => void): void {
    try {
      read();
    } catch (error) {
      this.container.log.warn(`reading failures of ${runtime.folder.databasePath} failed`, error);
    }
  }

  /** Runs that failed since this window started but before it opened the database. */
  private catchUp(runtime: FolderRuntime): void {
    for (const run of runtime.engine.listRuns({ status: 'failed', limit: CATCH_UP_RUNS })) {
      if (run.finishedAt !== null && run.finishedAt >= this.since) this.notifyOnce(runtime, run.id);
    }
  }

  private receive({ runtime, batch }: FolderEvents): void {
    for (const event of batch.events) {
      if (event.type === EventType.RunFailed && event.runId) this.notifyOnce(runtime, event.runId);
    }
  }

  private notifyOnce(runtime: FolderRuntime, runId: string): void {
    const { run } = runtime.engine.getRun(runId);
    // A child run's failure reaches the user through its parent run's.
    if (run.status !== 'failed' || run.parentRunId !== null) return;
    const key = `${runtime.folder.databasePath}#${run.id}#${run.finishedAt ?? ''}`;
    if (this.notified.has(key)) return;
    this.notified.add(key);
    void this.notify(runtime, runId);
  }

  private async notify(runtime: FolderRuntime, runId: string): Promise<void> {
    const { run, steps } = runtime.engine.getRun(runId);
    const failedStep = stepToShow(steps);
    const what = failedStep
      ? `step ${failedStep.stepId}${failedStep.itemKey !== null ? ` (${itemValueLabel(failedStep.item, 40)})` : ''} failed${failedStep.error ? `: ${failedStep.error}` : ''}`
      : (run.error ?? 'a step failed');
    const retry = 'Retry';
    const showLog = 'Show Log';
    const answer = await vscode.window.showErrorMessage(`Baton: ${run.templateName} failed — ${what}`, retry, showLog);
    if (answer === retry) await vscode.commands.executeCommand('baton.retryRun', run.id);
    if (answer === showLog) {
      if (failedStep) this.container.terminals.show(runtime, { runId: run.id, stepId: failedStep.stepId, itemKey: failedStep.itemKey });
      else this.container.log.show();
    }
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}

/** The failed step whose log explains the failure: a failed foreach item rather than its parent row. */
function stepToShow(steps: StepRecord[]): StepRecord | undefined {
  const failed = steps.filter((step) => step.status === 'failed');
  const parents = new Set(steps.map((step) => step.parentRowId).filter((id) => id !== null));
  return failed.find((step) => !parents.has(step.id)) ?? failed[0];
}
