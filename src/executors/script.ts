/**
 * Executor for `run:` steps: a shell script run like a GitHub Actions `run:` step.
 *
 * - The (already interpolated) script is run with `bash --noprofile --norc -e -o pipefail` by
 *   default, or the step's `shell` (`bash`, `sh`, `python`, `node`, `pwsh`, or a command line
 *   containing `{0}` for the file). bash and sh get it with `-c`; a script holding a secret
 *   value (argv is readable by every user through /proc), a very long one, another shell, or
 *   Windows get a file `<stepDir>/script.<ext>` (mode 0600), deleted afterwards.
 * - `$BATON_OUTPUT` and `$BATON_SUMMARY` name files in the step folder that the script creates
 *   when it writes to them (`>>`); a missing file means no outputs / no summary. A later
 *   attempt first deletes the previous attempt's files. (Creating three files per step cost
 *   more than starting the shell on slow disks.)
 * - Environment: Baton's own environment, then the step's `env`, then `BATON_*` variables:
 *   `BATON_OUTPUT` (outputs file, GitHub `$GITHUB_OUTPUT` format), `BATON_SUMMARY` (markdown
 *   summary), `BATON_RUN_ID`, `BATON_STEP_ID`, `BATON_ATTEMPT`, `BATON_STEP_DIR`,
 *   `BATON_ARTIFACTS_DIR` and, for foreach instances, `BATON_ITEM_KEY`.
 * - Outputs: the names the script wrote to `$BATON_OUTPUT` (strings), plus two that Baton
 *   sets and a script may not: `exit_code` (number; -1 when killed by a signal) and
 *   `stdout_tail` (the last 50 lines of stdout, at most 16 KiB). Both are present on failure
 *   too, so `continue_on_error` steps can be inspected.
 * - stdout/stderr stream to `ctx.progress` as `output` events, a line at a time (a partial
 *   line is flushed after a short pause). Every reported text has `ctx.secrets` redacted.
 * - Non-zero exit: failed, retryable. Timeout: failed, retryable, "timed out". Cancelled
 *   (ctx.signal aborted): failed, not retryable. Missing shell: failed, not retryable.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BatonError, StepFailedError, StepTimeoutError, describeError } from '../core/errors';
import type { Outputs } from '../core/model';
import type { StepExecutionContext, StepExecutionResult, StepExecutor } from '../core/ports';
import { parseOutputsFile } from './output-file';
import { runProcess, type ProcessResult } from './process';
import { createRedactor, type Redactor } from './redact';

/** Lines of stdout kept in the `stdout_tail` output. */
export const STDOUT_TAIL_LINES = 50;
/** Output names Baton sets itself. */
export const RESERVED_OUTPUTS = ['exit_code', 'stdout_tail'] as const;
/** Name of the outputs file inside the step folder (`$BATON_OUTPUT`). */
export const OUTPUT_FILE_NAME = 'baton-output.txt';
/** Name of the summary file inside the step folder (`$BATON_SUMMARY`). */
export const SUMMARY_FILE_NAME = 'summary.md';

const MAX_SUMMARY_BYTES = 1024 * 1024;
/** `stdout_tail` is stored with the step's outputs: keep it small even when lines are huge. */
const MAX_TAIL_CHARS = 16 * 1024;
/** A partial line (progress bar, prompt) is reported after this long without a newline. */
const PARTIAL_LINE_FLUSH_MS = 150;
/** Scripts longer than this go through a file (Linux caps one argv string at 128 KiB). */
const MAX_INLINE_SCRIPT_CHARS = 32 * 1024;

export interface ScriptExecutorOptions {
  /** Environment the scripts start from (default: this process's environment). */
  baseEnv?: Record<string, string | undefined>;
  /** SIGTERM -> SIGKILL grace on timeout/cancel (default: runProcess's 5 s). */
  killGraceMs?: number;
}

/** How a shell name becomes a command line for a script file. */
interface ShellCommand {
  command: string;
  args: string[];
  extension: string;
}

