/** `baton templates`: the templates Baton can run here (built-in, user and workspace). */
import { UsageError } from '../../core/errors';
import { hasTrigger, type TemplateFilter, type TriggerKind } from '../../core/template';
import { parseCommandArgs } from '../args';
import { cliTemplateRegistry } from '../runtime';
import type { CliCommand } from './index';

const TRIGGERS: readonly TriggerKind[] = ['manual', 'schedule', 'file', 'webhook', 'event'];

const help = `Usage: baton templates [--category <c>] [--tag <t>] [--trigger <kind>] [--search <text>] [--json]

Lists the templates available in this folder: Baton's built-in ones, your user folder
(~/.baton/templates) and the workspace's .baton/templates (which override the others by id).

Options:
  --category <c>    only this category
  --tag <t>         only templates with this tag
  --trigger <kind>  only templates started by: ${TRIGGERS.join(', ')}
  --search <text>   only templates whose id, name, description, category or tags hold every word
  --json            print a JSON array of { id, name, description, category, tags, source, path, triggers }`;

function pad(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n');
}

export const templatesCommand: CliCommand = {
  summary: 'list the templates available here (filter by category, tag, trigger or text)',
  help,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      category: { type: 'string' },
      tag: { type: 'string' },
      trigger: { type: 'string' },
      search: { type: 'string' },
    });
    if (values.help) {
      io.stdout(`${help}\n`);
      return 0;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    if (values.trigger !== undefined && !(TRIGGERS as readonly string[]).includes(values.trigger)) {
      throw new UsageError(`--trigger must be one of ${TRIGGERS.join(', ')}; got "${values.trigger}"`);
    }
    const filter: TemplateFilter = {
      ...(values.category !== undefined ? { category: values.category } : {}),
      ...(values.tag !== undefined ? { tag: values.tag } : {}),
      ...(values.trigger !== undefined ? { trigger: values.trigger as TriggerKind } : {}),
      ...(values.search !== undefined ? { text: values.search } : {}),
    };
    const registry = cliTemplateRegistry(io, io.cwd);
    await registry.reload();
    const templates = registry.list(filter);
    for (const notice of registry.notices()) io.stderr(`warning: ${notice.message} [${notice.code}]\n`);
    for (const invalid of registry.invalid()) {
      const errors = invalid.problems.filter((p) => p.severity === 'error').length;
      io.stderr(`warning: ${invalid.sourcePath} not loaded: ${errors} error${errors === 1 ? '' : 's'} (see baton validate) [template_invalid]\n`);
    }
    if (values.json) {
      const list = templates.map((t) => ({
        id: t.definition.id,
        name: t.definition.name,
        description: t.definition.description ?? null,
        category: t.definition.category ?? null,
        tags: t.definition.tags,
        source: t.source,
        path: t.sourcePath,
        triggers: TRIGGERS.filter((kind) => hasTrigger(t.definition, kind)),
      }));
      io.stdout(`${JSON.stringify(list, null, 2)}\n`);
      return 0;
    }
    if (templates.length === 0) {
      io.stdout('no templates match\n');
      return 0;
    }
    const rows = [['ID', 'NAME', 'CATEGORY', 'SOURCE', 'PATH']];
    for (const t of templates) {
      rows.push([t.definition.id, t.definition.name, t.definition.category ?? '-', t.source, t.sourcePath]);
    }
    io.stdout(`${pad(rows)}\n`);
    return 0;
  },
};
