/**
 * Loading templates: YAML text (with line/column for every problem) or a TypeScript module's
 * default export, through the same schema and semantic checks, into a `TemplateDefinition`.
 */
import { createHash } from 'node:crypto';
import { extname } from 'node:path';
import { isAlias, isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { TemplateInvalidError, type TemplateProblem } from '../errors';
import { checkTemplateSemantics } from './check';
import { nodeTemplateFileSystem, type TemplateFileSystem } from './fs';
import { normalizeTemplate } from './normalize';
import { lineOneLocator, ProblemList, SourceTextLocator, type FieldPath, type SourceLocator, type SourcePosition } from './problems';
import { checkTemplateSchema } from './schema';
import type { FunctionStep, LoadedTemplate, TemplateDefinition, TemplateSourceKind } from './types';

/** The outcome of checking one template: a definition when there is no error, and every problem found. */
export interface TemplateCheckResult {
  definition?: TemplateDefinition;
  problems: TemplateProblem[];
  /** Positions in the checked source, for problems found later (e.g. across templates). */
  locator?: SourceLocator;
}

/** Evaluates a TypeScript template file and returns its default export (esbuild lives outside core). */
export type TypeScriptTemplateEvaluator = (path: string, source: string) => Promise<unknown>;

export interface TemplateLoadOptions {
  fs?: TemplateFileSystem;
  /** Needed for `.ts` templates; see src/loaders/typescript.ts. */
  evaluateTypeScript?: TypeScriptTemplateEvaluator;
  source?: TemplateSourceKind;
}

/** File extensions Baton loads as templates. */
export const TEMPLATE_EXTENSIONS = ['.yml', '.yaml', '.ts'] as const;

/** True when `path` names a template file (not a `.test.ts` or `.d.ts` beside it). */
export function isTemplateFile(path: string): boolean {
  if (path.endsWith('.test.ts') || path.endsWith('.d.ts')) return false;
  return (TEMPLATE_EXTENSIONS as readonly string[]).includes(extname(path).toLowerCase());
}

/** Positions from a parsed YAML document. */
class YamlLocator implements SourceLocator {
  constructor(
    private readonly doc: Document,
    private readonly text: string,
    private readonly lines: LineCounter,
  ) {}

  private pos(offset: number): SourcePosition {
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  /** The deepest node along `path`, and the key node of the last pair found. */
  private find(path: FieldPath): { node: Node | null; key: Node | null; complete: boolean } {
    let node: Node | null = (this.doc.contents as Node | null) ?? null;
    let key: Node | null = null;
    for (const segment of path) {
      if (node && isAlias(node)) node = (node.resolve(this.doc) as Node | undefined) ?? node;
      let next: Node | null = null;
      let nextKey: Node | null = null;
      if (node && isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
        if (pair) {
          nextKey = isNode(pair.key) ? pair.key : null;
          next = isNode(pair.value) ? pair.value : nextKey;
        }
      } else if (node && isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment];
        next = isNode(item) ? item : null;
      }
      if (!next) return { node, key, complete: false };
      node = next;
      key = nextKey;
    }
    return { node, key, complete: true };
  }

  position(path: FieldPath, at: 'key' | 'value' = 'value'): SourcePosition {
    const found = this.find(path);
    if (!found.complete) {
      // The field is absent (e.g. a missing `id`): point at the parent mapping.
      return this.pos(found.node?.range?.[0] ?? 0);
    }
    const target = at === 'key' && found.key ? found.key : found.node;
    return this.pos(target?.range?.[0] ?? 0);
  }

  positionInText(path: FieldPath, needle: string, offset: number): SourcePosition {
    const found = this.find(path);
    const range = found.node?.range;
    if (!found.complete || !range) return this.position(path);
    const index = this.text.slice(range[0], range[1]).indexOf(needle);
    // Escaped or folded scalars do not hold the needle verbatim: use the scalar's start.
    if (index < 0) return this.pos(range[0]);
    return this.pos(range[0] + index + Math.min(offset, needle.length));
  }
}

/** Field path of the key or value at `offset` (for YAML errors, which come with offsets only). */
function pathAtOffset(doc: Document, offset: number): Array<string | number> {
  const path: Array<string | number> = [];
  let node: unknown = doc.contents;
  const within = (n: unknown) => isNode(n) && n.range !== undefined && n.range !== null && offset >= n.range[0] && offset < n.range[2];
  for (;;) {
    if (isMap(node)) {
      const pair = node.items.find((p) => within(p.key) || within(p.value));
      if (!pair || !isScalar(pair.key)) return path;
      path.push(String(pair.key.value));
      if (within(pair.key)) return path;
      node = pair.value;
    } else if (isSeq(node)) {
      const index = node.items.findIndex((item) => within(item));
      if (index < 0) return path;
      path.push(index);
      node = node.items[index];
    } else {
      return path;
    }
  }
}

/**
 * Fields that become text (`version`, `env` values) keep a number as the author wrote it:
 * YAML reads `1.10` as the number 1.1.
 */
function keepNumbersAsWritten(doc: Document, raw: unknown): void {
  if (!isMap(doc.contents) || raw === null || typeof raw !== 'object') return;
  const record = raw as Record<string, unknown>;
  const asWritten = (node: unknown): string | undefined =>
    isScalar(node) && typeof node.value === 'number' && typeof node.source === 'string' ? node.source : undefined;
  const fixEnv = (envNode: unknown, env: unknown) => {
    if (!isMap(envNode) || env === null || typeof env !== 'object') return;
    for (const pair of envNode.items) {
      const text = asWritten(pair.value);
      if (isScalar(pair.key) && text !== undefined) (env as Record<string, unknown>)[String(pair.key.value)] = text;
    }
  };
  const version = asWritten(doc.contents.get('version', true));
  if (version !== undefined) record.version = version;
  fixEnv(doc.contents.get('env', true), record.env);
  const steps = doc.contents.get('steps', true);
  if (isSeq(steps) && Array.isArray(record.steps)) {
    steps.items.forEach((step, index) => {
      const rawStep = (record.steps as unknown[])[index] as Record<string, unknown> | null | undefined;
      if (isMap(step) && rawStep && typeof rawStep === 'object') fixEnv(step.get('env', true), rawStep.env);
    });
  }
}

/** Id of the one step a TypeScript template with `execute(ctx)` has. */
export const FUNCTION_STEP_ID = 'execute';

/** Schema + semantic checks + normalization of an already parsed template object. */
export function checkTemplateObject(raw: unknown, file: string, locator: SourceLocator = lineOneLocator): TemplateCheckResult {
  const problems = new ProblemList(file, locator);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    problems.add([], 'not-a-mapping', 'a template must be a mapping with id and steps', { hint: 'start the file with "id:" and "steps:" lines' });
    return { problems: problems.sorted() };
  }
  checkTemplateSchema(raw, problems);
  checkTemplateSemantics(raw, problems);
  if (problems.hasErrors) return { problems: problems.sorted(), locator };
  return { definition: normalizeTemplate(raw as Record<string, unknown>), problems: problems.sorted(), locator };
}

