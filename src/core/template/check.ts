/**
 * Checks beyond the JSON Schema: the step graph (duplicates, unknown needs, cycles),
 * phases, step kinds and the fields that belong to each, every `${{ }}` expression and
 * what it reads, cron strings, time zones and input schemas. Works on the raw parsed
 * object and tolerates shapes the schema already rejected.
 */
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { Cron } from 'croner';
import {
  EXPRESSION_CONTEXTS,
  STATUS_FUNCTION_NAMES,
  collectComparisons,
  collectReferences,
  conditionExpression,
  parseExpression,
  scanExpressions,
  type ExpressionReference,
} from '../expressions';
import { didYouMean, type FieldPath, type PathSegment, type ProblemList } from './problems';
import { STEP_KINDS } from './types';

type RawRecord = Record<string, unknown>;

function isRecord(value: unknown): value is RawRecord {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `x` or `[x, y]` as a list with the path of each item. */
function listWithPaths(value: unknown, path: FieldPath): Array<{ value: unknown; path: PathSegment[] }> {
  if (Array.isArray(value)) return value.map((v, i) => ({ value: v, path: [...path, i] }));
  if (value === undefined) return [];
  return [{ value, path: [...path] }];
}

/** Function names as users write them, for hints. */
const FUNCTION_NAMES = [
  'contains',
  'startsWith',
  'endsWith',
  'format',
  'join',
  'toJSON',
  'fromJSON',
  'case',
  ...STATUS_FUNCTION_NAMES,
] as const;

/** `an agent`, `a run`: step kinds with their article. */
function withArticle(kind: string): string {
  return /^[aeiou]/.test(kind) || kind === 'llm' ? `an ${kind}` : `a ${kind}`;
}

/** How each function is called, for hints on wrong argument counts. */
const FUNCTION_USAGE: Record<string, string> = {
  contains: 'contains(search, item)',
  startswith: 'startsWith(text, prefix)',
  endswith: 'endsWith(text, suffix)',
  format: "format('{0} and {1}', a, b)",
  join: "join(list, ', ')",
  tojson: 'toJSON(value)',
  fromjson: 'fromJSON(text)',
  case: 'case(condition, value, ..., default)',
  success: 'success()',
  failure: 'failure()',
  always: 'always()',
  cancelled: 'cancelled()',
};

const STEP_PROPERTIES = ['outputs', 'outcome', 'conclusion'];

/** Values of `steps.<id>.outcome` and `.conclusion`: Baton's finished step statuses. */
export const STEP_RESULTS = ['succeeded', 'failed', 'skipped', 'cancelled'] as const;

/** GitHub Actions' words for step results, which authors coming from Actions will write. */
const GITHUB_RESULT_WORDS: Record<string, string> = {
  success: 'succeeded',
  failure: 'failed',
  cancelled: 'cancelled',
  skipped: 'skipped',
};

/** Fields that belong to one step kind only. */
const KIND_ONLY_FIELDS: Record<string, { kind: string; hint?: string }> = {
  shell: { kind: 'run' },
  prompt: { kind: 'agent', hint: 'an llm step takes its prompt under llm:' },
  model: { kind: 'agent', hint: 'an llm step takes its model under llm:' },
  permission: { kind: 'agent' },
  tools: { kind: 'agent' },
  max_turns: { kind: 'agent' },
  resume: { kind: 'agent' },
  acceptance: { kind: 'agent' },
  with: { kind: 'workflow' },
};

/** Fields a gate does not take at step level. */
const NOT_FOR_GATES: Record<string, string> = {
  timeout: 'a gate waits for a decision: set gate.timeout and gate.on_timeout instead',
  retry: 'a gate is decided once; it is never retried',
};

/** Step fields that hold no expressions (ids, graph, policies). */
const STEP_STATIC_FIELDS = new Set([
  'id',
  // Shown in views before the step runs, as written.
  'name',
  'needs',
  'phase',
  'outputs',
  'max_parallel',
  'timeout',
  'retry',
  'continue_on_error',
  'agent',
  'permission',
  'resume',
  'max_turns',
  'shell',
]);

interface StepInfo {
  index: number;
  id: string | undefined;
  raw: RawRecord;
  needs: string[];
  hasForeach: boolean;
  kind: string | undefined;
  /** Declared output names, or undefined when the step does not declare them. */
  outputNames: string[] | undefined;
}

let inputSchemaAjv: Ajv | undefined;

/** An ajv for the JSON Schemas users write (inputs, gate forms); knows Baton's extra keywords. */
export function userSchemaAjv(): Ajv {
  if (!inputSchemaAjv) {
    inputSchemaAjv = new Ajv({ allErrors: true, strict: false, useDefaults: true });
    addFormats(inputSchemaAjv);
    inputSchemaAjv.addKeyword({ keyword: 'secret', schemaType: 'boolean' });
    inputSchemaAjv.addKeyword({ keyword: 'multiline', schemaType: 'boolean' });
  }
  return inputSchemaAjv;
}

/**
 * Compiles a user schema, runs `use` with it and drops it again: ajv caches every compiled
 * schema object, and templates are re-checked on every change.
 */
export function withUserSchema<T>(schema: Record<string, unknown>, use: (validate: ValidateFunction) => T): T {
  const ajv = userSchemaAjv();
  try {
    return use(ajv.compile(schema));
  } finally {
    ajv.removeSchema(schema);
  }
}

class TemplateChecker {
  private readonly steps: StepInfo[] = [];
  private readonly stepsById = new Map<string, StepInfo>();
  private readonly inputNames: string[];
  private readonly ancestorsCache = new Map<string, Set<string>>();

  constructor(
    private readonly raw: RawRecord,
    private readonly problems: ProblemList,
  ) {
    const inputs = isRecord(raw.inputs) && isRecord(raw.inputs.properties) ? raw.inputs.properties : {};
    this.inputNames = Object.keys(inputs);
    const rawSteps = Array.isArray(raw.steps) ? raw.steps : [];
    rawSteps.forEach((step, index) => {
      if (!isRecord(step)) return;
      const kinds = STEP_KINDS.filter((k) => step[k] !== undefined);
      const info: StepInfo = {
        index,
        id: typeof step.id === 'string' ? step.id : undefined,
        raw: step,
        needs: listWithPaths(step.needs, []).flatMap((n) => (typeof n.value === 'string' ? [n.value] : [])),
        hasForeach: step.foreach !== undefined,
        kind: kinds.length === 1 ? kinds[0] : undefined,
        outputNames: declaredOutputs(step),
      };
      this.steps.push(info);
    });
  }

  run(): void {
    this.checkStepIds();
    this.checkNeeds();
    this.checkCycles();
    this.checkPhases();
    this.checkKinds();
    this.checkInputs(this.raw.inputs, ['inputs']);
    for (const step of this.steps) {
      if (step.kind === 'gate' && isRecord(step.raw.gate)) this.checkInputs(step.raw.gate.inputs, ['steps', step.index, 'gate', 'inputs']);
    }
    this.checkTriggers();
    this.checkExpressions();
  }

  private checkStepIds(): void {
    const firstIndex = new Map<string, number>();
    for (const step of this.steps) {
      if (step.id === undefined) continue;
      const first = firstIndex.get(step.id);
      if (first !== undefined) {
        const line = this.problems.locator.position(['steps', first, 'id']).line;
        this.problems.add(['steps', step.index, 'id'], 'duplicate-step-id', `duplicate step id "${step.id}" (first used on line ${line})`, {
          hint: 'rename one of the steps: ids must be unique',
        });
      } else {
        firstIndex.set(step.id, step.index);
        this.stepsById.set(step.id, step);
      }
    }
  }

  private checkNeeds(): void {
    const ids = [...this.stepsById.keys()];
    for (const step of this.steps) {
      for (const need of listWithPaths(step.raw.needs, ['steps', step.index, 'needs'])) {
        if (typeof need.value !== 'string') continue;
        if (need.value === step.id) {
          this.problems.add(need.path, 'self-need', `step "${step.id}" cannot need itself`, { hint: 'remove it from needs' });
        } else if (!this.stepsById.has(need.value)) {
          const hint = didYouMean(need.value, ids);
          this.problems.add(need.path, 'unknown-need', `"${need.value}" is not a step of this template`, {
            hint: hint ?? (ids.length > 0 ? `steps: ${ids.join(', ')}` : 'name the id of another step'),
          });
        }
      }
    }
  }

  /** Reports each dependency cycle once, as `a -> b -> a` in run order, at the first step's need. */
  private checkCycles(): void {
    const state = new Map<string, 'visiting' | 'done'>();
    const stack: string[] = [];
    const reported = new Set<string>();
    const visit = (id: string): void => {
      state.set(id, 'visiting');
      stack.push(id);
      const step = this.stepsById.get(id)!;
      for (const need of step.needs) {
        if (need === id || !this.stepsById.has(need)) continue;
        if (state.get(need) === 'visiting') {
          // stack from `need` to `id`: each needs the previous one... reversed: id needs need.
          const members = stack.slice(stack.indexOf(need));
          const key = [...members].sort().join('\u0000');
          if (!reported.has(key)) {
            reported.add(key);
            this.reportCycle(members);
          }
        } else if (state.get(need) === undefined) {
          visit(need);
        }
      }
      stack.pop();
      state.set(id, 'done');
    };
    for (const step of this.steps) {
      if (step.id !== undefined && this.stepsById.get(step.id) === step && state.get(step.id) === undefined) visit(step.id);
    }
  }

  /** `members[i+1]` is needed by `members[i]`; print in run order starting at the earliest step in the file. */
  private reportCycle(members: string[]): void {
    const runOrder = [...members].reverse();
    let start = 0;
    runOrder.forEach((id, i) => {
      if (this.stepsById.get(id)!.index < this.stepsById.get(runOrder[start]!)!.index) start = i;
    });
    const rotated = [...runOrder.slice(start), ...runOrder.slice(0, start)];
    const first = this.stepsById.get(rotated[0]!)!;
    const previous = rotated[rotated.length - 1]!;
    const needPath = listWithPaths(first.raw.needs, ['steps', first.index, 'needs']).find((n) => n.value === previous)?.path ?? [
      'steps',
      first.index,
      'needs',
    ];
    this.problems.add(needPath, 'cycle', `dependency cycle: ${[...rotated, rotated[0]].join(' -> ')}`, {
      hint: 'remove one of these needs',
    });
  }

  private checkPhases(): void {
    const phases = Array.isArray(this.raw.phases) ? this.raw.phases.filter((p): p is string => typeof p === 'string') : [];
    for (const step of this.steps) {
      const phase = step.raw.phase;
      if (typeof phase !== 'string' || phases.includes(phase)) continue;
      const hint = phases.length === 0 ? `declare it at the top: phases: [${phase}]` : didYouMean(phase, phases);
      this.problems.add(
        ['steps', step.index, 'phase'],
        'unknown-phase',
        phases.length === 0 ? `phase "${phase}" is used but the template declares no phases` : `phase "${phase}" is not one of phases: ${phases.join(', ')}`,
        hint ? { hint } : {},
      );
    }
  }

  private checkKinds(): void {
    for (const step of this.steps) {
      const present = STEP_KINDS.filter((k) => step.raw[k] !== undefined);
      const name = step.id === undefined ? `steps[${step.index}]` : `step "${step.id}"`;
      if (present.length === 0) {
        this.problems.add(['steps', step.index], 'no-step-kind', `${name} has no kind`, {
          hint: `give it exactly one of ${STEP_KINDS.join(', ')}`,
        });
        continue;
      }
      if (present.length > 1) {
        this.problems.add(['steps', step.index, present[1]!], 'multiple-step-kinds', `${name} has several kinds: ${present.join(', ')}`, {
          at: 'key',
          hint: 'keep exactly one; split the work into two steps joined by needs',
        });
        continue;
      }
      const kind = present[0]!;
      for (const [field, rule] of Object.entries(KIND_ONLY_FIELDS)) {
        if (step.raw[field] === undefined || rule.kind === kind) continue;
        const hint = (kind === 'llm' ? rule.hint : undefined) ?? `remove "${field}", or make this ${withArticle(rule.kind)} step`;
        this.problems.add(['steps', step.index, field], 'field-not-for-kind', `"${field}" applies to ${rule.kind} steps; this is ${withArticle(kind)} step`, {
          at: 'key',
          hint,
        });
      }
      if (kind === 'gate') {
        for (const [field, hint] of Object.entries(NOT_FOR_GATES)) {
          if (step.raw[field] !== undefined) {
            this.problems.add(['steps', step.index, field], 'field-not-for-kind', `"${field}" does not apply to gate steps`, { at: 'key', hint });
          }
        }
      }
      if (step.raw.max_parallel !== undefined && !step.hasForeach) {
        this.problems.add(['steps', step.index, 'max_parallel'], 'field-not-for-kind', '"max_parallel" needs "foreach" on the same step', {
          at: 'key',
          hint: 'add foreach: or remove max_parallel',
        });
      }
    }
  }

  /** `required` names declared, each input schema compiles and its default is valid. */
  private checkInputs(inputs: unknown, path: PathSegment[]): void {
    if (!isRecord(inputs)) return;
    const properties = isRecord(inputs.properties) ? inputs.properties : {};
    const names = Object.keys(properties);
    listWithPaths(inputs.required, [...path, 'required']).forEach(({ value, path: itemPath }) => {
      if (typeof value === 'string' && !names.includes(value)) {
        const hint = didYouMean(value, names);
        this.problems.add(itemPath, 'unknown-required-input', `required input "${value}" is not declared in properties`, hint ? { hint } : {});
      }
    });
    for (const [name, schema] of Object.entries(properties)) {
      if (!isRecord(schema)) continue;
      const schemaPath = [...path, 'properties', name];
      const { default: defaultValue, ...withoutDefault } = schema;
      let detail: string | undefined;
      try {
        detail = withUserSchema(withoutDefault, (validate) =>
          defaultValue === undefined || validate(structuredClone(defaultValue))
            ? undefined
            : (validate.errors ?? []).map((e) => `${e.instancePath || 'value'} ${e.message}`).join('; '),
        );
      } catch (error) {
        this.problems.add(schemaPath, 'bad-input-schema', `input "${name}" has an invalid schema: ${error instanceof Error ? error.message : String(error)}`, {
          at: 'key',
          hint: 'fix the JSON Schema of this input',
        });
        continue;
      }
      if (detail !== undefined) {
        this.problems.add([...schemaPath, 'default'], 'bad-default', `default of input "${name}" is invalid: ${detail}`, {
          hint: "make the default follow the input's own type and rules",
        });
      }
    }
  }

  private checkTriggers(): void {
    const on = this.raw.on;
    if (!isRecord(on)) return;
    for (const schedule of listWithPaths(on.schedule, ['on', 'schedule'])) {
      if (!isRecord(schedule.value)) continue;
      const { cron, timezone } = schedule.value;
      let zoneOk = true;
      if (typeof timezone === 'string') {
        zoneOk = isValidTimeZone(timezone);
        if (!zoneOk) {
          const hint = didYouMean(timezone, supportedTimeZones());
          this.problems.add([...schedule.path, 'timezone'], 'bad-timezone', `unknown time zone "${timezone}"`, {
            hint: hint ?? 'use an IANA name such as Europe/Paris or UTC',
          });
        }
      }
      if (typeof cron === 'string') {
        try {
          new Cron(cron, { paused: true, ...(zoneOk && typeof timezone === 'string' ? { timezone } : {}) }).stop();
        } catch (error) {
          this.problems.add([...schedule.path, 'cron'], 'bad-cron', `invalid cron "${cron}": ${error instanceof Error ? error.message : String(error)}`, {
            hint: 'five fields: minute hour day-of-month month day-of-week, e.g. "0 3 * * 1-5"',
          });
        }
      }
    }
  }

  private ancestorsOf(id: string): Set<string> {
    const cached = this.ancestorsCache.get(id);
    if (cached) return cached;
    const result = new Set<string>();
    const queue = [...(this.stepsById.get(id)?.needs ?? [])];
    while (queue.length > 0) {
      const next = queue.shift()!;
      if (result.has(next) || !this.stepsById.has(next)) continue;
      result.add(next);
      queue.push(...this.stepsById.get(next)!.needs);
    }
    this.ancestorsCache.set(id, result);
    return result;
  }

  private checkExpressions(): void {
    const raw = this.raw;
    for (const key of ['id', 'name', 'description', 'category', 'tags', 'version', 'phases', 'inputs', 'defaults']) {
      this.forEachString(raw[key], [key], (text, path) => this.rejectExpressions(text, path, `in ${key}`));
    }
    const topContexts = ['inputs', 'trigger', 'secrets', 'run'];
    this.forEachString(raw.env, ['env'], (text, path) => this.checkText(text, path, topContexts, undefined));
    if (isRecord(raw.concurrency)) {
      this.forEachString(raw.concurrency.group, ['concurrency', 'group'], (text, path) => this.checkText(text, path, ['inputs', 'trigger'], undefined));
    }
    if (isRecord(raw.on)) {
      for (const [key, value] of Object.entries(raw.on)) {
        if (key === 'event') {
          for (const event of listWithPaths(value, ['on', 'event'])) {
            if (!isRecord(event.value)) continue;
            this.forEachString(event.value.type, [...event.path, 'type'], (text, path) => this.rejectExpressions(text, path, 'in an event type'));
            if (typeof event.value.if === 'string') this.checkCondition(event.value.if, [...event.path, 'if'], ['trigger'], undefined);
          }
        } else {
          this.forEachString(value, ['on', key], (text, path) => this.rejectExpressions(text, path, 'in triggers'));
        }
      }
    }
    for (const step of this.steps) {
      const base: PathSegment[] = ['steps', step.index];
      const contexts = EXPRESSION_CONTEXTS.filter((c) => c !== 'item' || step.hasForeach);
      for (const [field, value] of Object.entries(step.raw)) {
        const path = [...base, field];
        if (STEP_STATIC_FIELDS.has(field)) {
          this.forEachString(value, path, (text, p) => this.rejectExpressions(text, p, `in "${field}"`));
        } else if (field === 'if') {
          // A foreach's `if` that reads item is decided for each item as the foreach fans out.
          if (typeof value === 'string') this.checkCondition(value, path, contexts, step);
        } else if (field === 'foreach') {
          this.forEachString(value, path, (text, p) =>
            this.checkText(text, p, EXPRESSION_CONTEXTS.filter((c) => c !== 'item'), step),
          );
        } else if (field === 'gate' && isRecord(value)) {
          for (const [gateField, gateValue] of Object.entries(value)) {
            const gatePath = [...path, gateField];
            // Approvers are stored when the gate opens, as written: only the message is interpolated.
            if (gateField === 'message') {
              this.forEachString(gateValue, gatePath, (text, p) => this.checkText(text, p, contexts, step));
            } else {
              this.forEachString(gateValue, gatePath, (text, p) => this.rejectExpressions(text, p, `in gate.${gateField}`));
            }
          }
        } else if (field === 'llm' && isRecord(value)) {
          for (const [llmField, llmValue] of Object.entries(value)) {
            // json_schema is a schema, not text to interpolate.
            if (llmField === 'json_schema') continue;
            this.forEachString(llmValue, [...path, llmField], (text, p) => this.checkText(text, p, contexts, step));
          }
        } else {
          this.forEachString(value, path, (text, p) => this.checkText(text, p, contexts, step));
        }
      }
    }
  }

  /** Calls `visit` for every string in a value (recursing into lists and mappings). */
  private forEachString(value: unknown, path: PathSegment[], visit: (text: string, path: PathSegment[]) => void): void {
    if (typeof value === 'string') visit(value, path);
    else if (Array.isArray(value)) value.forEach((v, i) => this.forEachString(v, [...path, i], visit));
    else if (isRecord(value)) for (const [k, v] of Object.entries(value)) this.forEachString(v, [...path, k], visit);
  }

  private rejectExpressions(text: string, path: PathSegment[], where: string): void {
    const { expressions, unterminatedAt } = scanExpressions(text);
    const first = expressions[0];
    if (first) {
      this.problems.add(path, 'expression-not-allowed', `expressions are not allowed ${where}`, {
        position: this.problems.locator.positionInText(path, text.slice(first.start, first.end), 0),
        hint: 'use a literal value here',
      });
    } else if (unterminatedAt !== undefined && text.includes('${{')) {
      this.problems.add(path, 'expression-not-allowed', `expressions are not allowed ${where}`);
    }
  }

  private checkText(text: string, path: PathSegment[], contexts: readonly string[], step: StepInfo | undefined): void {
    const { expressions, unterminatedAt } = scanExpressions(text);
    for (const found of expressions) {
      const rawText = text.slice(found.start, found.end);
      const innerStart = rawText.indexOf(found.expression, 3);
      this.checkExpression(found.expression, path, rawText, innerStart < 0 ? 3 : innerStart, contexts, step);
    }
    if (unterminatedAt !== undefined) {
      const rest = text.slice(unterminatedAt);
      this.problems.add(path, 'unterminated-expression', '"${{" is never closed by "}}"', {
        position: this.problems.locator.positionInText(path, rest.split('\n')[0]!, 0),
        hint: 'close the expression with }}',
      });
    }
  }

  private checkCondition(text: string, path: PathSegment[], contexts: readonly string[], step: StepInfo | undefined): void {
    const expression = conditionExpression(text);
    if (expression === undefined) {
      this.problems.add(path, 'if-mixed-text', 'this condition mixes text with ${{ }}: it is one non-empty string, always true', {
        hint: 'write the whole condition inside one ${{ }}, or without ${{ }} at all',
      });
      return;
    }
    const { unterminatedAt } = scanExpressions(text);
    if (unterminatedAt !== undefined) {
      this.problems.add(path, 'unterminated-expression', '"${{" is never closed by "}}"', { hint: 'close the expression with }}' });
      return;
    }
    this.checkExpression(expression, path, expression, 0, contexts, step);
  }

  /**
   * Parses one expression and checks what it reads. `needle` is text to find in the source
   * scalar and `offset` where the expression starts in it, to locate problems precisely.
   */
  private checkExpression(
    expression: string,
    path: PathSegment[],
    needle: string,
    offset: number,
    contexts: readonly string[],
    step: StepInfo | undefined,
  ): void {
    const at = (column: number) => this.problems.locator.positionInText(path, needle, offset + column);
    const parsed = parseExpression(expression, contexts);
    if (!parsed.ok) {
      const position = at(parsed.column ?? 0);
      const token = /'([^']*)'/.exec(parsed.message)?.[1] ?? '';
      if (parsed.kind === 'unknown-context') {
        const known = (EXPRESSION_CONTEXTS as readonly string[]).includes(token.toLowerCase());
        if (known && token.toLowerCase() === 'item') {
          this.problems.add(path, 'item-outside-foreach', '"item" is only available in a step with foreach, and not in its foreach list', {
            position,
            hint: 'read item in the fields of a foreach step (run, prompt, env, ...)',
          });
        } else if (known) {
          this.problems.add(path, 'context-not-available', `"${token}" is not available here`, {
            position,
            hint: `available here: ${contexts.join(', ')}`,
          });
        } else {
          this.problems.add(path, 'unknown-context', `unknown context "${token}" in \${{ ${expression} }}`, {
            position,
            hint: didYouMean(token, contexts) ?? `available here: ${contexts.join(', ')}`,
          });
        }
      } else if (parsed.kind === 'unknown-function') {
        const hint = didYouMean(token, FUNCTION_NAMES) ?? `functions: ${FUNCTION_NAMES.join(', ')}`;
        this.problems.add(path, 'unknown-function', `unknown function "${token}"`, { position, hint });
      } else if (parsed.kind === 'arguments') {
        const usage = FUNCTION_USAGE[token.toLowerCase()];
        this.problems.add(path, 'expression-arguments', `${parsed.message} in \${{ ${expression} }}`, {
          position,
          ...(usage ? { hint: `usage: ${usage}` } : {}),
        });
      } else {
        this.problems.add(path, 'expression-syntax', `${parsed.message} in \${{ ${expression} }}`, {
          position,
          hint: "operators are == != < <= > >= && || !, and text is quoted with single quotes: 'text'",
        });
      }
      return;
    }
    for (const reference of collectReferences(parsed.ast, expression)) {
      this.checkReference(reference, path, at(reference.column), step);
    }
    for (const comparison of collectComparisons(parsed.ast, expression)) {
      const { reference, value } = comparison;
      const property = reference.path[1]?.toLowerCase();
      const isStatus = (reference.context === 'steps' || reference.context === 'needs') && reference.path.length === 2;
      if (!isStatus || (property !== 'outcome' && property !== 'conclusion')) continue;
      if ((STEP_RESULTS as readonly string[]).includes(value.toLowerCase())) continue;
      const hint = GITHUB_RESULT_WORDS[value.toLowerCase()] ?? didYouMean(value, STEP_RESULTS);
      this.problems.add(path, 'bad-step-result', `a step's ${property} is one of ${STEP_RESULTS.join(', ')}; '${value}' never matches`, {
        position: at(comparison.column),
        ...(hint ? { hint: hint.startsWith('did') ? hint : `write '${hint}'` } : {}),
      });
    }
  }

  private checkReference(
    reference: ExpressionReference,
    path: PathSegment[],
    position: { line: number; column: number },
    step: StepInfo | undefined,
  ): void {
    const [first, second, third] = reference.path;
    if (reference.context === 'inputs' && first !== undefined) {
      if (!this.inputNames.some((n) => n.toLowerCase() === first.toLowerCase())) {
        this.problems.add(path, 'unknown-input', `input "${first}" is not declared`, {
          position,
          hint: didYouMean(first, this.inputNames) ?? 'declare it under inputs.properties',
        });
      }
      return;
    }
    if (reference.context === 'needs' && first !== undefined && step) {
      if (!step.needs.some((n) => n.toLowerCase() === first.toLowerCase())) {
        this.problems.add(path, 'not-a-need', `needs.${first} is read but step "${step.id}" does not need "${first}"`, {
          position,
          hint: `add "${first}" to needs`,
        });
      }
      return;
    }
    if (reference.context !== 'steps' || first === undefined || !step) return;
    const target = [...this.stepsById.values()].find((s) => s.id!.toLowerCase() === first.toLowerCase());
    if (!target) {
      const hint = didYouMean(first, this.stepsById.keys());
      this.problems.add(path, 'unknown-step', `steps.${first}: there is no step "${first}"`, { position, ...(hint ? { hint } : {}) });
      return;
    }
    if (target.id === step.id) {
      this.problems.add(path, 'self-reference', `step "${step.id}" reads its own outputs`, {
        position,
        hint: 'read them in a later step that needs this one',
      });
      return;
    }
    if (step.id !== undefined && !this.ancestorsOf(step.id).has(target.id!)) {
      this.problems.add(path, 'not-a-dependency', `step "${step.id}" reads steps.${target.id} but does not wait for it`, {
        position,
        hint: `add "${target.id}" to needs (directly or through a step it needs)`,
      });
      return;
    }
    if (second !== undefined && !STEP_PROPERTIES.includes(second.toLowerCase())) {
      const hint = didYouMean(second, STEP_PROPERTIES);
      this.problems.add(path, 'unknown-step-property', `steps.${first}.${second}: a step has only ${STEP_PROPERTIES.join(', ')}`, {
        position,
        ...(hint ? { hint } : {}),
      });
      return;
    }
    if (second?.toLowerCase() === 'outputs' && third !== undefined && target.outputNames !== undefined) {
      if (!target.outputNames.some((n) => n.toLowerCase() === third.toLowerCase())) {
        this.problems.add(path, 'unknown-output', `step "${target.id}" declares no output "${third}"`, {
          position,
          hint: didYouMean(third, target.outputNames) ?? `declared: ${target.outputNames.join(', ') || 'none'}`,
        });
      }
    }
  }
}