/**
 * The command line that runs `script` inline (`bash -c`), or undefined when it must go through
 * a file: another shell, Windows, a long script, or one holding a secret value.
 */
export function inlineShellCommandFor(shell: string | undefined, script: string, secrets: readonly string[]): ShellCommand | undefined {
  if (process.platform === 'win32' || script.length > MAX_INLINE_SCRIPT_CHARS) return undefined;
  if (secrets.some((secret) => secret.length > 0 && script.includes(secret))) return undefined;
  switch (shell?.trim() ?? 'bash') {
    case 'bash':
      return { command: 'bash', args: ['--noprofile', '--norc', '-e', '-o', 'pipefail', '-c', script], extension: '' };
    case 'sh':
      return { command: 'sh', args: ['-e', '-c', script], extension: '' };
    default:
      return undefined;
  }
}

/** Resolves the `shell:` field (GitHub Actions' conventions) for a script file. */
export function shellCommandFor(shell: string | undefined, scriptFile: (extension: string) => string): ShellCommand {
  const named = (command: string, args: string[], extension: string): ShellCommand => ({
    command,
    args: [...args, scriptFile(extension)],
    extension,
  });
  switch (shell?.trim() ?? 'bash') {
    case 'bash':
      return named('bash', ['--noprofile', '--norc', '-e', '-o', 'pipefail'], '.sh');
    case 'sh':
      return named('sh', ['-e'], '.sh');
    case 'python':
      return named('python3', [], '.py');
    case 'node':
      return named('node', [], '.cjs');
    case 'pwsh':
      return named('pwsh', ['-NoProfile', '-NonInteractive', '-File'], '.ps1');
    default: {
      const parts = shell!.trim().split(/\s+/);
      const extension = '.sh';
      const file = scriptFile(extension);
      const hasPlaceholder = parts.some((p) => p.includes('{0}'));
      const args = parts.slice(1).map((p) => p.replaceAll('{0}', file));
      return { command: parts[0]!, args: hasPlaceholder ? args : [...args, file], extension };
    }
  }
}

/** The `StepExecutor` for `run:` steps. */
export class ScriptExecutor implements StepExecutor {
  readonly kind = 'run';
  readonly builtinOutputs = RESERVED_OUTPUTS;
  readonly needsStepDir = true;

  /** Artifacts folders this executor created (one per run; a mkdir per step cost a syscall pair). */
  private readonly artifactDirs = new Set<string>();

  constructor(private readonly options: ScriptExecutorOptions = {}) {}

