/** `baton run <template>`: starts a run and (unless --detach) executes it here, showing progress. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../../core/errors';
import { instantiate } from '../../core/template';
import { StaticSecretSource, readSecretsFromStdin } from '../../secrets';
import { parseCommandArgs, parseKeyValues } from '../args';
import { cliTemplateRegistry, findTemplate, openRuntime, resolveDbPath, workspaceOf } from '../runtime';
import { detachOrFollow, parseConcurrency } from './control';
import type { CliCommand, CliIO } from './index';

const help = `Usage: baton run <template-id|path> [--input k=v]… [--input-file k=path]… [--secret NAME]… [--detach] [--concurrency <n>] [--json] [--db <path>]

Starts a run of a template and executes it in this process. On a terminal the step list is
redrawn live and a waiting gate is asked about (y approves, n rejects, Enter leaves it for
\`baton approve\`); otherwise each step transition and output line is printed once. When the run
fails, the failed steps and the last lines of their logs are printed; fix the cause and
\`baton resume <run>\` continues without re-running finished steps.

Templates are looked up by id in .baton/templates/, ~/.baton/templates and Baton's built-in
templates; a path to a .yml/.yaml/.ts file works too.

Options:
  --input k=v        a template input (repeatable), converted to the input's declared type
  --input-file k=p   a template input read from file p (relative to the current folder)
  --secret NAME      the value of \`secrets.NAME\` is read from stdin (one line per --secret, in order;
                     not echoed on a terminal); otherwise secrets come from $BATON_SECRET_NAME or $NAME.
                     Secret values are replaced by *** in logs, events, outputs and the database
  --detach           only create the run and print its id; a \`baton worker\` (or VS Code) executes it
  --concurrency <n>  steps run at once in this process (default 8)
  --json             print the final run and steps (with --detach: the new run) as JSON
  --db <path>        database file (default .baton/baton.db)

Exit codes: 0 the run succeeded, 1 it failed, was cancelled or paused, 2 bad template
inputs or usage, 3 template not found, 130 interrupted (the run stays resumable).`;

/** The text of an `--input-file` (multi-line prompts, JSON documents). */
function readInputFile(io: CliIO, name: string, path: string): string {
  const full = resolve(io.cwd, path);
  try {
    return readFileSync(full, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(error);
    throw new UsageError(`--input-file ${name}=${path}: cannot read ${full}: ${reason}`);
  }
}

export const runCommand: CliCommand = {
  summary: 'start a run of a template and follow it',
  help,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      input: { type: 'string', short: 'i', multiple: true },
      'input-file': { type: 'string', multiple: true },
      detach: { type: 'boolean', short: 'd', default: false },
      concurrency: { type: 'string' },
      secret: { type: 'string', multiple: true },
    });
    if (values.help) {
      io.stdout(`${help}\n`);
      return 0;
    }
    const [reference, extra] = positionals;
    if (reference === undefined) throw new UsageError('missing <template-id|path>');
    if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
    const raw = parseKeyValues(values.input, 'input');
    for (const [name, path] of Object.entries(parseKeyValues(values['input-file'], 'input-file'))) {
      if (name in raw) throw new UsageError(`input "${name}" is given both by --input and --input-file`);
      raw[name] = readInputFile(io, name, path);
    }
    const concurrency = parseConcurrency(values.concurrency);
    const secretNames = values.secret ?? [];
    if (secretNames.length > 0 && values.detach) {
      // The values live only in this process; a worker elsewhere would run without them.
      throw new UsageError('--secret cannot be used with --detach: give secrets to the worker as $BATON_SECRET_NAME');
    }

    // Find and check everything before the database is opened: a bad template or input
    // must not leave a run (or a new .baton/ folder) behind.
    const workspaceDir = workspaceOf(io, resolveDbPath(io, values.db));
    const registry = cliTemplateRegistry(io, workspaceDir);
    const template = await findTemplate(io, registry, reference);
    const inputs = instantiate(template.definition, raw, { fromStrings: true });
    const secrets = secretNames.length > 0 ? new StaticSecretSource(await readSecretsFromStdin(secretNames, io)) : undefined;

    const runtime = openRuntime(io, values.db, { templates: registry, ...(secrets ? { secrets } : {}) });
    try {
      const { engine } = runtime;
      const afterEventId = engine.maxEventId();
      const run = engine.startRun(template.definition, { inputs, trigger: { kind: 'cli', payload: { source: template.sourcePath } } });
      if (!values.detach && !values.json) io.stdout(`run ${run.id}  ${template.definition.id}  (${template.sourcePath})\n`);
      return await detachOrFollow(runtime, io, run.id, {
        detach: values.detach,
        json: values.json,
        afterEventId,
        concurrency,
        detachedText: (created) => created.id,
      });
    } finally {
      await runtime.close();
      registry.dispose();
    }
  },
};
