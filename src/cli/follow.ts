/**
 * Executing a run in the CLI process while showing its progress: `run`, `resume`, `retry` and
 * `rerun` all end here. On a TTY a live step list is redrawn in place; otherwise (CI logs,
 * pipes) every step transition and output line is printed once, as plain lines.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createInterface, type Interface as ReadlineInterface } from 'node:readline/promises';
import { describeError } from '../core/errors';
import { RunStatus, isRunFinished, isStepFinished, type EventRecord, type GateRecord, type RunRecord, type StepRecord } from '../core/model';
import type { CliIO } from './commands';
import { ExitCode } from './main';
import { firstLine, formatDuration, lastLines, renderEvent, renderStepLines, stepLabel } from './format';
import { currentUser, type CliRuntime } from './runtime';

/** Lines of a failed step's log printed when a run fails. */
export const FAILED_LOG_TAIL_LINES = 20;

/**
 * A run and the child runs its `workflow:` steps started (recursively), each with the label
 * its steps are shown under: '' for the run itself, `deploy › ` for the child of step deploy.
 */
export function runTree(runtime: CliRuntime, runId: string): Map<string, string> {
  const labels = new Map<string, string>([[runId, '']]);
  const queue = [runId];
  while (queue.length > 0) {
    const parentId = queue.shift()!;
    const parentLabel = labels.get(parentId)!;
    for (const child of runtime.engine.store.listRuns({ parentRunId: parentId, limit: 1000 })) {
      if (labels.has(child.id)) continue;
      const step = child.parentStepRowId === null ? undefined : runtime.engine.store.getStep(child.parentStepRowId);
      labels.set(child.id, `${parentLabel}${step ? stepLabel(step) : child.templateId} › `);
      queue.push(child.id);
    }
  }
  return labels;
}

export interface FollowOptions {
  json: boolean;
  /** Ask on the terminal when a gate waits (default: when stdin and stdout are terminals). */
  promptGates?: boolean;
  /** Print events after this id (those before it were shown already or are history). */
  afterEventId: number;
  maxConcurrency?: number;
}

/**
 * Executes the ready steps of this run and its child runs (never another run's: a `baton worker`
 * or another `baton run` owns those) until the run finishes, pauses, or the user interrupts.
 * Returns the exit code: 0 succeeded, 1 failed, cancelled or paused, 130 interrupted (the run
 * stays resumable: running steps are handed back).
 */
export async function executeAndFollow(runtime: CliRuntime, runId: string, io: CliIO, options: FollowOptions): Promise<number> {
  const { engine } = runtime;
  const view: ProgressView = options.json
    ? { update() {}, finish() {} }
    : io.isTTY
      ? new LiveStepList(io, runId, options.afterEventId)
      : new PlainProgress(io, runId, options.afterEventId);

  const stdinIsTTY = Boolean((io.stdin as { isTTY?: boolean }).isTTY);
  const prompter =
    !options.json && io.isTTY && (options.promptGates ?? stdinIsTTY) ? new GatePrompter(io, runtime, runId) : undefined;
  const refresh = () => {
    const detail = engine.getRun(runId);
    if (!prompter?.active) view.update(detail.run, detail.steps, runtime);
    prompter?.check(() => view.finish(detail.run));
    return detail.run;
  };
  let stopReason: 'finished' | 'paused' | undefined;
  const done = () => {
    const run = engine.store.getRun(runId);
    if (!run) return true;
    if (isRunFinished(run.status)) stopReason = 'finished';
    else if (run.status === RunStatus.Paused && !engine.store.listSteps(runId).some((s) => s.status === 'running')) {
      stopReason = 'paused';
    }
    return stopReason !== undefined;
  };

  refresh();
  const unsubscribe = engine.onChange(() => scheduleRefresh());
  let refreshTimer: NodeJS.Timeout | undefined;
  const scheduleRefresh = () => {
    refreshTimer ??= setTimeout(() => {
      refreshTimer = undefined;
      refresh();
    }, 50);
  };
  // Changes made by other processes (a gate approved elsewhere) do not call onChange.
  const ticker = setInterval(() => refresh(), io.isTTY ? 250 : 500);
  try {
    const runIds = () => engine.runTreeIds(runId);
    const worker = runtime.newWorker(
      options.maxConcurrency === undefined ? { runIds } : { maxConcurrency: options.maxConcurrency, runIds },
    );
    await worker.run({ until: done, ...(io.signal ? { signal: io.signal } : {}) });
  } finally {
    prompter?.close();
    unsubscribe();
    clearInterval(ticker);
    if (refreshTimer) clearTimeout(refreshTimer);
  }
  const run = refresh();
  view.finish(run);
  const steps = engine.store.listSteps(runId);

  if (options.json) {
    io.stdout(`${JSON.stringify({ run, steps }, null, 2)}\n`);
  } else {
    io.stdout(outcomeText(run, steps, runtime));
  }
  if (run.status === RunStatus.Succeeded) return 0;
  if (!isRunFinished(run.status) && stopReason === undefined) return ExitCode.Interrupted;
  return 1;
}