/** Parses and checks YAML template text; never throws for a bad template. */
export function parseTemplateText(text: string, file: string): TemplateCheckResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true, strict: true, merge: true });
  const problems = new ProblemList(file, lineOneLocator);
  let structural = false;
  for (const error of doc.errors) {
    const [line, column] = error.linePos ? [error.linePos[0].line, error.linePos[0].col] : [1, 1];
    const duplicate = error.code === 'DUPLICATE_KEY';
    if (!duplicate) structural = true;
    const path = duplicate ? pathAtOffset(doc, error.pos[0]) : [];
    const message = duplicate && path.length > 0 ? `duplicate field "${String(path.at(-1))}"` : firstLine(error.message);
    problems.add(path, duplicate ? 'duplicate-key' : 'yaml-syntax', message, {
      position: { line, column },
      hint: duplicate ? 'each key may appear once in a mapping' : 'check the indentation (spaces, not tabs), quotes and brackets here',
    });
  }
  for (const warning of doc.warnings) {
    const [line, column] = warning.linePos ? [warning.linePos[0].line, warning.linePos[0].col] : [1, 1];
    problems.add([], 'yaml-warning', firstLine(warning.message), { position: { line, column }, severity: 'warning' });
  }
  if (structural) return { problems: problems.sorted() };
  if (doc.contents === null) {
    problems.add([], 'empty-template', 'the file is empty', { position: { line: 1, column: 1 }, hint: 'start with id: and steps:' });
    return { problems: problems.sorted() };
  }
  const raw: unknown = doc.toJS({ maxAliasCount: 100 });
  keepNumbersAsWritten(doc, raw);
  const checked = checkTemplateObject(raw, file, new YamlLocator(doc, text, lineCounter));
  const all = [...problems.items, ...checked.problems];
  const hasDuplicateKeys = problems.hasErrors;
  const sorted = new ProblemList(file, lineOneLocator);
  sorted.items.push(...all);
  return {
    ...(checked.definition && !hasDuplicateKeys ? { definition: checked.definition } : {}),
    problems: sorted.sorted(),
    ...(checked.locator ? { locator: checked.locator } : {}),
  };
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

