/** `baton logs <run> <step>`: a step's output log, optionally followed until the step ends. */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { RunNotFoundError, StepNotFoundError, UsageError } from '../../core/errors';
import { isStepFinished, type StepRecord } from '../../core/model';
import type { Store } from '../../core/ports';
import { parseCommandArgs } from '../args';
import { stepLabel } from '../format';
import { openStoreForReading } from '../runtime';
import { sleepUnlessAborted } from '../wait';
import { resolveRunId } from './control';
import type { CliCommand } from './index';

const POLL_MS = 200;

const help = `Usage: baton logs <run> <step> [--item <key>] [--follow] [--json] [--db <path>]

Prints the output (stdout and stderr) a step wrote. <step> may name a foreach item as
step[key]; a foreach step without an item prints every item's log under a header.

Options:
  --item <key>  the foreach item (same as step[key])
  --follow      keep printing new output until the step has finished (or Ctrl+C)
  --json        print {run, step, item, log} objects, one per line
  --db <path>   database file (default .baton/baton.db)`;

interface LogTarget {
  step: StepRecord;
  path: string;
  offset: number;
}

export const logsCommand: CliCommand = {
  summary: "print a step's log (--follow to watch it)",
  help,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      item: { type: 'string' },
      follow: { type: 'boolean', short: 'f', default: false },
    });
    if (values.help) {
      io.stdout(`${help}\n`);
      return 0;
    }
    const [runArg, stepArg, extra] = positionals;
    if (runArg === undefined) throw new UsageError('missing <run>');
    if (stepArg === undefined) throw new UsageError('missing <step>');
    if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
    const bracket = /^(.+)\[(.+)\]$/.exec(stepArg);
    const stepId = bracket ? bracket[1]! : stepArg;
    const itemKey = bracket ? bracket[2]! : (values.item ?? null);

    const opened = openStoreForReading(io, values.db);
    if (!opened) throw new RunNotFoundError(runArg);
    try {
      const { store, files } = opened;
      const runId = resolveRunId(store, runArg);
      const step = store.findStep(runId, stepId, itemKey);
      if (!step) throw new StepNotFoundError(runId, itemKey === null ? stepId : `${stepId}[${itemKey}]`);

      const targets = new Map<number, LogTarget>();
      const refreshTargets = () => {
        const items = itemKey === null ? store.listItems(step.id) : [];
        for (const s of items.length > 0 ? items : [store.getStep(step.id) ?? step]) {
          const known = targets.get(s.id);
          if (known) known.step = s;
          else targets.set(s.id, { step: s, path: files.stepLogPath(runId, s.stepId, s.itemKey), offset: 0 });
        }
      };
      let lastHeader: number | undefined;
      const emit = (target: LogTarget, text: string) => {
        if (values.json) {
          io.stdout(`${JSON.stringify({ run: runId, step: target.step.stepId, item: target.step.itemKey, log: text })}\n`);
          return;
        }
        if (targets.size > 1 && lastHeader !== target.step.id) {
          io.stdout(`==> ${stepLabel(target.step)} <==\n`);
          lastHeader = target.step.id;
        }
        io.stdout(text);
      };

      for (;;) {
        refreshTargets();
        for (const target of targets.values()) {
          const text = readFrom(target.path, target.offset);
          if (text.length > 0) {
            target.offset += Buffer.byteLength(text);
            emit(target, text);
          }
        }
        if (!values.follow) {
          const printedNothing = [...targets.values()].every((t) => t.offset === 0);
          if (printedNothing && !values.json) {
            // Say why the log is empty (on stderr, so `baton logs … > file` stays clean).
            const current = store.getStep(step.id) ?? step;
            const child = current.childRunId ? ` — it ran as child run ${current.childRunId}: baton show ${current.childRunId}` : '';
            io.stderr(`(no output from ${stepLabel(current)}: it is ${current.status}${child})\n`);
          }
          return 0;
        }
        if (allFinished(store, step, [...targets.values()])) {
          // One last read: output written just before the step finished.
          for (const target of targets.values()) {
            const text = readFrom(target.path, target.offset);
            if (text.length > 0) emit(target, text);
          }
          return 0;
        }
        if (!(await sleepUnlessAborted(POLL_MS, io.signal))) return 0;
      }
    } finally {
      opened.close();
    }
  },
};

function allFinished(store: Store, step: StepRecord, targets: LogTarget[]): boolean {
  const current = store.getStep(step.id);
  if (!current || !isStepFinished(current.status)) return false;
  return targets.every((t) => isStepFinished((store.getStep(t.step.id) ?? t.step).status));
}

/** Reads a log from a byte offset; '' when the file does not exist yet. Stops before a torn UTF-8 character. */
function readFrom(path: string, offset: number): string {
  if (!existsSync(path)) return '';
  const size = statSync(path).size;
  if (size <= offset) return '';
  const buffer = Buffer.alloc(size - offset);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, buffer, 0, buffer.length, offset);
  } finally {
    closeSync(fd);
  }
  let end = buffer.length;
  // Do not split a multi-byte character written half-way: leave its bytes for the next read.
  let back = 0;
  while (back < 4 && end - back - 1 >= 0 && (buffer[end - back - 1]! & 0xc0) === 0x80) back++;
  const lead = end - back - 1 >= 0 ? buffer[end - back - 1]! : 0;
  const needed = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  if (needed > back + 1) end = end - back - 1;
  return buffer.subarray(0, end).toString('utf8');
}
