/**
 * How a running Baton (CLI or extension) starts its MCP server for agent steps: the same
 * program again with the hidden `mcp-server` command, so the bundle needs no extra entry.
 *
 * Wiring (CLI runtime): register `'mcp-server': mcpServerCommand` in the command table and give
 * the agent executor `mcpServers: batonMcpServersViaCli({ cliEntry: process.argv[1], dbPath, workspaceDir })`.
 */
import type { CliCommand } from '../cli/commands';
import type { StepExecutionContext } from '../core/ports';
import type { AgentMcpServer } from '../executors/agent/adapter';
import { BATON_MCP_SERVER_NAME } from './server';
import { batonMcpServerFor } from './config';
import { serveStepOverStdio } from './main';

export interface BatonMcpViaCliOptions {
  /** The Baton CLI script (e.g. dist/cli.cjs, or src/cli/bin.ts under tsx). */
  cliEntry: string;
  /** Node to run it with (default: this process's executable). */
  nodePath?: string;
  /** Node flags (default: this process's, e.g. `--import tsx` in development). */
  nodeArgs?: string[];
  dbPath: string;
  workspaceDir: string;
  /** Extra environment for the server (e.g. ELECTRON_RUN_AS_NODE=1 when nodePath is VS Code's). */
  env?: Record<string, string>;
}

/** `AgentExecutorOptions.mcpServers` that starts Baton's MCP server through the CLI. */
export function batonMcpServersViaCli(options: BatonMcpViaCliOptions): (ctx: StepExecutionContext) => Record<string, AgentMcpServer> {
  return (ctx) => ({
    [BATON_MCP_SERVER_NAME]: batonMcpServerFor(ctx, {
      command: options.nodePath ?? process.execPath,
      args: [...(options.nodeArgs ?? process.execArgv), options.cliEntry, 'mcp-server'],
      dbPath: options.dbPath,
      workspaceDir: options.workspaceDir,
      env: { PATH: process.env.PATH ?? '', ...options.env },
    }),
  });
}

/** `baton mcp-server`: serves one agent step over stdio (started by the agent CLI, not by people). */
export const mcpServerCommand: CliCommand = {
  summary: "Baton's MCP server for one agent step (started by agent CLIs)",
  help: [
    'Usage: baton mcp-server',
    '',
    "Serves Baton's MCP tools (get_step_context, set_output, add_artifact, add_comment,",
    'report_progress, request_approval) over stdio for the agent step named by BATON_DB_PATH,',
    'BATON_RUN_ID, BATON_STEP_ID, BATON_STEP_DIR, BATON_ARTIFACTS_DIR and BATON_CWD.',
    'Agent steps start it themselves; there is no reason to run it by hand.',
  ].join('\n'),
  async run(_args, io) {
    await serveStepOverStdio(io.env);
    // Serving ends (and the process exits) when the agent closes stdin or signals the process.
    await new Promise<never>(() => undefined);
    return 0;
  },
};
