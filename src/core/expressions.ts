/**
 * `${{ … }}` expressions: one wrapper over @actions/expressions used by the template
 * validator (parse, find references) and by the engine (evaluate, interpolate, conditions).
 * GitHub Actions semantics where they exist: case-insensitive names, `if:` without `${{ }}`,
 * an implicit `success() &&` when a condition names no status function.
 */
import { Evaluator, Lexer, Parser, data, type Expr } from '@actions/expressions';
import { Binary, ContextAccess, FunctionCall, IndexAccess, Literal } from '@actions/expressions/ast';
import type { FunctionDefinition } from '@actions/expressions/funcs/info';
import { ExpressionError } from './errors';
import type { JsonValue } from './model';

/** Every context a template expression may name. */
export const EXPRESSION_CONTEXTS = ['inputs', 'steps', 'env', 'secrets', 'run', 'item', 'trigger', 'needs'] as const;
export type ExpressionContextName = (typeof EXPRESSION_CONTEXTS)[number];

/** Functions whose value depends on the state of the run; only meaningful in `if:`. */
export const STATUS_FUNCTION_NAMES = ['success', 'failure', 'always', 'cancelled'] as const;

/** One step as expressions see it: `steps.<id>.outputs.x`, `steps.<id>.outcome`. */
export interface StepExpressionState {
  outputs: Record<string, JsonValue>;
  /** Result before `continue_on_error` (succeeded, failed, skipped, cancelled); null while unfinished. */
  outcome: string | null;
  /** Result after `continue_on_error`. */
  conclusion: string | null;
}

/** The data an expression is evaluated against. Missing contexts evaluate to null. */
export interface ExpressionContext {
  inputs?: Record<string, JsonValue>;
  steps?: Record<string, StepExpressionState>;
  env?: Record<string, string>;
  secrets?: Record<string, string>;
  run?: Record<string, JsonValue>;
  item?: JsonValue;
  trigger?: JsonValue;
  needs?: Record<string, StepExpressionState>;
}

/** Status of the step being decided, supplied by the engine. */
export interface StatusFunctions {
  /** True when every step this one needs succeeded (and the run is not cancelled). */
  success(): boolean;
  /** True when any step this one needs (transitively) failed. */
  failure(): boolean;
  always(): true;
  /** True when the run was cancelled. */
  cancelled(): boolean;
}

/** A `${{ }}` found in a string: its inner text (trimmed) and the offsets of `${{` and after `}}`. */
export interface FoundExpression {
  expression: string;
  start: number;
  end: number;
}

export type ExpressionProblemKind = 'syntax' | 'unknown-context' | 'unknown-function' | 'arguments' | 'unterminated';

export type ParsedExpression =
  | { ok: true; ast: Expr }
  | { ok: false; message: string; column?: number; kind: ExpressionProblemKind };

/** A context path an expression reads, e.g. `inputs.name` -> { context: 'inputs', path: ['name'] }. */
export interface ExpressionReference {
  context: string;
  /** Literal keys after the context, up to the first computed or `*` index. */
  path: string[];
  /** 0-based offset of the context name in the expression text (its column on its line without `expression`). */
  column: number;
}

/** Scans `text` for `${{ … }}`; `unterminatedAt` is the offset of a `${{` that never closes. */
export function scanExpressions(text: string): { expressions: FoundExpression[]; unterminatedAt?: number } {
  const expressions: FoundExpression[] = [];
  let from = 0;
  for (;;) {
    const start = text.indexOf('${{', from);
    if (start < 0) return { expressions };
    let i = start + 3;
    let inString = false;
    let end = -1;
    while (i < text.length) {
      const ch = text[i];
      if (inString) {
        if (ch === "'") {
          // '' is an escaped quote inside a string literal.
          if (text[i + 1] === "'") i += 1;
          else inString = false;
        }
      } else if (ch === "'") {
        inString = true;
      } else if (ch === '}' && text[i + 1] === '}') {
        end = i + 2;
        break;
      }
      i += 1;
    }
    if (end < 0) return { expressions, unterminatedAt: start };
    expressions.push({ expression: text.slice(start + 3, end - 2).trim(), start, end });
    from = end;
  }
}

/** Every complete `${{ … }}` in `text`, in order. */
export function findExpressions(text: string): FoundExpression[] {
  return scanExpressions(text).expressions;
}

