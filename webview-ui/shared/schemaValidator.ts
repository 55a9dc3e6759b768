/**
 * A JSON Schema validator for forms that needs no code generation. Ajv compiles schemas with
 * `new Function`, which the webview CSP (no 'unsafe-eval') forbids, so the webview interprets the
 * subset template inputs and gate forms use; the host validates again with ajv and the same schema
 * (test/unit/webview/schemaValidator.test.ts keeps the two in agreement).
 */
import type { CustomValidator, ErrorSchema, ErrorTransformer, RJSFSchema, RJSFValidationError, UiSchema, ValidationData, ValidatorType } from '@rjsf/utils';
import { createErrorHandler, toErrorList, toErrorSchema, unwrapErrorHandler, validationDataMerge } from '@rjsf/utils';

export interface SchemaError {
  /** Dotted path of the offending value, `.a.b`; '' for the root. */
  property: string;
  keyword: string;
  message: string;
  params: Record<string, unknown>;
}

type Schema = Record<string, unknown>;

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function matchesType(v: unknown, t: string): boolean {
  const actual = typeOf(v);
  if (t === 'number') return actual === 'number' || actual === 'integer';
  return actual === t;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Schema)[k], (b as Schema)[k]));
}

const FORMATS: Record<string, RegExp> = {
  email: /^[^\s@]+@[^\s@]+\.[^\s@]+$/,
  uri: /^[a-z][a-z0-9+.-]*:[^\s]*$/i,
  date: /^\d{4}-\d{2}-\d{2}$/,
  'date-time': /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/,
  time: /^\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?$/,
};

/** Validates `data` against `schema`; returns every error found. */
export function validateSchema(schema: unknown, data: unknown, property = ''): SchemaError[] {
  if (typeof schema === 'boolean') return schema ? [] : [{ property, keyword: 'false schema', message: 'must not be present', params: {} }];
  if (typeof schema !== 'object' || schema === null) return [];
  const s = schema as Schema;
  const errors: SchemaError[] = [];
  const err = (keyword: string, message: string, params: Record<string, unknown> = {}) => errors.push({ property, keyword, message, params });

  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
    if (!types.some((t) => matchesType(data, t))) {
      err('type', `must be ${types.join(',')}`, { type: s.type });
      return errors;
    }
  }
  if (Array.isArray(s.enum) && !s.enum.some((e) => deepEqual(e, data))) err('enum', 'must be equal to one of the allowed values', { allowedValues: s.enum });
  if ('const' in s && !deepEqual(s.const, data)) err('const', 'must be equal to constant', { allowedValue: s.const });

  if (typeof data === 'string') {
    const length = [...data].length;
    if (typeof s.minLength === 'number' && length < s.minLength) err('minLength', `must NOT have fewer than ${s.minLength} characters`, { limit: s.minLength });
    if (typeof s.maxLength === 'number' && length > s.maxLength) err('maxLength', `must NOT have more than ${s.maxLength} characters`, { limit: s.maxLength });
    if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(data)) err('pattern', `must match pattern "${s.pattern}"`, { pattern: s.pattern });
    if (typeof s.format === 'string' && FORMATS[s.format] && !FORMATS[s.format]!.test(data)) err('format', `must match format "${s.format}"`, { format: s.format });
  }
  if (typeof data === 'number') {
    if (typeof s.minimum === 'number' && data < s.minimum) err('minimum', `must be >= ${s.minimum}`, { comparison: '>=', limit: s.minimum });
    if (typeof s.maximum === 'number' && data > s.maximum) err('maximum', `must be <= ${s.maximum}`, { comparison: '<=', limit: s.maximum });
    if (typeof s.exclusiveMinimum === 'number' && data <= s.exclusiveMinimum) err('exclusiveMinimum', `must be > ${s.exclusiveMinimum}`, { comparison: '>', limit: s.exclusiveMinimum });
    if (typeof s.exclusiveMaximum === 'number' && data >= s.exclusiveMaximum) err('exclusiveMaximum', `must be < ${s.exclusiveMaximum}`, { comparison: '<', limit: s.exclusiveMaximum });
    if (typeof s.multipleOf === 'number' && s.multipleOf > 0 && Math.abs(data / s.multipleOf - Math.round(data / s.multipleOf)) > 1e-9) err('multipleOf', `must be multiple of ${s.multipleOf}`, { multipleOf: s.multipleOf });
  }
  if (Array.isArray(data)) {
    if (typeof s.minItems === 'number' && data.length < s.minItems) err('minItems', `must NOT have fewer than ${s.minItems} items`, { limit: s.minItems });
    if (typeof s.maxItems === 'number' && data.length > s.maxItems) err('maxItems', `must NOT have more than ${s.maxItems} items`, { limit: s.maxItems });
    if (s.uniqueItems === true) {
      for (let i = 0; i < data.length; i++) for (let j = i + 1; j < data.length; j++) if (deepEqual(data[i], data[j])) {
        err('uniqueItems', `must NOT have duplicate items (items ## ${j} and ${i} are identical)`, { i, j });
        i = data.length;
        break;
      }
    }
    if (s.items && typeof s.items === 'object' && !Array.isArray(s.items)) data.forEach((item, i) => errors.push(...validateSchema(s.items, item, `${property}.${i}`)));
  }
  if (typeOf(data) === 'object') {
    const obj = data as Schema;
    const props = (s.properties ?? {}) as Record<string, unknown>;
    for (const name of (Array.isArray(s.required) ? s.required : []) as string[]) {
      if (obj[name] === undefined) errors.push({ property: `${property}.${name}`, keyword: 'required', message: 'is required', params: { missingProperty: name } });
    }
    for (const [name, value] of Object.entries(obj)) {
      if (value === undefined) continue;
      if (name in props) errors.push(...validateSchema(props[name], value, `${property}.${name}`));
      else if (s.additionalProperties === false) err('additionalProperties', `must NOT have additional property '${name}'`, { additionalProperty: name });
      else if (typeof s.additionalProperties === 'object') errors.push(...validateSchema(s.additionalProperties, value, `${property}.${name}`));
    }
  }
  if (Array.isArray(s.allOf)) for (const sub of s.allOf) errors.push(...validateSchema(sub, data, property));
  if (Array.isArray(s.anyOf) && !s.anyOf.some((sub) => validateSchema(sub, data, property).length === 0)) err('anyOf', 'must match a schema in anyOf');
  if (Array.isArray(s.oneOf) && s.oneOf.filter((sub) => validateSchema(sub, data, property).length === 0).length !== 1) err('oneOf', 'must match exactly one schema in oneOf');
  return errors;
}