/** The closing lines: outcome, and for a failed run each failed step with its log tail. */
function outcomeText(run: RunRecord, steps: readonly StepRecord[], runtime: CliRuntime): string {
  const took = run.startedAt !== null && run.finishedAt !== null ? ` in ${formatDuration(run.finishedAt - run.startedAt)}` : '';
  switch (run.status) {
    case RunStatus.Succeeded:
      return `✓ run ${run.id} succeeded${took}\n`;
    case RunStatus.Cancelled:
      return `⊘ run ${run.id} cancelled${run.error ? `: ${run.error}` : ''}\n`;
    case RunStatus.Paused:
      return `⏸ run ${run.id} is paused; continue it with: baton resume ${run.id}\n`;
    case RunStatus.Failed: {
      const lines = [`✗ run ${run.id} failed${took}`];
      for (const { label, step, runId } of failedLeaves(runtime, run.id, steps, '')) {
        lines.push('', `step ${label} failed: ${step.error ?? 'no error recorded'}`);
        const logPath = runtime.engine.stepLogPath(runId, step.stepId, step.itemKey);
        const tail = existsSync(logPath) ? lastLines(readFileSync(logPath, 'utf8'), FAILED_LOG_TAIL_LINES) : [];
        if (tail.length > 0) {
          lines.push(`--- last ${tail.length} lines of ${logPath} ---`, ...tail.map((l) => `  ${l}`), '---');
        } else {
          lines.push('(the step wrote no output)');
        }
      }
      lines.push('', `fix the cause, then: baton resume ${run.id}   (finished steps are not run again)`);
      return `${lines.join('\n')}\n`;
    }
    default:
      return `run ${run.id} is ${run.status}; continue it with: baton resume ${run.id}\n`;
  }
}

/** A foreach step fails because its items did; show the items, not the parent twice. */
function hasFailedItems(step: StepRecord, steps: readonly StepRecord[]): boolean {
  return steps.some((s) => s.parentRowId === step.id && s.status === 'failed');
}

/**
 * The failed steps that explain a failed run: foreach items rather than their parent, and
 * for a failed `workflow:` step the failed steps of its child run (where the log is).
 */
function failedLeaves(
  runtime: CliRuntime,
  runId: string,
  steps: readonly StepRecord[],
  prefix: string,
): Array<{ label: string; step: StepRecord; runId: string }> {
  const result: Array<{ label: string; step: StepRecord; runId: string }> = [];
  for (const step of steps.filter((s) => s.status === 'failed' && !hasFailedItems(s, steps))) {
    const child = step.childRunId ? runtime.engine.store.getRun(step.childRunId) : undefined;
    const childSteps = child ? runtime.engine.store.listSteps(child.id) : [];
    const nested = child ? failedLeaves(runtime, child.id, childSteps, `${prefix}${stepLabel(step)} › `) : [];
    if (nested.length > 0) result.push(...nested);
    else result.push({ label: `${prefix}${stepLabel(step)}`, step, runId });
  }
  return result;
}