/**
 * Outputs Baton sets itself, by step kind, whatever the step declares: a script's exit code
 * and stdout tail, an agent's final text, a gate's decision. Foreach steps add `items`.
 */
export const BUILTIN_OUTPUTS: Readonly<Record<string, readonly string[]>> = {
  run: ['exit_code', 'stdout_tail'],
  agent: ['result'],
  llm: ['text', 'result'],
  gate: ['decision', 'approved', 'by', 'comment'],
  mcp: ['result'],
  workflow: [],
};

/** Outputs every gate step has, whatever its form. */
export const GATE_OUTPUTS = BUILTIN_OUTPUTS.gate!;

/**
 * Output names a step promises, or undefined when it declares none (then any name may be
 * read): its `outputs`, a gate's form fields, an llm's json_schema members, plus the
 * outputs Baton sets for its kind.
 */
function declaredOutputs(step: RawRecord): string[] | undefined {
  const names = new Set<string>();
  let declared = false;
  if (isRecord(step.outputs)) {
    declared = true;
    for (const name of Object.keys(step.outputs)) names.add(name);
  }
  if (isRecord(step.gate)) {
    declared = true;
    const form = isRecord(step.gate.inputs) && isRecord(step.gate.inputs.properties) ? step.gate.inputs.properties : {};
    for (const name of Object.keys(form)) names.add(name);
  }
  if (isRecord(step.llm) && isRecord(step.llm.json_schema) && isRecord(step.llm.json_schema.properties)) {
    declared = true;
    for (const name of Object.keys(step.llm.json_schema.properties)) names.add(name);
  }
  if (!declared) return undefined;
  for (const kind of STEP_KINDS) {
    if (step[kind] !== undefined) for (const name of BUILTIN_OUTPUTS[kind] ?? []) names.add(name);
  }
  if (step.foreach !== undefined) names.add('items');
  return [...names];
}

function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function supportedTimeZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  return [...(intl.supportedValuesOf?.('timeZone') ?? []), 'UTC'];
}

/** Runs every semantic check on a raw template object, adding problems to `problems`. */
export function checkTemplateSemantics(raw: unknown, problems: ProblemList): void {
  if (!isRecord(raw)) return;
  new TemplateChecker(raw, problems).run();
}