function toRjsfErrors(errors: SchemaError[]): RJSFValidationError[] {
  return errors.map((e) => ({
    name: e.keyword,
    property: e.property,
    message: e.message,
    params: e.params,
    stack: `${e.property.replace(/^\./, '')} ${e.message}`.trim(),
    schemaPath: '',
  }));
}

/** RJSF validator backed by `validateSchema` (same contract as @rjsf/validator-ajv8). */
export const interpretingValidator: ValidatorType = {
  validateFormData(formData: unknown, schema: RJSFSchema, customValidate?: CustomValidator, transformErrors?: ErrorTransformer, uiSchema?: UiSchema): ValidationData<unknown> {
    let errors = toRjsfErrors(validateSchema(schema, formData ?? {}));
    if (transformErrors) errors = transformErrors(errors, uiSchema);
    let errorSchema = toErrorSchema(errors) as ErrorSchema;
    if (customValidate) {
      const handler = customValidate(formData, createErrorHandler(formData), uiSchema);
      const custom = unwrapErrorHandler(handler) as ErrorSchema;
      const merged = validationDataMerge({ errors, errorSchema }, custom);
      errors = merged.errors;
      errorSchema = merged.errorSchema;
    }
    return { errors, errorSchema };
  },
  isValid(schema: RJSFSchema, formData: unknown): boolean {
    return validateSchema(schema, formData).length === 0;
  },
  rawValidation<Result>(schema: RJSFSchema, formData?: unknown): { errors?: Result[]; validationError?: Error } {
    return { errors: validateSchema(schema, formData) as unknown as Result[] };
  },
};

export { toErrorList };
