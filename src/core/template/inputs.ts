/**
 * Run inputs: coercion of command-line strings to the declared types, defaults, and
 * validation against the template's input schemas with one problem per bad field.
 */
import { InputInvalidError, type InputProblem } from '../errors';
import type { JsonValue } from '../model';
import { withUserSchema } from './check';
import { didYouMean } from './problems';
import type { InputSchema, TemplateDefinition, TemplateInputs } from './types';

export interface InstantiateOptions {
  /** Values are strings from a command line or a form: convert them to the schema's types first. */
  fromStrings?: boolean;
}

const TRUE_WORDS = new Set(['true', 'yes', 'y', 'on', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'n', 'off', '0']);

/**
 * Converts a string to the type its schema declares: numbers, booleans (`true/yes/1`),
 * arrays (JSON, or comma-separated items) and objects (JSON). A string that does not
 * convert is returned unchanged so validation reports it against the schema.
 */
export function coerceInputString(value: string, schema: InputSchema | undefined): JsonValue {
  switch (schema?.type) {
    case 'number':
    case 'integer': {
      const trimmed = value.trim();
      const n = Number(trimmed);
      return trimmed !== '' && Number.isFinite(n) ? n : value;
    }
    case 'boolean': {
      const word = value.trim().toLowerCase();
      if (TRUE_WORDS.has(word)) return true;
      if (FALSE_WORDS.has(word)) return false;
      return value;
    }
    case 'array': {
      const trimmed = value.trim();
      if (trimmed.startsWith('[')) {
        try {
          return JSON.parse(trimmed) as JsonValue;
        } catch {
          return value;
        }
      }
      if (trimmed === '') return [];
      return trimmed.split(',').map((item) => coerceInputString(item.trim(), schema.items));
    }
    case 'object':
      try {
        return JSON.parse(value) as JsonValue;
      } catch {
        return value;
      }
    default: {
      // No type but an enum of numbers or booleans: `--input level=2` means the enum's 2.
      const match = schema?.enum?.find((candidate) => candidate !== null && typeof candidate !== 'object' && String(candidate) === value);
      return match ?? value;
    }
  }
}

function objectSchema(inputs: TemplateInputs): Record<string, unknown> {
  return { type: 'object', properties: inputs.properties, required: inputs.required, additionalProperties: false };
}

function valueAtPointer(root: unknown, pointer: string): unknown {
  let current = root;
  for (const part of pointer.split('/').slice(1)) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return current;
}

/** Validates values against a `properties`/`required` schema; returns the values with defaults and one problem per bad field. */
export function validateInputValues(
  inputs: TemplateInputs,
  rawValues: Record<string, unknown>,
  options: InstantiateOptions = {},
): { values: Record<string, JsonValue>; problems: InputProblem[] } {
  const problems: InputProblem[] = [];
  const names = Object.keys(inputs.properties);
  const values: Record<string, JsonValue> = {};
  for (const [name, value] of Object.entries(rawValues)) {
    if (value === undefined) continue;
    if (!names.includes(name)) {
      const hint = didYouMean(name, names);
      problems.push({
        field: name,
        message: `unknown input${hint ? `; ${hint}` : names.length > 0 ? ` (inputs: ${names.join(', ')})` : ' (this template takes no inputs)'}`,
      });
      continue;
    }
    const schema = inputs.properties[name];
    values[name] =
      options.fromStrings && typeof value === 'string' ? coerceInputString(value, schema) : (structuredClone(value) as JsonValue);
  }
  const errors = withUserSchema(objectSchema(inputs), (validate) => (validate(values) ? [] : [...(validate.errors ?? [])]));
  if (errors.length > 0) {
    const seen = new Set<string>();
    for (const error of errors) {
      const params = error.params as Record<string, unknown>;
      // Unknown names were reported above with a hint.
      if (error.keyword === 'additionalProperties') continue;
      const field =
        error.keyword === 'required'
          ? String(params.missingProperty)
          : error.instancePath.slice(1).replace(/\//g, '.') || '(inputs)';
      let message = error.message ?? 'is invalid';
      if (error.keyword === 'required') message = 'is required';
      else if (error.keyword === 'type') message = `${message}, got ${JSON.stringify(valueAtPointer(values, error.instancePath))}`;
      else if (error.keyword === 'enum') message = `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
      const key = `${field}|${message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      problems.push({ field, message });
    }
  }
  return { values, problems };
}

/** Checks and completes the inputs of a new run; throws InputInvalidError listing every bad field. */
export function instantiate(
  definition: TemplateDefinition,
  rawInputs: Record<string, unknown>,
  options: InstantiateOptions = {},
): Record<string, JsonValue> {
  const { values, problems } = validateInputValues(definition.inputs, rawInputs, options);
  if (problems.length > 0) throw new InputInvalidError(definition.id, problems);
  return values;
}

/** Names of inputs marked `secret: true` (their values are redacted from logs and events). */
export function secretInputNames(definition: TemplateDefinition): string[] {
  return Object.entries(definition.inputs.properties)
    .filter(([, schema]) => schema.secret === true)
    .map(([name]) => name);
}
