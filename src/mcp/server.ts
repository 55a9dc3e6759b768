/**
 * Baton's MCP server for agent steps: the tools an agent uses to hand structured results to the
 * run (get_step_context, set_output, add_artifact, add_comment, report_progress,
 * request_approval). One server per agent step, over stdio, started by the agent CLI from the
 * config the AgentExecutor passes (`--mcp-config` for Claude Code, `-c mcp_servers.*` for Codex,
 * settings.json in a throwaway `GEMINI_CLI_HOME` for Gemini CLI).
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { describeError } from '../core/errors';
import type { JsonValue } from '../core/model';
import type { BatonStepTools } from './step-tools';

/** The name agents see the server under (Claude Code tools become `mcp__baton__<tool>`). */
export const BATON_MCP_SERVER_NAME = 'baton';

/** Tool names, as the agent sees them. */
export const BATON_MCP_TOOLS = [
  'get_step_context',
  'set_output',
  'add_artifact',
  'add_comment',
  'report_progress',
  'request_approval',
] as const;

function ok(value: unknown): CallToolResult {
  return { content: [{ type: 'text', text: typeof value === 'string' ? value : JSON.stringify(value, null, 2) }] };
}

function failure(error: unknown): CallToolResult {
  return { content: [{ type: 'text', text: describeError(error) }], isError: true };
}

async function guarded(action: () => unknown): Promise<CallToolResult> {
  try {
    return ok(await action());
  } catch (error) {
    return failure(error);
  }
}

/** Builds the MCP server over the tools of one step; `signal` aborts a pending approval wait. */
export function createBatonMcpServer(tools: BatonStepTools, version: string, signal?: AbortSignal): McpServer {
  const server = new McpServer({ name: BATON_MCP_SERVER_NAME, version });
  server.registerTool(
    'get_step_context',
    {
      description:
        "This Baton step's instructions, acceptance criteria, the run's goal and inputs, and the outputs of the steps it depends on.",
      inputSchema: {},
    },
    () => guarded(() => tools.getStepContext()),
  );
  server.registerTool(
    'set_output',
    {
      description:
        'Set one named output of this step for the steps after it (checked against the outputs the step declares). Call once per output.',
      inputSchema: {
        name: z.string().min(1).describe('Output name'),
        value: z.unknown().describe('Any JSON value'),
      },
    },
    ({ name, value }) => guarded(() => ({ outputs: tools.setOutput(name, (value ?? null) as JsonValue) })),
  );
  server.registerTool(
    'add_artifact',
    {
      description: "Copy a file (path relative to your working directory) into the run's artifacts.",
      inputSchema: {
        path: z.string().min(1),
        name: z.string().optional().describe('Artifact file name (default: the file name)'),
        media_type: z.string().optional(),
      },
    },
    ({ path, name, media_type }) => guarded(() => tools.addArtifact(path, name, media_type)),
  );
  server.registerTool(
    'add_comment',
    { description: 'Add a comment to the run, shown to the people following it.', inputSchema: { body: z.string().min(1) } },
    ({ body }) => guarded(() => tools.addComment(body)),
  );
  server.registerTool(
    'report_progress',
    {
      description: 'Report what you are doing now (shown live on the run board).',
      inputSchema: { message: z.string().min(1), percent: z.number().min(0).max(100).optional() },
    },
    ({ message, percent }) =>
      guarded(() => {
        tools.reportProgress(message, percent);
        return 'reported';
      }),
  );
  server.registerTool(
    'request_approval',
    {
      description: 'Ask a human to approve before you continue; waits until someone approves or rejects, then returns the decision.',
      inputSchema: { message: z.string().min(1).describe('What needs approval and why') },
    },
    ({ message }) =>
      guarded(async () => {
        const gate = await tools.requestApproval(message, signal);
        return { decision: gate.decision, by: gate.decidedBy, comment: gate.comment };
      }),
  );
  return server;
}
