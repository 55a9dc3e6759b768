/**
 * Secret sources besides the environment (src/cli/runtime.ts EnvSecretSource): values given on
 * the command line (`baton run --secret NAME`, read from stdin) and a layered source that asks
 * several in order. The engine redacts every value a source hands out.
 */
import { createInterface } from 'node:readline';
import { Writable, type Readable } from 'node:stream';
import { UsageError } from '../core/errors';
import type { SecretSource } from '../core/ports';

/** What `secrets.NAME` may be called (the same as an expression identifier). */
export const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Fixed values by name (e.g. read once from stdin). */
export class StaticSecretSource implements SecretSource {
  private readonly values: ReadonlyMap<string, string>;

  constructor(values: Record<string, string> | ReadonlyMap<string, string>) {
    this.values = values instanceof Map ? values : new Map(Object.entries(values));
  }

  async get(name: string): Promise<string | undefined> {
    return this.values.get(name);
  }
}

/** Asks each source in order; the first that knows the name wins. */
export class LayeredSecretSource implements SecretSource {
  private readonly sources: readonly SecretSource[];

  constructor(sources: readonly SecretSource[]) {
    this.sources = sources;
  }

  async get(name: string): Promise<string | undefined> {
    for (const source of this.sources) {
      const value = await source.get(name);
      if (value !== undefined) return value;
    }
    return undefined;
  }
}

export interface SecretPromptIO {
  stdin: Readable;
  stderr(text: string): void;
  isTTY: boolean;
}

/**
 * Reads one line per name from stdin (`--secret NAME`), in order. On a terminal each is asked
 * for by name and not echoed; piped input (`printf 'v1\nv2\n' | baton run … --secret A --secret B`)
 * is read as is. A missing line is a usage error naming the secret.
 */
export async function readSecretsFromStdin(names: readonly string[], io: SecretPromptIO): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  if (names.length === 0) return values;
  for (const name of names) {
    if (!SECRET_NAME.test(name)) {
      throw new UsageError(`--secret ${name}: a secret name is letters, digits and _ (not starting with a digit); the value is read from stdin`);
    }
  }
  const terminal = io.isTTY && (io.stdin as { isTTY?: boolean }).isTTY === true;
  // On a terminal readline echoes to `output`: a sink keeps the typed value off the screen.
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  const lines = createInterface({ input: io.stdin, ...(terminal ? { output: sink, terminal: true } : { terminal: false }) });
  const iterator = lines[Symbol.asyncIterator]();
  try {
    for (const name of names) {
      if (terminal) io.stderr(`secret ${name}: `);
      const next = await iterator.next();
      if (terminal) io.stderr('\n');
      if (next.done) throw new UsageError(`--secret ${name}: no value on stdin (give one line per --secret, in order)`);
      values.set(name, String(next.value).replace(/\r$/, ''));
    }
  } finally {
    lines.close();
  }
  return values;
}

/** Prefix of the environment variables the CLI reads secrets from. */
export const SECRET_ENV_PREFIX = 'BATON_SECRET_';

/**
 * The environment without `BATON_SECRET_*`, for the processes steps start: a secret reaches a
 * step only through `${{ secrets.NAME }}`, where the engine knows to redact it. A script that
 * read `$BATON_SECRET_X` directly would print a value nobody redacts.
 */
export function withoutSecretVariables<T extends Record<string, string | undefined>>(env: T): T {
  const copy = { ...env };
  for (const name of Object.keys(copy)) if (name.startsWith(SECRET_ENV_PREFIX)) delete copy[name];
  return copy;
}