  async execute(ctx: StepExecutionContext): Promise<StepExecutionResult> {
    if (ctx.step.kind !== 'run') {
      return { kind: 'failed', error: `the run executor cannot execute a ${ctx.step.kind} step`, retryable: false };
    }
    const redact = createRedactor(ctx.secrets);
    const script = typeof ctx.resolved.run === 'string' ? ctx.resolved.run : ctx.step.run;
    const shellField = typeof ctx.resolved.shell === 'string' ? ctx.resolved.shell : ctx.step.shell;

    // Synchronous on purpose: a thread-pool round trip for each of these small calls costs more
    // than the call itself (script steps should cost little more than a spawn). Under the engine
    // the folder exists already (needsStepDir): this is one cheap EEXIST.
    mkdirSync(ctx.stepDir, { recursive: true });
    // BATON_ARTIFACTS_DIR must exist for `cp report.html "$BATON_ARTIFACTS_DIR"`.
    if (!this.artifactDirs.has(ctx.artifactsDir)) {
      mkdirSync(ctx.artifactsDir, { recursive: true });
      if (this.artifactDirs.size >= 1000) this.artifactDirs.clear();
      this.artifactDirs.add(ctx.artifactsDir);
    }
    const outputFile = join(ctx.stepDir, OUTPUT_FILE_NAME);
    const summaryFile = join(ctx.stepDir, SUMMARY_FILE_NAME);
    // A retry never sees the previous attempt's outputs (the first attempt has none to remove).
    if (ctx.attempt > 1) {
      rmSync(outputFile, { force: true });
      rmSync(summaryFile, { force: true });
    }
    const inline = inlineShellCommandFor(shellField, script, ctx.secrets);
    const shell = inline ?? shellCommandFor(shellField, (ext) => join(ctx.stepDir, `script${ext}`));
    const scriptFile = inline ? undefined : join(ctx.stepDir, `script${shell.extension}`);
    if (scriptFile) writeFileSync(scriptFile, script, { mode: 0o600 });

    const env: Record<string, string | undefined> = {
      ...(this.options.baseEnv ?? process.env),
      ...ctx.env,
      BATON_OUTPUT: outputFile,
      BATON_SUMMARY: summaryFile,
      BATON_RUN_ID: ctx.runId,
      BATON_STEP_ID: ctx.step.id,
      BATON_ATTEMPT: String(ctx.attempt),
      BATON_STEP_DIR: ctx.stepDir,
      BATON_ARTIFACTS_DIR: ctx.artifactsDir,
    };
    if (ctx.itemKey !== undefined) env.BATON_ITEM_KEY = ctx.itemKey;

    const tail = new LineTail(STDOUT_TAIL_LINES);
    let lastStderrLine = '';
    const stdout = new LineBuffer((text) => {
      tail.push(text);
      ctx.progress({ kind: 'output', stream: 'stdout', text: redact(text) });
    });
    const stderr = new LineBuffer((text) => {
      const lines = text.split('\n').filter((l) => l.trim() !== '');
      if (lines.length > 0) lastStderrLine = lines[lines.length - 1]!;
      ctx.progress({ kind: 'output', stream: 'stderr', text: redact(text) });
    });

    let result: ProcessResult;
    try {
      result = await runProcess({
        command: shell.command,
        args: shell.args,
        cwd: ctx.cwd,
        env,
        signal: ctx.signal,
        timeoutMs: ctx.timeoutMs,
        killGraceMs: this.options.killGraceMs,
        installHint: `the step's shell "${shell.command}" is not installed or not on PATH`,
        onStdout: (chunk) => stdout.write(chunk),
        onStderr: (chunk) => stderr.write(chunk),
      });
    } catch (error) {
      if (error instanceof BatonError) return { kind: 'failed', error: redact(error.message), retryable: error.retryable };
      throw error;
    } finally {
      stdout.end();
      stderr.end();
      // The interpolated script may contain secrets; it must not stay in the run folder.
      if (scriptFile) rmSync(scriptFile, { force: true });
    }

    const base: Outputs = { exit_code: result.exitCode ?? -1, stdout_tail: redact(tail.text()) };
    const summary = readSummary(summaryFile, redact);
    const outputText = readText(outputFile);
    if (ctx.secrets.length > 0) {
      // What the script wrote stays on disk for debugging, but never with secrets in it.
      if (outputText !== '') writeFileSync(outputFile, redact(outputText));
      if (summary !== undefined) writeFileSync(summaryFile, summary);
      else rmSync(summaryFile, { force: true });
    }

    if (result.timedOut || (result.cancelled && ctx.signal.reason instanceof StepTimeoutError)) {
      const ms = ctx.timeoutMs ?? (ctx.signal.reason as StepTimeoutError).timeoutMs;
      return {
        kind: 'failed',
        error: new StepTimeoutError(ms).message,
        retryable: true,
        outputs: base,
      };
    }
    if (result.cancelled) {
      return { kind: 'failed', error: 'cancelled: the script was stopped', retryable: false, outputs: base };
    }

    let scriptOutputs: Record<string, string>;
    try {
      scriptOutputs = parseOutputsFile(outputText, `$BATON_OUTPUT (${outputFile})`);
      const reserved = RESERVED_OUTPUTS.find((name) => name in scriptOutputs);
      if (reserved) {
        throw new StepFailedError(`$BATON_OUTPUT (${outputFile}): output name "${reserved}" is reserved: Baton sets it`, {
          retryable: false,
        });
      }
    } catch (error) {
      if (result.exitCode !== 0) {
        // The exit code is the better explanation; a half-written outputs file is expected then.
        scriptOutputs = {};
      } else {
        const retryable = error instanceof BatonError ? error.retryable : false;
        return { kind: 'failed', error: redact(describeError(error)), retryable, exitCode: 0, outputs: base };
      }
    }
    const outputs: Outputs = { ...redactValues(scriptOutputs, redact), ...base };

    if (result.exitCode === 0) {
      return summary === undefined ? { kind: 'succeeded', outputs } : { kind: 'succeeded', outputs, summary };
    }
    const how = result.exitCode === null ? `was killed by ${result.signal ?? 'a signal'}` : `exited with code ${result.exitCode}`;
    const detail = lastStderrLine ? `: ${truncate(redact(lastStderrLine.trim()), 200)}` : '';
    return {
      kind: 'failed',
      error: `script ${how}${detail}`,
      retryable: true,
      ...(result.exitCode === null ? {} : { exitCode: result.exitCode }),
      outputs,
    };
  }
}

