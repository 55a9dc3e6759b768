/**
 * Entry point of Baton's MCP server process (stdio). The AgentExecutor's MCP config starts it
 * with the step it serves in the environment:
 *
 *   BATON_DB_PATH, BATON_RUN_ID, BATON_STEP_ID, BATON_STEP_DIR, BATON_ARTIFACTS_DIR, BATON_CWD,
 *   BATON_WORKSPACE (default: BATON_CWD), BATON_ITEM_KEY (foreach instances only)
 *
 * stdout belongs to the MCP protocol: nothing else may be printed there.
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { Engine, systemClock } from '../core/engine';
import { openStore } from '../store';
import { createBatonMcpServer } from './server';
import { BatonStepTools } from './step-tools';

/** Environment variables the server reads. */
export const MCP_ENV = {
  dbPath: 'BATON_DB_PATH',
  runId: 'BATON_RUN_ID',
  stepId: 'BATON_STEP_ID',
  itemKey: 'BATON_ITEM_KEY',
  stepDir: 'BATON_STEP_DIR',
  artifactsDir: 'BATON_ARTIFACTS_DIR',
  cwd: 'BATON_CWD',
  workspace: 'BATON_WORKSPACE',
} as const;

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`Baton MCP server: ${name} is not set`);
  return value;
}

/** Serves one step over stdio; exits the process when the client goes away (stdin closed or a signal). */
export async function serveStepOverStdio(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const opened = openStore(required(env, MCP_ENV.dbPath));
  const cwd = required(env, MCP_ENV.cwd);
  const engine = new Engine({ store: opened.store, files: opened.files, workspaceDir: env[MCP_ENV.workspace] ?? cwd });
  const tools = new BatonStepTools({
    store: opened.store,
    engine,
    clock: systemClock,
    runId: required(env, MCP_ENV.runId),
    stepId: required(env, MCP_ENV.stepId),
    itemKey: env[MCP_ENV.itemKey] ?? null,
    stepDir: required(env, MCP_ENV.stepDir),
    artifactsDir: required(env, MCP_ENV.artifactsDir),
    cwd,
  });
  const stop = new AbortController();
  const server = createBatonMcpServer(tools, '0.1.0', stop.signal);
  const transport = new StdioServerTransport();
  // The agent CLI going away (stdin closed, or its process group signalled on cancel/timeout)
  // ends the server; an approval the agent was waiting for is closed so the run does not look
  // like it waits for a person.
  let stopped = false;
  const shutdown = () => {
    if (stopped) return;
    stopped = true;
    stop.abort();
    try {
      tools.abandonOpenApproval();
    } finally {
      opened.close();
      process.exit(0);
    }
  };
  transport.onclose = shutdown;
  process.stdin.once('end', shutdown);
  process.stdin.once('close', shutdown);
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  process.once('SIGHUP', shutdown);
  await server.connect(transport);
}

const isMain = process.argv[1] !== undefined && /[\\/]mcp[\\/]main\.(ts|js|mjs|cjs)$/.test(process.argv[1]);
if (isMain) {
  serveStepOverStdio().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
