/** `baton validate [paths…]`: checks template files and prints compiler-style problems. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { TemplateProblem } from '../../core/errors';
import {
  checkTemplateFile,
  findWorkflowCycles,
  isTemplateFile,
  nodeTemplateFileSystem,
  workflowReferences,
  type SourceLocator,
  type TemplateDefinition,
} from '../../core/template';
import { evaluateTypeScriptTemplate } from '../../loaders/typescript';
import { parseCommandArgs } from '../args';
import { cliTemplateRegistry } from '../runtime';
import type { CliCommand, CliIO } from './index';

const help = `Usage: baton validate [paths…] [--json]

Checks workflow templates (.yml, .yaml, .ts): the file format, step graph (unknown needs,
cycles), phases, expressions and what they read, cron schedules, time zones, durations and
input schemas. Every problem is printed as

  file:line:column: error: message [code]

Paths may be files or folders (their template files are checked). Default: .baton/templates.

Options:
  --json   print one JSON object per file: { file, id, valid, problems }

Exit codes: 0 every template is valid (warnings allowed), 1 at least one error.`;

interface FileReport {
  file: string;
  id?: string;
  valid: boolean;
  problems: TemplateProblem[];
  definition?: TemplateDefinition;
  locator?: SourceLocator;
}

/** The template files named by `paths` (folders expand to the template files directly in them). */
async function templateFiles(io: CliIO, paths: string[]): Promise<{ files: string[]; missing: string[] }> {
  const files: string[] = [];
  const missing: string[] = [];
  for (const path of paths) {
    const absolute = isAbsolute(path) ? path : resolve(io.cwd, path);
    if (!existsSync(absolute)) {
      missing.push(absolute);
    } else if (statSync(absolute).isDirectory()) {
      files.push(...(await nodeTemplateFileSystem.listFiles(absolute)).filter(isTemplateFile));
    } else {
      files.push(absolute);
    }
  }
  return { files, missing };
}

/** The source line, indented, with a caret under the column. */
export function sourceExcerpt(line: string, column: number): string {
  const text = line.replace(/^\uFEFF/, '').replace(/\t/g, ' ');
  return `    ${text}\n    ${' '.repeat(Math.max(0, column - 1))}^`;
}

/** One compiler-style line for a problem. */
export function formatProblem(problem: TemplateProblem, displayFile: string): string {
  const hint = problem.hint ? ` (${problem.hint})` : '';
  return `${displayFile}:${problem.line}:${problem.column}: ${problem.severity}: ${problem.message}${hint} [${problem.code}]`;
}

/**
 * Warnings for `workflow:` steps naming a template that neither the validated files nor the
 * registry (built-in, user, workspace) holds, and for templates that start each other in a cycle.
 */
async function checkWorkflowReferences(io: CliIO, reports: FileReport[]): Promise<void> {
  const checked = reports.filter((r) => r.definition);
  if (!checked.some((r) => workflowReferences(r.definition!).length > 0)) return;
  const registry = cliTemplateRegistry(io, io.cwd);
  await registry.reload();
  const definitions = new Map(registry.list().map((t) => [t.definition.id, t.definition]));
  for (const report of checked) definitions.set(report.definition!.id, report.definition!);
  const warn = (report: FileReport, stepIndex: number, message: string, code: string) => {
    const position = report.locator?.position(['steps', stepIndex, 'workflow']) ?? { line: 1, column: 1 };
    report.problems.push({ file: report.file, ...position, path: `steps[${stepIndex}].workflow`, message, code, severity: 'warning' });
  };
  for (const report of checked) {
    for (const reference of workflowReferences(report.definition!)) {
      if (!definitions.has(reference.target)) {
        warn(report, reference.stepIndex, `workflow "${reference.target}" is not a known template`, 'unknown-workflow');
      }
    }
  }
  for (const cycle of findWorkflowCycles(definitions)) {
    for (const report of checked) {
      const at = cycle.indexOf(report.definition!.id);
      if (at < 0 || at === cycle.length - 1) continue;
      const reference = workflowReferences(report.definition!).find((r) => r.target === cycle[at + 1]);
      if (reference) warn(report, reference.stepIndex, `templates start each other in a cycle: ${cycle.join(' -> ')}`, 'workflow-cycle');
    }
  }
  for (const report of checked) report.problems.sort((a, b) => a.line - b.line || a.column - b.column);
}

export const validateCommand: CliCommand = {
  summary: 'check template files and print every problem with its line and column',
  help,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {});
    if (values.help) {
      io.stdout(`${help}\n`);
      return 0;
    }
    const defaultDir = join(io.cwd, '.baton', 'templates');
    const usingDefault = positionals.length === 0;
    const { files, missing } = await templateFiles(io, usingDefault ? [defaultDir] : positionals);
    const display = (file: string) => {
      const rel = relative(io.cwd, file);
      return rel.startsWith('..') || isAbsolute(rel) ? file : rel;
    };

    const reports: FileReport[] = missing.map((file) => ({
      file,
      valid: false,
      problems: [{ file, line: 1, column: 1, path: '(file)', message: 'no such file or folder', code: 'not-found', severity: 'error' }],
    }));
    for (const file of files) {
      const result = await checkTemplateFile(file, { evaluateTypeScript: evaluateTypeScriptTemplate });
      reports.push({
        file,
        ...(result.definition ? { id: result.definition.id, definition: result.definition } : {}),
        ...(result.locator ? { locator: result.locator } : {}),
        valid: result.definition !== undefined,
        problems: result.problems,
      });
    }
    await checkWorkflowReferences(io, reports);
    // Two files with one id: the registry would use only one of them.
    const byId = new Map<string, string>();
    for (const report of reports) {
      if (!report.id) continue;
      const first = byId.get(report.id);
      if (first) {
        report.problems.push({
          file: report.file,
          line: 1,
          column: 1,
          path: 'id',
          message: `template id "${report.id}" is also used by ${display(first)}`,
          code: 'duplicate-template-id',
          severity: 'warning',
        });
      } else byId.set(report.id, report.file);
    }

    const errorCount = reports.reduce((n, r) => n + r.problems.filter((p) => p.severity === 'error').length, 0);
    if (values.json) {
      const json = reports.map(({ file, id, valid, problems }) => ({ file: display(file), ...(id ? { id } : {}), valid, problems }));
      io.stdout(`${JSON.stringify(json, null, 2)}\n`);
      return errorCount > 0 ? 1 : 0;
    }
    for (const report of reports) {
      // On a terminal, show the line and a caret under the column, as compilers do.
      const lines = io.isTTY && report.problems.length > 0 && existsSync(report.file) ? readFileSync(report.file, 'utf8').split(/\r?\n/) : [];
      for (const problem of report.problems) {
        io.stdout(`${formatProblem(problem, display(report.file))}\n`);
        const line = lines[problem.line - 1];
        if (line !== undefined && line.trim() !== '') io.stdout(`${sourceExcerpt(line, problem.column)}\n`);
      }
    }
    if (reports.length === 0) {
      io.stdout(`no templates found in ${display(usingDefault ? defaultDir : positionals.join(', '))}\n`);
      return 0;
    }
    const invalid = reports.filter((r) => !r.valid).length;
    if (errorCount > 0) {
      io.stderr(`${errorCount} error${errorCount === 1 ? '' : 's'} in ${invalid} of ${reports.length} template file${reports.length === 1 ? '' : 's'}\n`);
      return 1;
    }
    io.stdout(`ok: ${reports.length} template${reports.length === 1 ? '' : 's'} valid\n`);
    return 0;
  },
};