/** A file's text, or '' when the script never created it (most scripts write neither file). */
function readText(file: string): string {
  // existsSync first: a missing file is the common case, and a thrown ENOENT costs a stack trace.
  if (!existsSync(file)) return '';
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function readSummary(file: string, redact: Redactor): string | undefined {
  let text = readText(file);
  if (text.trim() === '') return undefined;
  if (text.length > MAX_SUMMARY_BYTES) text = `${text.slice(0, MAX_SUMMARY_BYTES)}\n\n…(summary truncated at 1 MiB)\n`;
  return redact(text);
}

function redactValues(values: Record<string, string>, redact: Redactor): Outputs {
  const result: Outputs = {};
  for (const [key, value] of Object.entries(values)) result[key] = redact(value);
  return result;
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * Groups a stream's chunks into whole lines before reporting them, so a secret split across
 * two chunks is still redacted and log lines are not torn. A partial line is reported after
 * a short pause (prompts, progress bars) or when it grows large.
 */
class LineBuffer {
  private pending = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly emit: (text: string) => void) {}

  write(chunk: string): void {
    this.pending += chunk;
    const lastNewline = this.pending.lastIndexOf('\n');
    if (lastNewline >= 0) {
      const complete = this.pending.slice(0, lastNewline + 1);
      this.pending = this.pending.slice(lastNewline + 1);
      this.emit(complete);
    }
    if (this.pending.length > 64 * 1024) this.flush();
    else if (this.pending.length > 0 && !this.timer) {
      this.timer = setTimeout(() => this.flush(), PARTIAL_LINE_FLUSH_MS);
      this.timer.unref();
    }
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const text = this.pending;
    this.pending = '';
    this.emit(text);
  }

  end(): void {
    this.flush();
  }
}

/** The last `max` lines of a stream. */
class LineTail {
  private lines: string[] = [];
  private partial = '';

  constructor(private readonly max: number) {}

  push(text: string): void {
    const parts = (this.partial + text).split('\n');
    // Output without newlines must not grow without bound: keep only the end of a long line.
    // (One character more than the cap, so text() still sees that something was cut.)
    this.partial = parts.pop()!.slice(-(MAX_TAIL_CHARS + 1));
    for (const part of parts) this.lines.push(part.length > MAX_TAIL_CHARS ? part.slice(-(MAX_TAIL_CHARS + 1)) : part);
    if (this.lines.length > this.max * 2) this.lines = this.lines.slice(-this.max);
  }

  text(): string {
    const all = this.partial === '' ? this.lines : [...this.lines, this.partial];
    const text = all.slice(-this.max).join('\n');
    return text.length > MAX_TAIL_CHARS ? `…${text.slice(-(MAX_TAIL_CHARS - 1))}` : text;
  }
}