/**
 * Asks on the terminal whether to approve a gate of the followed run (or its child runs) as
 * soon as one waits: `y` approves, `n` rejects, Enter leaves it waiting (for `baton approve`
 * elsewhere). The question is withdrawn when the gate is decided elsewhere or the run ends.
 */
class GatePrompter {
  private asking: { gateKey: string; controller: AbortController } | undefined;
  private readonly skipped = new Set<string>();
  private rl: ReadlineInterface | undefined;

  constructor(
    private readonly io: CliIO,
    private readonly runtime: CliRuntime,
    private readonly runId: string,
  ) {}

  /** True while a question is on the screen (the live view must not redraw over it). */
  get active(): boolean {
    return this.asking !== undefined;
  }

  /** Starts a question for the first open gate, or withdraws one that is no longer open. */
  check(beforeAsking: () => void): void {
    const tree = runTree(this.runtime, this.runId);
    const open = [...tree.keys()].flatMap((id) =>
      this.runtime.engine.store.listGates(id).filter((g) => g.decision === null).map((gate) => ({ gate, prefix: tree.get(id)! })),
    );
    const key = (g: GateRecord) => `${g.runId}/${g.stepId}/${g.itemKey ?? ''}`;
    if (this.asking) {
      if (!open.some(({ gate }) => key(gate) === this.asking!.gateKey)) this.asking.controller.abort();
      return;
    }
    const next = open.find(({ gate }) => !this.skipped.has(key(gate)));
    if (!next) return;
    beforeAsking();
    void this.ask(next.gate, next.prefix, key(next.gate));
  }

  private async ask(gate: GateRecord, prefix: string, gateKey: string): Promise<void> {
    const controller = new AbortController();
    this.asking = { gateKey, controller };
    this.rl ??= createInterface({ input: this.io.stdin, terminal: false });
    const label = `${prefix}${gate.stepId}${gate.itemKey ? `[${gate.itemKey}]` : ''}`;
    // Listen before asking, so an answer typed at once is not lost.
    const pending = this.rl.question('', { signal: controller.signal });
    this.io.stdout(`⏸ ${label}: ${firstLine(gate.message)}\n  approve? [y]es / [n]o / [Enter] leave it waiting: `);
    let answer: string | undefined;
    try {
      answer = await pending;
    } catch {
      this.io.stdout('\n  (decided elsewhere)\n');
    }
    const choice = answer?.trim().toLowerCase();
    try {
      if (choice === 'y' || choice === 'yes' || choice === 'n' || choice === 'no') {
        const decision = choice.startsWith('y') ? 'approve' : 'reject';
        const decided = this.runtime.engine.decideGate(gate.runId, gate.stepId, {
          decision,
          by: currentUser(this.io),
          ...(gate.itemKey === null ? {} : { itemKey: gate.itemKey }),
        });
        this.io.stdout(`  ${decided.decision} by ${decided.decidedBy ?? '?'}\n`);
      } else if (answer !== undefined) {
        this.skipped.add(gateKey);
        this.io.stdout(`  left waiting: baton approve ${gate.runId} ${gate.stepId}\n`);
      }
    } catch (error) {
      // Decided elsewhere meanwhile, not an approver, a required form field…: say so, keep going.
      this.skipped.add(gateKey);
      this.io.stdout(`  could not decide: ${describeError(error)}\n`);
    } finally {
      this.asking = undefined;
    }
  }

  close(): void {
    this.asking?.controller.abort();
    this.rl?.close();
  }
}

interface ProgressView {
  update(run: RunRecord, steps: readonly StepRecord[], runtime: CliRuntime): void;
  finish(run: RunRecord): void;
}

