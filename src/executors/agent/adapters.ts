/** The adapter of each agent CLI, by the name templates use (`agent: claude`). */
import type { AgentKind } from '../../core/template/types';
import type { AgentAdapter } from './adapter';
import { ClaudeAdapter } from './claude';
import { CodexAdapter } from './codex';
import { GeminiAdapter } from './gemini';

const ADAPTERS: Record<AgentKind, () => AgentAdapter> = {
  claude: () => new ClaudeAdapter(),
  codex: () => new CodexAdapter(),
  gemini: () => new GeminiAdapter(),
};

/** The adapter for one CLI. */
export function agentAdapter(kind: AgentKind): AgentAdapter {
  return ADAPTERS[kind]();
}

/** Every supported CLI name. */
export const AGENT_KINDS = Object.keys(ADAPTERS) as AgentKind[];
