/** How an agent step's CLI starts Baton's MCP server for that step. */
import type { StepExecutionContext } from '../core/ports';
import type { AgentMcpServer } from '../executors/agent/adapter';
import { MCP_ENV } from './main';

export interface BatonMcpLaunch {
  /** The program that runs the server (e.g. the Node binary). */
  command: string;
  /** Its arguments up to the server entry (e.g. `[<path of dist/mcp.js>]` or `['--import', tsx, 'src/mcp/main.ts']`). */
  args: string[];
  /** The run's database file. */
  dbPath: string;
  /** Workspace folder of the run (default: the step's cwd). */
  workspaceDir?: string;
  /** Extra environment for the server process (PATH etc.; the CLIs pass little of their own). */
  env?: Record<string, string>;
}

/** The MCP server config for one step instance (pass as AgentExecutorOptions.mcpServers). */
export function batonMcpServerFor(ctx: StepExecutionContext, launch: BatonMcpLaunch): AgentMcpServer {
  const env: Record<string, string> = {
    ...launch.env,
    [MCP_ENV.dbPath]: launch.dbPath,
    [MCP_ENV.runId]: ctx.runId,
    [MCP_ENV.stepId]: ctx.step.id,
    [MCP_ENV.stepDir]: ctx.stepDir,
    [MCP_ENV.artifactsDir]: ctx.artifactsDir,
    [MCP_ENV.cwd]: ctx.cwd,
    [MCP_ENV.workspace]: launch.workspaceDir ?? ctx.cwd,
  };
  if (ctx.itemKey !== undefined) env[MCP_ENV.itemKey] = ctx.itemKey;
  return { command: launch.command, args: launch.args, env };
}