/** Redraws the step list in place (ANSI cursor movement); only used on a terminal. */
class LiveStepList implements ProgressView {
  private drawnLines = 0;
  private lastFrame = '';
  private cursor: number;
  /** Last non-empty output line of each step instance, shown under it while it runs. */
  private readonly lastOutput = new Map<string, string>();
  private readonly width: number;

  constructor(
    private readonly io: CliIO,
    private readonly runId: string,
    afterEventId: number,
  ) {
    this.cursor = afterEventId;
    const columns = Number(io.env.COLUMNS);
    this.width = Number.isInteger(columns) && columns > 20 ? columns : 100;
  }

  update(run: RunRecord, steps: readonly StepRecord[], runtime: CliRuntime): void {
    this.readOutput(runtime);
    const lines = [`run ${run.id}  ${run.templateId}  ${run.status}${run.phase ? `  phase ${run.phase}` : ''}`];
    this.pushSteps(lines, steps, runtime, '', 0);
    for (const gate of runtime.engine.store.listGates(this.runId).filter((g) => g.decision === null)) {
      lines.push(`  waiting for approval: baton approve ${run.id} ${gate.stepId}${gate.itemKey ? ` --item ${gate.itemKey}` : ''}`);
    }
    // A line wider than the terminal wraps and would break the cursor arithmetic below.
    const fitted = lines.map((line) => fit(line, this.width));
    const frame = fitted.join('\n');
    if (frame === this.lastFrame) return;
    this.lastFrame = frame;
    const erase = this.drawnLines > 0 ? `\x1b[${this.drawnLines}A\x1b[0J` : '';
    this.io.stdout(`${erase}${frame}\n`);
    this.drawnLines = fitted.length;
  }

  finish(): void {
    // Whatever comes next (a prompt, the outcome) stays; the next frame is drawn below it.
    this.drawnLines = 0;
    this.lastFrame = '';
  }

  /** Step lines, a running step's last output under it, and a workflow step's child run nested. */
  private pushSteps(lines: string[], steps: readonly StepRecord[], runtime: CliRuntime, indent: string, depth: number): void {
    const stepLines = renderStepLines(steps, Date.now());
    steps.forEach((step, i) => {
      lines.push(`${indent}${stepLines[i]!}`);
      const output = depth === 0 && step.status === 'running' ? this.lastOutput.get(stepLabel(step)) : undefined;
      if (output) lines.push(`${indent}      \x1b[2m› ${output}\x1b[22m`);
      if (step.childRunId && depth < 3 && !isStepFinished(step.status)) {
        this.pushSteps(lines, runtime.engine.store.listSteps(step.childRunId), runtime, `${indent}    `, depth + 1);
      }
    });
  }

  private readOutput(runtime: CliRuntime): void {
    for (;;) {
      const batch = runtime.engine.listEvents(this.cursor, { runId: this.runId, limit: 500 });
      for (const event of batch) {
        const text = event.type === 'step.progress' ? event.payload.text : undefined;
        if (typeof text !== 'string' || event.stepId === null) continue;
        const line = text.split('\n').filter((l) => l.trim() !== '').pop();
        if (line) this.lastOutput.set(event.itemKey === null ? event.stepId : `${event.stepId}[${event.itemKey}]`, line.trim());
      }
      if (batch.length > 0) this.cursor = batch[batch.length - 1]!.id;
      if (batch.length < 500) return;
    }
  }
}

/** Cuts a line to `width` visible characters (escape sequences do not count). */
function fit(line: string, width: number): string {
  const plain = line.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
  if (plain.length <= width) return line;
  return `${plain.slice(0, width - 1)}…`;
}

/** Prints each new event of the run once, as a plain line; step output lines are prefixed. */
class PlainProgress implements ProgressView {
  private cursor: number;
  private gateHintShown = new Set<string>();

  constructor(
    private readonly io: CliIO,
    private readonly runId: string,
    afterEventId: number,
  ) {
    this.cursor = afterEventId;
  }

