/**
 * Building located template problems: field paths, the locator port (YAML gives real
 * positions, TypeScript templates line 1), and "did you mean" hints.
 */
import type { TemplateProblem } from '../errors';

export type PathSegment = string | number;
export type FieldPath = readonly PathSegment[];

/** 1-based line and column. */
export interface SourcePosition {
  line: number;
  column: number;
}

/** Maps a field path to a place in the source file. */
export interface SourceLocator {
  /** Position of the value at `path` (or of its key with `at: 'key'`); the nearest existing parent if absent. */
  position(path: FieldPath, at?: 'key' | 'value'): SourcePosition;
  /** Position of `offset` characters into the first occurrence of `needle` inside the scalar at `path`. */
  positionInText(path: FieldPath, needle: string, offset: number): SourcePosition;
}

/** A locator without source positions (TypeScript templates): everything is at 1:1. */
export const lineOneLocator: SourceLocator = {
  position: () => ({ line: 1, column: 1 }),
  positionInText: () => ({ line: 1, column: 1 }),
};

/** `['steps', 2, 'needs']` -> `steps[2].needs`. */
export function formatPath(path: FieldPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out === '' ? '(template)' : out;
}

/** Collects problems for one file, locating each through the locator. */
export class ProblemList {
  readonly items: TemplateProblem[] = [];

  constructor(
    readonly file: string,
    readonly locator: SourceLocator,
  ) {}

  /** Adds a problem at the value (or key) of `path`. */
  add(
    path: FieldPath,
    code: string,
    message: string,
    options: { hint?: string; at?: 'key' | 'value'; severity?: 'error' | 'warning'; position?: SourcePosition } = {},
  ): void {
    const position = options.position ?? this.locator.position(path, options.at);
    const problem: TemplateProblem = {
      file: this.file,
      line: position.line,
      column: position.column,
      path: formatPath(path),
      message,
      code,
      severity: options.severity ?? 'error',
    };
    if (options.hint !== undefined) problem.hint = options.hint;
    this.items.push(problem);
  }

  get hasErrors(): boolean {
    return this.items.some((p) => p.severity === 'error');
  }

  /** Problems in file order (line, column), errors before warnings at the same place. */
  sorted(): TemplateProblem[] {
    return [...this.items].sort(
      (a, b) => a.line - b.line || a.column - b.column || (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1),
    );
  }
}

/** Edit distance where swapping two neighbours counts once (`biuld` -> `build` is 1). */
export function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

/** The closest candidate to a misspelt word, if close enough to be a likely typo. */
export function closestMatch(word: string, candidates: Iterable<string>): string | undefined {
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best === undefined) return undefined;
  const allowed = Math.max(1, Math.floor(Math.max(word.length, best.length) / 3));
  return bestDistance <= allowed ? best : undefined;
}

/** `did you mean "needs"?` when a candidate is close, else undefined. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const match = closestMatch(word, candidates);
  return match === undefined ? undefined : `did you mean "${match}"?`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Best-effort positions in a TypeScript template's source, found by searching the text:
 * a step is anchored at its `id: '…'`, a field at `name:` after that anchor, a string value
 * at its quoted text. Anything not found falls back to the anchor, then to line 1.
 */
export class SourceTextLocator implements SourceLocator {
  private readonly lineStarts: number[] = [0];

  constructor(
    private readonly text: string,
    private readonly data: unknown,
  ) {
    for (let i = 0; i < text.length; i += 1) if (text[i] === '\n') this.lineStarts.push(i + 1);
  }

  private pos(offset: number): SourcePosition {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (this.lineStarts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: offset - this.lineStarts[low]! + 1 };
  }

  private valueAt(path: FieldPath): unknown {
    let current = this.data;
    for (const segment of path) {
      if (current === null || typeof current !== 'object') return undefined;
      current = (current as Record<string, unknown>)[segment as string];
    }
    return current;
  }

  /** Offset from which to search for `path`: its step's `id:` when it is inside a step. */
  private anchor(path: FieldPath): number {
    if (path[0] !== 'steps' || typeof path[1] !== 'number') return 0;
    const id = this.valueAt(['steps', path[1], 'id']);
    if (typeof id !== 'string') return 0;
    const match = new RegExp(`\\bid\\s*:\\s*(['"\`])${escapeRegExp(id)}\\1`).exec(this.text);
    return match ? match.index : 0;
  }

  position(path: FieldPath, at: 'key' | 'value' = 'value'): SourcePosition {
    const start = this.anchor(path);
    const last = path[path.length - 1];
    const value = this.valueAt(path);
    const rest = this.text.slice(start);
    if (typeof last === 'string' && !(path.length === 2 && path[0] === 'steps')) {
      const key = new RegExp(`(?:\\b|['"])${escapeRegExp(last)}['"]?\\s*:\\s*`).exec(rest);
      if (key) return this.pos(start + key.index + (at === 'key' ? 0 : key[0].length));
    }
    if (typeof value === 'string') {
      for (const quote of ["'", '"', '`']) {
        const index = rest.indexOf(`${quote}${value}${quote}`);
        if (index >= 0) return this.pos(start + index);
      }
    }
    return start > 0 ? this.pos(start) : { line: 1, column: 1 };
  }

  positionInText(path: FieldPath, needle: string, offset: number): SourcePosition {
    const start = this.anchor(path);
    let index = this.text.indexOf(needle, start);
    if (index < 0) index = this.text.indexOf(needle);
    if (index < 0) return this.position(path);
    return this.pos(index + Math.min(offset, needle.length));
  }
}