const statusFunctionInfo = STATUS_FUNCTION_NAMES.map((name) => ({ name, minArgs: 0, maxArgs: 0 }));

// The library's error type is private; its numeric enum is stable (errors.d.ts ErrorType).
const LIBRARY_ERROR_KINDS: Record<number, ExpressionProblemKind> = {
  0: 'syntax',
  1: 'unknown-context',
  2: 'syntax',
  3: 'syntax',
  4: 'syntax',
  5: 'arguments',
  6: 'arguments',
  7: 'arguments',
  8: 'unknown-context',
  9: 'unknown-function',
};

/** Offset of (line, column) inside `text` (both 0-based, as the library's lexer counts). */
function offsetOf(text: string, line: number, column: number): number {
  let offset = 0;
  for (let l = 0; l < line; l += 1) {
    const nl = text.indexOf('\n', offset);
    if (nl < 0) break;
    offset = nl + 1;
  }
  return offset + column;
}

/** Parses one expression (the inside of `${{ }}`); `column` is a 0-based offset into `expression`. */
export function parseExpression(
  expression: string,
  contextNames: readonly string[] = EXPRESSION_CONTEXTS,
): ParsedExpression {
  if (expression.trim() === '') return { ok: false, message: 'empty expression', column: 0, kind: 'syntax' };
  try {
    const { tokens } = new Lexer(expression).lex();
    const ast = new Parser(tokens, [...contextNames], statusFunctionInfo).parse();
    return { ok: true, ast };
  } catch (error) {
    const pos = (error as { pos?: { line: number; column: number } }).pos;
    const typ = (error as { typ?: number }).typ;
    const message = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      message,
      column: pos ? offsetOf(expression, pos.line, pos.column) : undefined,
      kind: (typ !== undefined ? LIBRARY_ERROR_KINDS[typ] : undefined) ?? 'syntax',
    };
  }
}

/** Walks an expression tree, calling `visit` on every node. */
function walk(ast: Expr, visit: (node: Expr) => void): void {
  const children = (node: Expr): Expr[] => {
    const n = node as unknown as Record<string, unknown>;
    const out: Expr[] = [];
    for (const key of ['expr', 'left', 'right', 'group', 'index']) {
      const child = n[key];
      if (child && typeof (child as Expr).accept === 'function') out.push(child as Expr);
    }
    if (Array.isArray(n.args)) out.push(...(n.args as Expr[]));
    return out;
  };
  const stack: Expr[] = [ast];
  while (stack.length > 0) {
    const node = stack.pop()!;
    visit(node);
    stack.push(...children(node));
  }
}

/** Context paths read by a parsed expression (`steps.build.outputs.x` -> steps, [build, outputs, x]). */
export function collectReferences(ast: Expr, expression?: string): ExpressionReference[] {
  const refs: ExpressionReference[] = [];
  const inChain = new Set<Expr>();
  walk(ast, (node) => {
    if (inChain.has(node)) return;
    // The outermost IndexAccess of a chain: unwind to its root.
    if (node instanceof IndexAccess || node instanceof ContextAccess) {
      const keys: Array<string | null> = [];
      let cur: Expr = node;
      while (cur instanceof IndexAccess) {
        inChain.add(cur);
        const index: Expr = cur.index;
        keys.unshift(index instanceof Literal && index.literal.kind === data.Kind.String ? index.literal.coerceString() : null);
        cur = cur.expr;
      }
      if (cur instanceof ContextAccess) {
        inChain.add(cur);
        const cut = keys.indexOf(null);
        refs.push({
          context: cur.name.lexeme.toLowerCase(),
          path: (cut < 0 ? keys : keys.slice(0, cut)) as string[],
          column: expression === undefined ? cur.name.range.start.column : offsetOf(expression, cur.name.range.start.line, cur.name.range.start.column),
        });
      }
    }
  });
  return refs.sort((a, b) => a.column - b.column);
}

/** A context path compared with a string literal: `steps.build.outcome == 'failure'`. */
export interface ExpressionComparison {
  reference: ExpressionReference;
  value: string;
  /** 0-based offset of the string literal in the expression text. */
  column: number;
}

