/**
 * The template file format, validated with the one JSON Schema editors also use
 * (schemas/template.schema.json), and ajv's errors turned into located, readable problems.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import templateSchemaJson from '../../../schemas/template.schema.json';
import { didYouMean, type FieldPath, type PathSegment, type ProblemList } from './problems';

/** The JSON Schema of template files (also contributed to editors through yamlValidation). */
export const templateSchema: Record<string, unknown> = templateSchemaJson as Record<string, unknown>;

let compiled: ValidateFunction | undefined;

function templateValidator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
    // Editor-only annotation (completion snippets in the YAML language server).
    ajv.addKeyword({ keyword: 'defaultSnippets' });
    compiled = ajv.compile(templateSchema);
  }
  return compiled;
}

/** `/steps/2/needs` -> ['steps', 2, 'needs'] (ajv escapes `/` and `~` as in JSON Pointer). */
function pointerToPath(pointer: string): PathSegment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

function valueAt(root: unknown, path: FieldPath): unknown {
  let current = root;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[segment as string];
  }
  return current;
}

/** JSON type name of a value, as schemas spell it. */
export function jsonTypeOf(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'a boolean',
  array: 'a list',
  object: 'a mapping',
  null: 'empty',
};

function describeTypes(types: readonly string[]): string {
  const words = [...new Set(types)].map((t) => TYPE_WORDS[t] ?? t);
  return words.length <= 1 ? (words[0] ?? 'something else') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}

function describeValue(value: unknown): string {
  const type = jsonTypeOf(value);
  if (type === 'string') return JSON.stringify(value);
  if (type === 'array') return 'a list';
  if (type === 'object') return 'a mapping';
  if (type === 'null') return 'nothing';
  if (type === 'function') return 'a function';
  return String(value);
}

function branchTypes(branch: unknown): string[] {
  const schema = branch as { type?: string | string[]; $ref?: string };
  let resolved: { type?: string | string[] } = schema;
  if (schema.$ref?.startsWith('#/definitions/')) {
    const definitions = templateSchema.definitions as Record<string, { type?: string | string[] }>;
    resolved = definitions[schema.$ref.slice('#/definitions/'.length)] ?? {};
  }
  if (resolved.type === undefined) return [];
  return Array.isArray(resolved.type) ? resolved.type : [resolved.type];
}

function typeMatches(types: readonly string[], value: unknown): boolean {
  const actual = jsonTypeOf(value);
  return types.some((t) => t === actual || (t === 'number' && actual === 'integer'));
}

/**
 * Resolves `anyOf` failures to the branch whose type fits the value (so `timeout: 5x`
 * reports the bad duration, not "must be a number"); a value fitting no branch gets one
 * "must be a string or a list" error.
 */
function collapseAnyOf(errors: readonly ErrorObject[], data: unknown): ErrorObject[] {
  const out: ErrorObject[] = [];
  for (const error of errors) {
    if (error.keyword !== 'anyOf') {
      out.push(error);
      continue;
    }
    const at = error.instancePath;
    const group: ErrorObject[] = [];
    while (out.length > 0) {
      const last = out[out.length - 1]!;
      if (last.instancePath !== at && !last.instancePath.startsWith(`${at}/`)) break;
      group.unshift(out.pop()!);
    }
    const branches = Array.isArray(error.schema) ? (error.schema as unknown[]) : [];
    const value = valueAt(data, pointerToPath(at));
    const fitting = branches.find((b) => typeMatches(branchTypes(b), value));
    if (fitting !== undefined) {
      out.push(...group.filter((e) => !(e.keyword === 'type' && e.instancePath === at)));
    } else {
      out.push({
        ...error,
        keyword: 'type',
        params: { type: branches.flatMap(branchTypes) },
        message: 'must be one of the allowed types',
      });
    }
  }
  return out;
}

/** How to write a value of the expected type. */
function typeHint(types: readonly string[], value: unknown): string {
  const wanted = new Set(types);
  if (wanted.has('string') && (typeof value === 'number' || typeof value === 'boolean')) return `quote it to make it text: "${String(value)}"`;
  if (wanted.has('string') && wanted.has('array')) return 'write one value, or a list such as [a, b]';
  if (wanted.has('array')) return 'write a list: [a, b], or one "- item" per line';
  if (wanted.has('object') && wanted.has('boolean')) return 'write true, or indented "key: value" lines';
  if (wanted.has('object')) return 'write indented "key: value" lines';
  if (wanted.has('boolean')) return 'write true or false (without quotes)';
  if (wanted.has('integer') || wanted.has('number')) return 'write a number without quotes';
  return `write ${describeTypes(types)}`;
}

const DURATION_HINT = 'write a number of seconds, or units such as 30s, 5m, 2h, 1h30m';

