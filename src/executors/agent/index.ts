/** Agent steps: the executor, the per-CLI adapters and their stream events. */
export {
  AgentExecutor,
  AGENT_MCP_OUTPUTS_FILE,
  AGENT_PROMPT_FILE,
  AGENT_PROMPTS_FILE,
  AGENT_SESSION_FILE,
  AGENT_STREAM_FILE,
  toProgress,
  type AgentExecutorOptions,
} from './executor';
export { agentAdapter, AGENT_KINDS } from './adapters';
export {
  classifyOutcome,
  AgentOutcomeKind,
  type AgentAdapter,
  type AgentInvocation,
  type AgentInvocationRequest,
  type AgentMcpServer,
  type AgentOutcome,
} from './adapter';
export { AgentResultStatus, emptySummary, summarize, type AgentEvent, type AgentRunSummary, type AgentStreamParser } from './events';
export { agentPromptSources, assembleAgentPrompt, type AgentPromptParts, type AgentPromptSources } from './prompt';