/** sha256 of a template's source text. */
export function hashTemplateSource(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Checks one template file (YAML or TypeScript); problems instead of exceptions, for `baton validate`. */
export async function checkTemplateFile(path: string, options: TemplateLoadOptions = {}): Promise<TemplateCheckResult & { hash?: string }> {
  const fs = options.fs ?? nodeTemplateFileSystem;
  let text: string;
  try {
    text = await fs.readFile(path);
  } catch (error) {
    return { problems: [fileProblem(path, 'unreadable', `cannot read the file: ${describe(error)}`)] };
  }
  const hash = hashTemplateSource(text);
  if (extname(path).toLowerCase() !== '.ts') return { ...parseTemplateText(text, path), hash };
  if (!options.evaluateTypeScript) {
    return { problems: [fileProblem(path, 'typescript-unsupported', 'TypeScript templates run code and are not loaded here (for example in an untrusted workspace)')], hash };
  }
  let exported: unknown;
  try {
    exported = await options.evaluateTypeScript(path, text);
  } catch (error) {
    const located = error as { line?: number; column?: number };
    return {
      problems: [fileProblem(path, 'typescript-error', describe(error), located.line ?? 1, located.column ?? 1)],
      hash,
    };
  }
  if (exported === undefined) {
    return {
      problems: [fileProblem(path, 'no-default-export', 'the module has no default export', 1, 1, 'export default defineWorkflow({ ... })')],
      hash,
    };
  }
  if (isExecuteTemplate(exported)) return { ...checkExecuteTemplate(exported, path, text), hash };
  return { ...checkTemplateObject(exported, path, new SourceTextLocator(text, exported)), hash };
}

/** A TypeScript template written as code: `execute(ctx)` instead of `steps`. */
function isExecuteTemplate(exported: unknown): exported is Record<string, unknown> & { execute: unknown } {
  return exported !== null && typeof exported === 'object' && typeof (exported as { execute?: unknown }).execute === 'function';
}

/**
 * Checks the template's other fields (id, inputs, triggers, defaults) with the usual rules and
 * makes its body one `function` step (FunctionStep) that re-imports this module to run `execute`.
 */
function checkExecuteTemplate(exported: Record<string, unknown>, path: string, text: string): TemplateCheckResult {
  const { execute: _execute, ...rest } = exported;
  if (rest.steps !== undefined) {
    return {
      problems: [fileProblem(path, 'execute-with-steps', 'a template has either "steps" or "execute", not both', 1, 1, 'move the steps into execute(ctx) as ctx.step(id, fn) calls')],
    };
  }
  // The step list is the function's business; a stand-in step lets the shared checks run on the rest.
  const checked = checkTemplateObject({ ...rest, steps: [{ id: FUNCTION_STEP_ID, run: 'execute' }] }, path, new SourceTextLocator(text, rest));
  if (!checked.definition) return checked;
  const { defaults } = checked.definition;
  const step: FunctionStep = {
    kind: 'function',
    id: FUNCTION_STEP_ID,
    module: path,
    needs: [],
    env: {},
    continueOnError: false,
    ...(defaults.timeoutMs !== undefined ? { timeoutMs: defaults.timeoutMs } : {}),
    ...(defaults.retry !== undefined ? { retry: { ...defaults.retry } } : {}),
  };
  return { ...checked, definition: { ...checked.definition, steps: [step] } };
}

/** Loads one template file; throws TemplateInvalidError with every problem when it has errors. */
export async function loadTemplateFile(path: string, options: TemplateLoadOptions = {}): Promise<LoadedTemplate> {
  const result = await checkTemplateFile(path, options);
  if (!result.definition) throw new TemplateInvalidError(path, result.problems.filter((p) => p.severity === 'error'));
  return { definition: result.definition, sourcePath: path, source: options.source ?? 'workspace', hash: result.hash! };
}

function fileProblem(file: string, code: string, message: string, line = 1, column = 1, hint?: string): TemplateProblem {
  return { file, line, column, path: '(file)', message, code, severity: 'error', ...(hint ? { hint } : {}) };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