  update(_run: RunRecord, _steps: readonly StepRecord[], runtime: CliRuntime): void {
    // Child runs (workflow: steps) are followed too, their steps shown as `parent › child`.
    for (;;) {
      const batch = runtime.engine.listEvents(this.cursor, { limit: 500 });
      // After reading: a child run whose events are in the batch is committed, so it is found.
      const tree = runTree(runtime, this.runId);
      for (const event of batch) {
        const prefix = tree.get(event.runId);
        if (prefix !== undefined) this.print(event, prefix);
      }
      if (batch.length > 0) this.cursor = batch[batch.length - 1]!.id;
      if (batch.length < 500) return;
    }
  }

  finish(): void {}

  private print(event: EventRecord, prefix: string): void {
    const label = event.stepId ? `${prefix}${event.itemKey === null ? event.stepId : `${event.stepId}[${event.itemKey}]`}` : '';
    // Run-level events of a child run are implied by its parent step's lines.
    if (prefix !== '' && event.stepId === null) return;
    const p = event.payload;
    const text = (key: string) => (typeof p[key] === 'string' ? (p[key] as string) : '');
    switch (event.type) {
      case 'step.progress': {
        const output = text('text');
        if (!output) return;
        const lines = output.endsWith('\n') ? output.slice(0, -1).split('\n') : output.split('\n');
        this.io.stdout(lines.map((l) => `  ${label} | ${l}\n`).join(''));
        return;
      }
      case 'step.started':
        this.io.stdout(`▶ ${label}${typeof p.attempt === 'number' && p.attempt > 1 ? ` (attempt ${p.attempt})` : ''}\n`);
        return;
      case 'step.succeeded':
        this.io.stdout(`✓ ${label}\n`);
        return;
      case 'step.failed':
        this.io.stdout(`✗ ${label}: ${firstLine(text('error') || 'failed')}${p.continueOnError ? ' (continue_on_error)' : ''}\n`);
        return;
      case 'step.retrying': {
        const delay = typeof p.delayMs === 'number' ? ` in ${formatDuration(p.delayMs)}` : '';
        this.io.stdout(`↻ ${label} attempt ${String(p.attempt ?? '?')} failed: ${firstLine(text('error'))}; retrying${delay}\n`);
        return;
      }
      case 'step.skipped':
        this.io.stdout(`- ${label} skipped${text('reason') ? `: ${text('reason')}` : ''}\n`);
        return;
      case 'step.cancelled':
        this.io.stdout(`⊘ ${label} cancelled\n`);
        return;
      case 'gate.requested':
        if (this.gateHintShown.has(label)) return;
        this.gateHintShown.add(label);
        this.io.stdout(
          `⏸ ${label} waiting for approval: ${firstLine(text('message'))}\n    baton approve ${event.runId} ${event.stepId ?? ''}${event.itemKey ? ` --item ${event.itemKey}` : ''}   |   baton reject ${event.runId} ${event.stepId ?? ''}\n`,
        );
        return;
      case 'gate.decided':
        this.io.stdout(`${p.decision === 'approved' ? '✓' : '✗'} ${label} ${text('decision')}${text('by') ? ` by ${text('by')}` : ''}\n`);
        return;
      case 'step.reset':
        this.io.stdout(`↺ ${label} will run again\n`);
        return;
      case 'run.resumed':
        this.io.stdout(`run resumed${text('by') ? ` by ${text('by')}` : ''}\n`);
        return;
      case 'run.paused':
        this.io.stdout(`run paused${text('by') ? ` by ${text('by')}` : ''}\n`);
        return;
      case 'step.ready':
      case 'step.waiting':
      case 'run.created':
      case 'run.started':
      case 'run.succeeded':
      case 'run.failed':
      case 'run.cancelled':
        // Shown by the closing summary or implied by the next line.
        return;
      default:
        this.io.stdout(`${renderEvent(event, { withRun: false })}\n`);
    }
  }
}
