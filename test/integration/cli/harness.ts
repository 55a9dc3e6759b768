/** Runs the CLI in-process with a fake CliIO, and helpers to check a database did not change. */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DatabaseSync } from 'node:sqlite';
import type { CliIO } from '../../../src/cli/commands';
import { runCli } from '../../../src/cli/main';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface FakeIoOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  isTTY?: boolean;
  signal?: AbortSignal;
  /** Default: an empty, non-TTY stream. */
  stdin?: Readable;
  /** Called with every stdout chunk (e.g. to abort when something appears). */
  onStdout?(text: string, all: string): void;
}

/** Runs `baton <argv>` in this process and captures its output. */
export async function baton(argv: string[], options: FakeIoOptions): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (t) => {
      stdout += t;
      options.onStdout?.(t, stdout);
    },
    stderr: (t) => (stderr += t),
    cwd: options.cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env },
    isTTY: options.isTTY ?? false,
    stdin: options.stdin ?? Readable.from([]),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

/** Everything stored in a database, as one hash: every row of every table, plus user_version. */
export function databaseFingerprint(path: string): { hash: string; counts: Record<string, number>; fileSha: string } {
  const fileSha = existsSync(path) ? createHash('sha256').update(readFileSync(path)).digest('hex') : 'missing';
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const hash = createHash('sha256');
    const counts: Record<string, number> = {};
    const version = db.prepare('PRAGMA user_version').get() as { user_version: number };
    hash.update(`v${version.user_version}`);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[];
    for (const { name } of tables) {
      const rows = db.prepare(`SELECT * FROM "${name}"`).all().map((row) => JSON.stringify(row));
      counts[name] = rows.length;
      hash.update(name);
      hash.update(rows.sort().join('\n'));
    }
    return { hash: hash.digest('hex'), counts, fileSha };
  } finally {
    db.close();
  }
}

/** A temp workspace with `.baton/templates/`; `write` adds a template file. */
export class Workspace {
  readonly dir: string;
  constructor(prefix = 'baton-cli-') {
    this.dir = mkdtempSync(join(tmpdir(), prefix));
    mkdirSync(join(this.dir, '.baton', 'templates'), { recursive: true });
  }

  get dbPath(): string {
    return join(this.dir, '.baton', 'baton.db');
  }

  /** Writes `.baton/templates/<name>` (YAML text). */
  template(name: string, yaml: string): string {
    const path = join(this.dir, '.baton', 'templates', name);
    writeFileSync(path, yaml);
    return path;
  }

  file(name: string): string {
    return join(this.dir, name);
  }

  read(name: string): string {
    const path = join(this.dir, name);
    return existsSync(path) ? readFileSync(path, 'utf8') : '';
  }

  /** Runs `baton` in this workspace. */
  baton(argv: string[], options: Omit<FakeIoOptions, 'cwd'> = {}): Promise<CliResult> {
    return baton(argv, { ...options, cwd: this.dir, env: { ...this.env(), ...options.env } });
  }

  /** Environment that keeps the user's and built-in templates out of the tests. */
  env(): NodeJS.ProcessEnv {
    return {
      BATON_USER: 'tester',
      BATON_BUILTIN_TEMPLATES: join(this.dir, 'no-builtins'),
      BATON_USER_TEMPLATES: join(this.dir, 'no-user'),
    };
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The run id printed first by `baton run` (`run <id>  …`) or alone by `--detach`. */
export function runIdFrom(stdout: string): string {
  const match = /^(?:run )?([a-z0-9]+-[0-9a-f]{8})\b/m.exec(stdout);
  if (!match) throw new Error(`no run id in output:\n${stdout}`);
  return match[1]!;
}
