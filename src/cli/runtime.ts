/**
 * The one place the CLI wires its adapters: which database, the store and run folders on it,
 * the engine with its executors, secrets and the worker. Commands open what they need and
 * close it when done.
 */
import { existsSync, realpathSync } from 'node:fs';
import { homedir, hostname, userInfo } from 'node:os';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { Engine, Worker } from '../core/engine';
import { TemplateNotFoundError } from '../core/errors';
import type { Logger, SecretSource, StepExecutor, TemplateResolver } from '../core/ports';
import { TemplateRegistry, loadTemplateFile, type LoadedTemplate, TEMPLATE_EXTENSIONS } from '../core/template';
import { evaluateTypeScriptTemplate } from '../loaders/typescript';
import { AgentExecutor } from '../executors/agent';
import { batonMcpServersViaCli } from '../mcp/launch';
import { FunctionExecutor } from '../executors/function';
import { LlmExecutor } from '../executors/llm';
import { McpExecutor } from '../executors/mcp-client';
import { ScriptExecutor } from '../executors/script';
import { LayeredSecretSource, withoutSecretVariables } from '../secrets';
import { openStore, type OpenedStore } from '../store';
import type { CliIO } from './commands';

/** `--db`, else `$BATON_DB`, else `<cwd>/.baton/baton.db`; relative paths are from cwd. */
export function resolveDbPath(io: CliIO, dbFlag: string | undefined): string {
  const chosen = dbFlag ?? io.env.BATON_DB;
  if (chosen !== undefined && chosen !== '') return isAbsolute(chosen) ? chosen : resolve(io.cwd, chosen);
  return resolve(io.cwd, '.baton', 'baton.db');
}

/** The workspace a database belongs to: the folder holding `.baton/`, else the cwd. */
export function workspaceOf(io: CliIO, dbPath: string): string {
  const dir = dirname(dbPath);
  return basename(dir) === '.baton' ? dirname(dir) : io.cwd;
}

/**
 * Opens the store for a command that only reads. Returns undefined when there is no database
 * yet, so reading never creates `.baton/` in a folder that has none.
 */
export function openStoreForReading(io: CliIO, dbFlag: string | undefined): OpenedStore | undefined {
  const dbPath = resolveDbPath(io, dbFlag);
  if (!existsSync(dbPath)) return undefined;
  return openStore(dbPath);
}

/** Who the CLI acts as (gate decisions, comments, cancel/pause): `$BATON_USER`, else the OS user. */
export function currentUser(io: CliIO): string {
  const fromEnv = io.env.BATON_USER ?? io.env.USER ?? io.env.USERNAME;
  if (fromEnv) return fromEnv;
  try {
    return userInfo().username;
  } catch {
    return 'cli';
  }
}

/**
 * Secrets for the CLI come from the environment: `secrets.NAME` is `$BATON_SECRET_NAME`, else
 * `$NAME`. The engine redacts every value it hands out.
 */
export class EnvSecretSource implements SecretSource {
  constructor(private readonly env: NodeJS.ProcessEnv) {}

  async get(name: string): Promise<string | undefined> {
    return this.env[`BATON_SECRET_${name}`] ?? this.env[name];
  }
}

/** Debug lines on stderr when `$BATON_DEBUG` is set; silent otherwise. */
function cliLogger(io: CliIO): Logger | undefined {
  if (!io.env.BATON_DEBUG) return undefined;
  const line = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    io.stderr(`[${level}] ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}\n`);
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}

export interface CliRuntime {
  dbPath: string;
  /** What `workflow:` steps resolve against. */
  templates: TemplateResolver;
  workspaceDir: string;
  opened: OpenedStore;
  engine: Engine;
  /** A worker that executes ready steps in this process (of any run, or only of `runIds()`). */
  newWorker(options?: { maxConcurrency?: number; runIds?: () => readonly string[] }): Worker;
  /** Waits for step files written behind, then closes the database. */
  close(): Promise<void>;
}

export interface RuntimeOptions {
  /** For `workflow:` steps (default: the CLI's template registry). */
  templates?: TemplateResolver;
  /** Extra executors (llm, mcp, …) next to the built-in `run` and `agent` executors; same kind replaces. */
  executors?: readonly StepExecutor[];
  /** Secrets asked before the environment (e.g. `--secret NAME` values). */
  secrets?: SecretSource;
}