/** Comparisons (`==`, `!=`) of a context path with a string literal, on either side. */
export function collectComparisons(ast: Expr, expression: string): ExpressionComparison[] {
  const found: ExpressionComparison[] = [];
  walk(ast, (node) => {
    if (!(node instanceof Binary) || !['==', '!='].includes(node.operator.lexeme)) return;
    for (const [side, other] of [
      [node.left, node.right],
      [node.right, node.left],
    ] as const) {
      if (!(other instanceof Literal) || other.literal.kind !== data.Kind.String) continue;
      const [reference] = collectReferences(side, expression);
      if (!reference || (!(side instanceof IndexAccess) && !(side instanceof ContextAccess))) continue;
      const start = other.token.range.start;
      found.push({ reference, value: other.literal.coerceString(), column: offsetOf(expression, start.line, start.column) });
    }
  });
  return found;
}

/** Names (lower case) of the functions a parsed expression calls. */
export function calledFunctions(ast: Expr): string[] {
  const names: string[] = [];
  walk(ast, (node) => {
    if (node instanceof FunctionCall) names.push(node.functionName.lexeme.toLowerCase());
  });
  return names;
}

/** True when the expression calls success(), failure(), always() or cancelled(). */
export function usesStatusFunction(ast: Expr): boolean {
  return calledFunctions(ast).some((name) => (STATUS_FUNCTION_NAMES as readonly string[]).includes(name));
}

/** Converts plain JSON to the library's data model. */
function toData(value: unknown): data.ExpressionData {
  if (value === null || value === undefined) return new data.Null();
  if (typeof value === 'string') return new data.StringData(value);
  if (typeof value === 'number') return new data.NumberData(value);
  if (typeof value === 'boolean') return new data.BooleanData(value);
  if (Array.isArray(value)) return new data.Array(...value.map(toData));
  if (typeof value === 'object') {
    return new data.Dictionary(...Object.entries(value).map(([key, v]) => ({ key, value: toData(v) })));
  }
  return new data.StringData(String(value));
}

/** Converts the library's data model back to plain JSON. */
function fromData(value: data.ExpressionData): JsonValue {
  switch (value.kind) {
    case data.Kind.Null:
      return null;
    case data.Kind.Boolean:
      return (value as data.BooleanData).value;
    case data.Kind.Number:
      return (value as data.NumberData).value;
    case data.Kind.String:
      return (value as data.StringData).value;
    case data.Kind.Array:
      return (value as data.Array).values().map(fromData);
    default: {
      const out: Record<string, JsonValue> = {};
      for (const pair of (value as data.Dictionary).pairs()) out[pair.key] = fromData(pair.value);
      return out;
    }
  }
}

function contextDictionary(context: ExpressionContext): data.Dictionary {
  const dict = new data.Dictionary();
  const record = context as Record<string, unknown>;
  for (const name of EXPRESSION_CONTEXTS) dict.add(name, toData(record[name]));
  return dict;
}

function statusFunctionMap(expression: string, status: StatusFunctions | undefined): Map<string, FunctionDefinition> {
  const map = new Map<string, FunctionDefinition>();
  for (const name of STATUS_FUNCTION_NAMES) {
    map.set(name, {
      name,
      minArgs: 0,
      maxArgs: 0,
      call: () => {
        if (!status) throw new ExpressionError(expression, `${name}() is only available in a step's if:`);
        return new data.BooleanData(status[name]());
      },
    });
  }
  return map;
}

function parseOrThrow(expression: string): Expr {
  const parsed = parseExpression(expression);
  if (!parsed.ok) throw new ExpressionError(expression, parsed.message);
  return parsed.ast;
}

function evaluateAst(ast: Expr, expression: string, context: ExpressionContext, status?: StatusFunctions): JsonValue {
  try {
    return fromData(new Evaluator(ast, contextDictionary(context), statusFunctionMap(expression, status)).evaluate());
  } catch (error) {
    if (error instanceof ExpressionError) throw error;
    throw new ExpressionError(expression, error instanceof Error ? error.message : String(error), error);
  }
}

/** Evaluates one expression (the inside of `${{ }}`); throws ExpressionError. */
export function evaluateExpression(expression: string, context: ExpressionContext, status?: StatusFunctions): JsonValue {
  return evaluateAst(parseOrThrow(expression), expression, context, status);
}