function reportError(error: ErrorObject, data: unknown, problems: ProblemList): void {
  const path = pointerToPath(error.instancePath);
  const value = valueAt(data, path);
  const isDuration = error.schemaPath.includes('/definitions/duration/');
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const known = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const hint = didYouMean(key, known);
      problems.add([...path, key], 'unknown-key', `unknown field "${key}"`, { at: 'key', ...(hint ? { hint } : {}) });
      return;
    }
    case 'required': {
      const field = String(params.missingProperty);
      problems.add(path, 'missing-field', `missing required field "${field}"`, {
        at: path.length === 0 ? 'value' : 'key',
        hint: field === 'id' && path[0] === 'steps' ? 'add "id: <name>" to this step' : `add "${field}:" here`,
      });
      return;
    }
    case 'type': {
      const types = Array.isArray(params.type) ? (params.type as string[]) : [String(params.type)];
      problems.add(path, 'wrong-type', `must be ${describeTypes(types)}, got ${describeValue(value)}`, { hint: typeHint(types, value) });
      return;
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const hint = typeof value === 'string' ? didYouMean(value, allowed) : undefined;
      problems.add(path, 'bad-value', `must be one of ${allowed.join(', ')}; got ${describeValue(value)}`, {
        hint: hint ?? `write one of: ${allowed.join(', ')}`,
      });
      return;
    }
    case 'pattern': {
      if (isDuration) {
        problems.add(path, 'bad-duration', `invalid duration ${describeValue(value)}`, { hint: DURATION_HINT });
        return;
      }
      const last = path.at(-1);
      if (last === 'id' && path.length === 1) {
        problems.add(path, 'bad-id', `invalid template id ${describeValue(value)}`, {
          hint: 'use lower-case words joined by dashes, e.g. fix-tests',
        });
        return;
      }
      if (last === 'id' || path[0] === 'phases') {
        problems.add(path, 'bad-id', `invalid ${last === 'id' ? 'step id' : 'phase name'} ${describeValue(value)}`, {
          hint: 'use letters, digits, "_" and "-", starting with a letter or "_"',
        });
        return;
      }
      problems.add(path, 'bad-format', `${describeValue(value)} does not match ${String(params.pattern)}`);
      return;
    }
    case 'propertyNames': {
      const name = String(params.propertyName);
      problems.add([...path, name], 'bad-name', `invalid name "${name}"`, {
        at: 'key',
        hint: 'use letters, digits and "_" (and "-" outside env), starting with a letter or "_"',
      });
      return;
    }
    case 'exclusiveMinimum':
      if (isDuration) {
        problems.add(path, 'bad-duration', `duration must be greater than 0; got ${describeValue(value)}`, { hint: DURATION_HINT });
        return;
      }
      problems.add(path, 'out-of-range', `must be greater than ${String(params.limit)}; got ${describeValue(value)}`, {
        hint: `use a value greater than ${String(params.limit)}`,
      });
      return;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMaximum':
      problems.add(path, 'out-of-range', `must be ${String(params.comparison)} ${String(params.limit)}; got ${describeValue(value)}`, {
        hint: error.keyword === 'minimum' ? `use ${String(params.limit)} or more` : error.keyword === 'maximum' ? `use ${String(params.limit)} or less` : `use a value below ${String(params.limit)}`,
      });
      return;
    case 'minItems':
      problems.add(path, 'too-few-items', `must have at least ${String(params.limit)} item${params.limit === 1 ? '' : 's'}`, {
        hint: path.length === 1 && path[0] === 'steps' ? 'add a step, e.g. "- id: hello" with "run: echo hello"' : 'add an item, or remove the field',
      });
      return;
    case 'maxLength':
    case 'minLength':
      problems.add(
        path,
        'out-of-range',
        error.keyword === 'minLength' && params.limit === 1 ? 'must not be empty' : `length ${String(error.message)}`,
        { hint: error.keyword === 'minLength' ? 'write a longer value' : 'write a shorter value' },
      );
      return;
    case 'uniqueItems': {
      const index = Math.max(Number(params.i), Number(params.j));
      problems.add([...path, index], 'duplicate-item', `duplicate item ${describeValue(valueAt(value, [index]))}`, {
        hint: 'remove the repeated item',
      });
      return;
    }
    default:
      problems.add(path, 'schema', `${formatKeyword(error)}`);
  }
}

function formatKeyword(error: ErrorObject): string {
  return error.message ?? `fails ${error.keyword}`;
}

/** Validates a parsed template object against the schema; adds one problem per distinct error. */
export function checkTemplateSchema(data: unknown, problems: ProblemList): boolean {
  const validate = templateValidator();
  if (validate(data)) return true;
  // propertyNames reports the failing keyword inside it too; the propertyNames error says it better.
  const errors = collapseAnyOf(validate.errors ?? [], data).filter((e) => (e as { propertyName?: string }).propertyName === undefined);
  const seen = new Set<string>();
  for (const error of errors) {
    const before = problems.items.length;
    reportError(error, data, problems);
    const added = problems.items[before];
    if (!added) continue;
    const key = `${added.path}|${added.code}|${added.message}`;
    if (seen.has(key)) problems.items.splice(before, 1);
    else seen.add(key);
  }
  return false;
}