/** Opens (creating if needed) the database and builds the engine with the CLI's executors. */
export function openRuntime(io: CliIO, dbFlag: string | undefined, options: RuntimeOptions = {}): CliRuntime {
  const dbPath = resolveDbPath(io, dbFlag);
  const opened = openStore(dbPath);
  const workspaceDir = workspaceOf(io, dbPath);
  const logger = cliLogger(io);
  const fromEnv = new EnvSecretSource(io.env);
  const secrets = options.secrets ? new LayeredSecretSource([options.secrets, fromEnv]) : fromEnv;
  // Step processes see secrets only through ${{ secrets.NAME }} (redacted), never as BATON_SECRET_* variables.
  const stepEnv = withoutSecretVariables(io.env);
  const templates = options.templates ?? cliTemplateRegistry(io, workspaceDir);
  const engine = new Engine({
    store: opened.store,
    files: opened.files,
    workspaceDir,
    executors: [
      new ScriptExecutor({ baseEnv: stepEnv }),
      new AgentExecutor({
        baseEnv: stepEnv,
        // Baton's MCP server (set_output, request_approval, ...) is this same CLI with `mcp-server`.
        ...(io.entry ? { mcpServers: batonMcpServersViaCli({ cliEntry: io.entry, dbPath, workspaceDir }) } : {}),
      }),
      new LlmExecutor({ secrets, env: io.env }),
      new McpExecutor({ workspaceDir, env: io.env }),
      new FunctionExecutor({ store: opened.store, evaluate: evaluateTypeScriptTemplate }),
      ...(options.executors ?? []),
    ],
    secrets,
    templates,
    ...(logger ? { logger } : {}),
  });
  const owner = `cli-${hostname()}-${process.pid}`;
  return {
    dbPath,
    templates,
    workspaceDir,
    opened,
    engine,
    newWorker: (workerOptions = {}) =>
      new Worker(engine, { owner, ...workerOptions, ...(logger ? { logger } : {}) }),
    close: async () => {
      try {
        await opened.files.flush();
      } finally {
        opened.close();
      }
    },
  };
}

/**
 * Where to start looking for Baton's folder: dist/ in the CommonJS bundle (which has
 * __dirname); otherwise (tsx, tests) the script that was started.
 */
function moduleDir(): string {
  if (typeof __dirname === 'string') return __dirname;
  const script = process.argv[1];
  if (script) {
    try {
      return dirname(realpathSync(script));
    } catch {
      // fall through
    }
  }
  return process.cwd();
}

/** Baton's own folder (holding package.json and the built-in `templates/`). */
export function batonHome(): string {
  let dir = moduleDir();
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'templates'))) return dir;
    dir = dirname(dir);
  }
  return moduleDir();
}

/**
 * Templates the CLI sees, in increasing priority: built-in (`<baton>/templates`, or
 * `$BATON_BUILTIN_TEMPLATES`), the user's (`~/.baton/templates`, or `$BATON_USER_TEMPLATES`)
 * and the workspace's `.baton/templates/`.
 */
export function cliTemplateRegistry(io: CliIO, workspaceDir: string): TemplateRegistry {
  const home = io.env.HOME ?? homedir();
  return new TemplateRegistry({
    sources: [
      { kind: 'builtin', dir: io.env.BATON_BUILTIN_TEMPLATES || join(batonHome(), 'templates') },
      { kind: 'user', dir: io.env.BATON_USER_TEMPLATES || join(home, '.baton', 'templates') },
      { kind: 'workspace', dir: join(workspaceDir, '.baton', 'templates') },
    ],
    evaluateTypeScript: evaluateTypeScriptTemplate,
  });
}

/**
 * A template named on the command line: a path to a template file (relative to cwd), or an
 * id from the registry. Throws TemplateNotFoundError or TemplateInvalidError.
 */
export async function findTemplate(io: CliIO, registry: TemplateRegistry, reference: string): Promise<LoadedTemplate> {
  const path = resolve(io.cwd, reference);
  const looksLikeFile =
    (TEMPLATE_EXTENSIONS as readonly string[]).includes(extname(reference).toLowerCase()) || reference.includes('/');
  if (existsSync(path) && looksLikeFile) {
    return loadTemplateFile(path, { evaluateTypeScript: evaluateTypeScriptTemplate, source: 'workspace' });
  }
  if (looksLikeFile) throw new TemplateNotFoundError(reference);
  await registry.ready();
  const found = registry.find(reference);
  if (found) return found;
  // The template may be one of the files that failed to load: say which, and why.
  for (const invalid of registry.invalid()) {
    const first = invalid.problems[0];
    const where = first ? `${invalid.sourcePath}:${first.line}:${first.column}: ${first.message}` : invalid.sourcePath;
    io.stderr(`note: template file not loaded: ${where}${invalid.problems.length > 1 ? ` (and ${invalid.problems.length - 1} more; see baton validate)` : ''}\n`);
  }
  throw new TemplateNotFoundError(reference);
}