/** How a value is written into a string: objects and arrays as JSON, null as ''. */
export function stringifyValue(value: JsonValue): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** Replaces every `${{ }}` in `text` by its value; throws ExpressionError. */
export function interpolate(text: string, context: ExpressionContext, status?: StatusFunctions): string {
  const { expressions, unterminatedAt } = scanExpressions(text);
  if (unterminatedAt !== undefined) {
    throw new ExpressionError(text.slice(unterminatedAt), '`${{` is never closed with `}}`');
  }
  let out = '';
  let last = 0;
  for (const found of expressions) {
    out += text.slice(last, found.start) + stringifyValue(evaluateExpression(found.expression, context, status));
    last = found.end;
  }
  return out + text.slice(last);
}

/**
 * Resolves a template value: a string that is exactly one `${{ }}` keeps the expression's
 * JSON type (lists for `foreach`, objects for `with:`); other strings are interpolated;
 * arrays and objects are resolved member by member.
 */
export function resolveValue(value: JsonValue, context: ExpressionContext, status?: StatusFunctions): JsonValue {
  if (typeof value === 'string') {
    const { expressions } = scanExpressions(value);
    const only = expressions[0];
    if (expressions.length === 1 && only && only.start === 0 && only.end === value.length) {
      return evaluateExpression(only.expression, context, status);
    }
    return expressions.length === 0 ? value : interpolate(value, context, status);
  }
  if (Array.isArray(value)) return value.map((v) => resolveValue(v, context, status));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, JsonValue> = {};
    for (const [key, v] of Object.entries(value)) out[key] = resolveValue(v, context, status);
    return out;
  }
  return value;
}

/** Truthiness as expressions define it: null, false, 0, NaN and '' are false. */
export function isTruthy(value: JsonValue): boolean {
  if (value === null || value === false || value === '') return false;
  if (typeof value === 'number') return value !== 0 && !Number.isNaN(value);
  return true;
}

/**
 * The expression of an `if:`: `${{ x }}` -> `x`, bare text as is. Returns undefined when
 * the text mixes literal text with `${{ }}` (GitHub would treat it as an always-true string).
 */
export function conditionExpression(ifText: string): string | undefined {
  const trimmed = ifText.trim();
  const { expressions } = scanExpressions(trimmed);
  if (expressions.length === 0) return trimmed;
  const only = expressions[0];
  if (expressions.length === 1 && only && only.start === 0 && only.end === trimmed.length) return only.expression;
  return undefined;
}

/**
 * Evaluates a filter that has no run status (a trigger's `event.if`): with or without
 * `${{ }}`, truthy or not; undefined or empty means true. Throws ExpressionError.
 */
export function evaluateFilter(ifText: string | undefined, context: ExpressionContext): boolean {
  if (ifText === undefined || ifText.trim() === '') return true;
  const expression = conditionExpression(ifText);
  if (expression === undefined) return isTruthy(interpolate(ifText, context));
  return isTruthy(evaluateExpression(expression, context));
}

/**
 * What an `if:` reads: the contexts it references (lower case) and whether it calls a status
 * function. An expression that does not parse reads nothing (evaluating it reports the error).
 */
export function conditionReads(ifText: string): { contexts: Set<string>; usesStatus: boolean } {
  const expression = conditionExpression(ifText);
  const texts = expression === undefined ? scanExpressions(ifText).expressions.map((found) => found.expression) : [expression];
  const contexts = new Set<string>();
  let usesStatus = false;
  for (const text of texts) {
    const parsed = parseExpression(text);
    if (!parsed.ok) continue;
    for (const reference of collectReferences(parsed.ast)) contexts.add(reference.context);
    usesStatus ||= expression !== undefined && usesStatusFunction(parsed.ast);
  }
  return { contexts, usesStatus };
}

/** Decides a step's `if:` with GitHub semantics (undefined = `success()`); throws ExpressionError. */
export function evaluateCondition(ifText: string | undefined, context: ExpressionContext, status: StatusFunctions): boolean {
  if (ifText === undefined || ifText.trim() === '') return status.success();
  const expression = conditionExpression(ifText);
  // Literal text around `${{ }}` makes a non-empty string: truthy, as in GitHub Actions.
  if (expression === undefined) return isTruthy(interpolate(ifText, context, status));
  const ast = parseOrThrow(expression);
  if (!usesStatusFunction(ast) && !status.success()) return false;
  return isTruthy(evaluateAst(ast, expression, context, status));
}
