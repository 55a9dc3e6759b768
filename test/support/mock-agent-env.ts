/**
 * A throwaway home for running the real agent CLIs against a MockModelServer: its own HOME,
 * CODEX_HOME with a `mock` model provider, Gemini settings selecting API-key auth, and the
 * environment variables that point each CLI at the mock. Nothing of the machine's own
 * config is read or written.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgentKind } from '../../src/core/template/types';
import type { MockReply } from './mock-model-server';

/** Model names each CLI knows (Codex emits an error item for names it does not know). */
export const MOCK_MODELS: Record<AgentKind, string> = {
  claude: 'claude-sonnet-4-5',
  codex: 'gpt-5.5',
  gemini: 'gemini-2.5-flash',
};

export interface MockAgentHome {
  /** The temporary folder holding home/ and work/. */
  root: string;
  home: string;
  /** A working directory for the agent (empty). */
  workDir: string;
  /** Environment for the CLI: PATH, HOME and the mock's URL and keys. */
  env: Record<string, string>;
  dispose(): void;
}

/** Creates a fresh home for one CLI run against the mock at `baseUrl`. */
export function createMockAgentHome(baseUrl: string, prefix = 'baton-agent-'): MockAgentHome {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const home = join(root, 'home');
  const workDir = join(root, 'work');
  const codexHome = join(home, '.codex');
  mkdirSync(workDir, { recursive: true });
  mkdirSync(codexHome, { recursive: true });
  mkdirSync(join(home, '.gemini'), { recursive: true });
  writeFileSync(
    join(codexHome, 'config.toml'),
    [
      `model = "${MOCK_MODELS.codex}"`,
      'model_provider = "mock"',
      '',
      '[model_providers.mock]',
      'name = "Mock"',
      `base_url = "${baseUrl}/v1"`,
      'env_key = "MOCK_KEY"',
      'wire_api = "responses"',
      'request_max_retries = 0',
      'stream_max_retries = 0',
      '',
    ].join('\n'),
  );
  // With a comment, as Gemini allows (it strips them): Baton's MCP overlay must keep the file readable.
  writeFileSync(
    join(home, '.gemini', 'settings.json'),
    `// settings of the test home\n${JSON.stringify(
      {
        security: { auth: { selectedType: 'gemini-api-key' } },
        privacy: { usageStatisticsEnabled: false },
        general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
      },
      null,
      2,
    )}\n`,
  );
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    LANG: 'C.UTF-8',
    ANTHROPIC_BASE_URL: baseUrl,
    ANTHROPIC_API_KEY: 'sk-test',
    // Claude Code retries API errors up to 10 times with backoff; tests want the error now.
    CLAUDE_CODE_MAX_RETRIES: '0',
    CODEX_HOME: codexHome,
    MOCK_KEY: 'sk-test',
    GOOGLE_GEMINI_BASE_URL: baseUrl,
    GEMINI_API_KEY: 'test',
  };
  return { root, home, workDir, env, dispose: () => rmSync(root, { recursive: true, force: true }) };
}

interface InstalledClis {
  claude?: string;
  codex?: string;
  gemini?: string;
}

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Paths of the CLIs installed by scripts/install-agent-clis.mjs (missing ones are absent). */
export async function installedAgentClis(): Promise<InstalledClis> {
  const script = join(projectRoot, 'scripts', 'install-agent-clis.mjs');
  const module = (await import(script)) as { installedAgentClis(): InstalledClis };
  return module.installedAgentClis();
}

/** The command CI and developers run to install the CLIs. */
export const INSTALL_AGENT_CLIS_COMMAND = 'node scripts/install-agent-clis.mjs install';

/** A shell tool call in each CLI's own tool vocabulary (what the CLI offers the model). */
export function shellToolCall(kind: AgentKind, command: string): MockReply {
  switch (kind) {
    case 'claude':
      return { type: 'tool_call', name: 'Bash', input: { command, description: 'Run the command' } };
    case 'codex':
      return { type: 'tool_call', name: 'exec_command', input: { cmd: command } };
    case 'gemini':
      return { type: 'tool_call', name: 'run_shell_command', input: { command } };
  }
}
