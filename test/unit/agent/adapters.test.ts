import assert from 'node:assert/strict';
import { parse as parseJsonc, type ParseError } from 'jsonc-parser';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentInvocationRequest } from '../../../src/executors/agent/adapter';
import { agentAdapter } from '../../../src/executors/agent/adapters';
import { claudeProjectDirName, MAX_ARGV_PROMPT_BYTES } from '../../../src/executors/agent/claude';
import { assembleAgentPrompt } from '../../../src/executors/agent/prompt';

function request(over: Partial<AgentInvocationRequest> = {}): AgentInvocationRequest {
  return { prompt: 'Do the thing.', permission: 'edit', cwd: '/work/repo', baseEnv: {}, ...over };
}

function valueAfter(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

describe('agent adapters: command lines', () => {
  describe('claude', () => {
    const claude = agentAdapter('claude');

    it('runs headless with stream-json, model, turn limit and a Baton-chosen session id', () => {
      const inv = claude.buildInvocation(request({ model: 'claude-sonnet-4-5', maxTurns: 7, newSessionId: 'f00d' }));
      assert.deepEqual(inv.args.slice(0, 5), ['-p', 'Do the thing.', '--output-format', 'stream-json', '--verbose']);
      assert.equal(valueAfter(inv.args, '--model'), 'claude-sonnet-4-5');
      assert.equal(valueAfter(inv.args, '--max-turns'), '7');
      assert.equal(valueAfter(inv.args, '--session-id'), 'f00d');
      assert.equal(inv.args.includes('--resume'), false);
      assert.equal(inv.env.CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC, '1');
      assert.equal(inv.stdin, undefined);
    });

    it('maps permissions: read-only forbids writing tools, edit accepts edits, full bypasses', () => {
      const ro = claude.buildInvocation(request({ permission: 'read-only', tools: ['Bash', 'Read'] }));
      assert.equal(valueAfter(ro.args, '--permission-mode'), 'default');
      assert.match(valueAfter(ro.args, '--disallowedTools') ?? '', /Bash.*Edit.*Write/);
      assert.equal(valueAfter(ro.args, '--allowedTools'), 'Bash,Read');
      assert.equal(valueAfter(claude.buildInvocation(request({ permission: 'edit' })).args, '--permission-mode'), 'acceptEdits');
      // As root Claude Code refuses bypassPermissions unless IS_SANDBOX=1 (containers).
      const full = claude.buildInvocation(request({ permission: 'full', baseEnv: { IS_SANDBOX: '1' } }));
      assert.equal(valueAfter(full.args, '--permission-mode'), 'bypassPermissions');
      assert.equal(full.args.includes('--disallowedTools'), false);
      if (process.getuid?.() === 0) {
        assert.throws(() => claude.buildInvocation(request({ permission: 'full' })), /refuses when run as root.*IS_SANDBOX=1/);
      }
    });

    it('passes MCP servers as strict --mcp-config and allows their tools', () => {
      const inv = claude.buildInvocation(
        request({ tools: ['Bash'], mcpServers: { baton: { command: '/usr/bin/node', args: ['server.js'], env: { A: '1' } } } }),
      );
      const config = JSON.parse(valueAfter(inv.args, '--mcp-config') ?? '{}') as { mcpServers: Record<string, unknown> };
      assert.deepEqual(config.mcpServers.baton, { type: 'stdio', command: '/usr/bin/node', args: ['server.js'], env: { A: '1' } });
      assert.ok(inv.args.includes('--strict-mcp-config'));
      assert.equal(valueAfter(inv.args, '--allowedTools'), 'Bash,mcp__baton');
    });

    it('resumes a recorded session instead of starting a new one', () => {
      const inv = claude.buildInvocation(request({ resumeSessionId: 'abc', newSessionId: 'new' }));
      assert.equal(valueAfter(inv.args, '--resume'), 'abc');
      assert.equal(inv.args.includes('--session-id'), false);
    });

    it('sends a prompt too long for argv through stdin', () => {
      const prompt = 'x'.repeat(MAX_ARGV_PROMPT_BYTES + 1);
      const inv = claude.buildInvocation(request({ prompt }));
      assert.equal(inv.stdin, prompt);
      assert.equal(inv.args.includes(prompt), false);
      assert.equal(inv.args[0], '-p');
      assert.equal(inv.args[1], '--output-format');
    });

    it('finds the transcript under the config dir, also when the project folder name differs', () => {
      const home = mkdtempSync(join(tmpdir(), 'baton-claude-home-'));
      try {
        const cwd = '/work/my_repo.v2';
        assert.equal(claudeProjectDirName(cwd), '-work-my-repo-v2');
        const expected = join(home, '.claude', 'projects', '-work-my-repo-v2', 's1.jsonl');
        mkdirSync(join(home, '.claude', 'projects', '-work-my-repo-v2'), { recursive: true });
        writeFileSync(expected, '{}\n');
        assert.equal(claude.findTranscript({ sessionId: 's1', cwd, env: { HOME: home }, startedAt: Date.now() }), expected);
        const other = join(home, '.claude', 'projects', 'shortened-abc123', 's2.jsonl');
        mkdirSync(join(home, '.claude', 'projects', 'shortened-abc123'), { recursive: true });
        writeFileSync(other, '{}\n');
        assert.equal(claude.findTranscript({ sessionId: 's2', cwd, env: { HOME: home }, startedAt: Date.now() }), other);
        assert.equal(claude.findTranscript({ sessionId: 'nope', cwd, env: { HOME: home }, startedAt: Date.now() }), undefined);
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    });
  });

  describe('codex', () => {
    const codex = agentAdapter('codex');

    it('maps permissions to sandboxes and enforces max_turns itself', () => {
      const sandbox = (permission: 'read-only' | 'edit' | 'full') => valueAfter(codex.buildInvocation(request({ permission })).args, '-s');
      assert.equal(sandbox('read-only'), 'read-only');
      assert.equal(sandbox('edit'), 'workspace-write');
      assert.equal(sandbox('full'), 'danger-full-access');
      const inv = codex.buildInvocation(request({ maxTurns: 3, model: 'gpt-5.5' }));
      assert.deepEqual(inv.args.slice(0, 3), ['exec', '--json', '--skip-git-repo-check']);
      assert.equal(valueAfter(inv.args, '-m'), 'gpt-5.5');
      assert.equal(inv.enforcedMaxToolCalls, 3);
      assert.equal(inv.args[inv.args.length - 1], 'Do the thing.');
    });

    it('adds MCP servers as TOML -c overrides and resumes with exec resume <id>', () => {
      const inv = codex.buildInvocation(
        request({ resumeSessionId: 'thread-1', mcpServers: { baton: { command: 'node', args: ['a b.js'], env: { K: 'v"q' } } } }),
      );
      assert.ok(inv.args.includes('mcp_servers.baton={command="node",args=["a b.js"],env={"K"="v\\"q"},default_tools_approval_mode="approve",required=true}'));
      assert.deepEqual(inv.args.slice(-3), ['resume', 'thread-1', 'Do the thing.']);
    });

    it('finds the rollout transcript by thread id in the day folder', () => {
      const home = mkdtempSync(join(tmpdir(), 'baton-codex-home-'));
      try {
        const now = new Date();
        const day = join(home, 'sessions', String(now.getFullYear()), String(now.getMonth() + 1).padStart(2, '0'), String(now.getDate()).padStart(2, '0'));
        mkdirSync(day, { recursive: true });
        const file = join(day, 'rollout-2026-11-22T04-51-13-0199-abc.jsonl');
        writeFileSync(file, '{}\n');
        assert.equal(codex.findTranscript({ sessionId: '0199-abc', cwd: '/x', env: { CODEX_HOME: home }, startedAt: Date.now() }), file);
        assert.equal(codex.findTranscript({ sessionId: '0199', cwd: '/x', env: { CODEX_HOME: home }, startedAt: Date.now() }), undefined);
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    });
  });

  describe('gemini', () => {
    const gemini = agentAdapter('gemini');

    it('maps permissions to approval modes, closes stdin, trusts the folder, enforces max_turns itself', () => {
      const mode = (permission: 'read-only' | 'edit' | 'full') => valueAfter(gemini.buildInvocation(request({ permission })).args, '--approval-mode');
      assert.equal(mode('read-only'), 'default');
      assert.equal(mode('edit'), 'auto_edit');
      assert.equal(mode('full'), 'yolo');
      const inv = gemini.buildInvocation(request({ maxTurns: 2, tools: ['run_shell_command'] }));
      assert.deepEqual(inv.args.slice(0, 4), ['-p', 'Do the thing.', '--output-format', 'stream-json']);
      assert.equal(valueAfter(inv.args, '--allowed-tools'), 'run_shell_command');
      assert.equal(inv.stdin, '', 'stdin is given (empty) and closed: gemini reads it');
      assert.equal(inv.env.GEMINI_CLI_TRUST_WORKSPACE, 'true');
      assert.equal(inv.enforcedMaxToolCalls, 2);
    });

    it("gets MCP servers through a throwaway GEMINI_CLI_HOME: the user's ~/.gemini linked, settings plus trusted servers", () => {
      const home = mkdtempSync(join(tmpdir(), 'baton-gemini-user-'));
      try {
        mkdirSync(join(home, '.gemini', 'extensions'), { recursive: true });
        writeFileSync(join(home, '.gemini', 'oauth_creds.json'), '{"token":"t"}');
        const userSettings = { security: { auth: { selectedType: 'gemini-api-key' } }, mcpServers: { mine: { command: 'my-server' } } };
        writeFileSync(join(home, '.gemini', 'settings.json'), JSON.stringify(userSettings));
        const server = { command: '/usr/bin/node', args: ['cli.cjs', 'mcp-server'], env: { BATON_RUN_ID: 'r1' } };
        const inv = gemini.buildInvocation(request({ baseEnv: { HOME: home }, mcpServers: { baton: server } }));
        const overlay = inv.env.GEMINI_CLI_HOME!;
        assert.ok(overlay && !overlay.startsWith(home), 'a home of its own');
        const settings = JSON.parse(readFileSync(join(overlay, '.gemini', 'settings.json'), 'utf8')) as Record<string, unknown>;
        assert.deepEqual(settings, {
          ...userSettings,
          mcpServers: { mine: { command: 'my-server' }, baton: { ...server, trust: true } },
        });
        assert.equal(readFileSync(join(home, '.gemini', 'settings.json'), 'utf8'), JSON.stringify(userSettings), 'the user file is untouched');
        for (const linked of ['oauth_creds.json', 'extensions', 'tmp', 'history']) {
          assert.equal(lstatSync(join(overlay, '.gemini', linked)).isSymbolicLink(), true, linked);
          assert.equal(realpathSync(join(overlay, '.gemini', linked)), realpathSync(join(home, '.gemini', linked)));
        }
        inv.dispose!();
        assert.equal(existsSync(overlay), false, 'removed after the attempt');
        assert.equal(existsSync(join(home, '.gemini', 'oauth_creds.json')), true, 'through links only: nothing of the user is removed');

        assert.equal(gemini.buildInvocation(request({ baseEnv: { HOME: home } })).env.GEMINI_CLI_HOME, undefined, 'no servers, no overlay');
        // Gemini strips comments from its settings: a commented file keeps its comments, and gets the servers.
        const commentedText = '{\n  // my theme\n  "ui": { "theme": "GitHub" }, /* trailing */\n  "mcpServers": null,\n}\n';
        writeFileSync(join(home, '.gemini', 'settings.json'), commentedText);
        const commented = gemini.buildInvocation(request({ baseEnv: { HOME: home }, mcpServers: { baton: server } }));
        assert.deepEqual(commented.notices ?? [], []);
        const commentedOverlay = readFileSync(join(commented.env.GEMINI_CLI_HOME!, '.gemini', 'settings.json'), 'utf8');
        assert.match(commentedOverlay, /\/\/ my theme/);
        assert.match(commentedOverlay, /\/\* trailing \*\//);
        const errors: ParseError[] = [];
        assert.deepEqual(parseJsonc(commentedOverlay, errors, { allowTrailingComma: true }), { ui: { theme: 'GitHub' }, mcpServers: { baton: { ...server, trust: true } } });
        assert.deepEqual(errors, []);
        assert.equal(readFileSync(join(home, '.gemini', 'settings.json'), 'utf8'), commentedText, 'the user file is untouched');
        commented.dispose!();

        // A file that does not parse is left alone, and the notice says where it breaks.
        writeFileSync(join(home, '.gemini', 'settings.json'), '{\n  "ui": { "theme": \n}');
        const broken = gemini.buildInvocation(request({ baseEnv: { HOME: home }, mcpServers: { baton: server } }));
        assert.equal(broken.env.GEMINI_CLI_HOME, undefined);
        assert.match(broken.notices?.[0] ?? '', /settings\.json does not parse \(ValueExpected at line 3, column 1\)/);
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    });

    it('finds the chat transcript by the first 8 characters of the session id', () => {
      const home = mkdtempSync(join(tmpdir(), 'baton-gemini-home-'));
      try {
        const chats = join(home, '.gemini', 'tmp', 'repo', 'chats');
        mkdirSync(chats, { recursive: true });
        const file = join(chats, 'session-2026-11-22T04-52-41f277dc.jsonl');
        writeFileSync(file, '{}\n');
        const found = gemini.findTranscript({ sessionId: '41f277dc-ccb8-4d53', cwd: '/work/Repo', env: { HOME: home }, startedAt: Date.now() });
        assert.equal(found, file);
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    });
  });
});

describe('assembleAgentPrompt', () => {
  const base = {
    instructions: 'Fix the failing test in ${{ inputs.file }}.',
    templateName: 'Fix tests',
    templateDescription: 'Make CI green',
    stepId: 'fix',
    inputs: { file: 'a.ts' },
    upstream: { plan: { result: 'Step one: look at a.ts' }, unrelated: { result: 'SHOULD NOT APPEAR' } },
    needs: ['plan'],
  };

  it('puts a reviewer\'s rejection before the task, and nothing about feedback when there is none', () => {
    const prompt = assembleAgentPrompt({ ...base, feedback: [{ gateStepId: 'review', by: 'alice', comment: 'cover the error path too' }] });
    const feedbackAt = prompt.indexOf('## Feedback from reviewers on an earlier attempt');
    assert.ok(feedbackAt > 0 && feedbackAt < prompt.indexOf('## Your task'));
    assert.match(prompt, /- alice rejected it at gate "review": cover the error path too/);
    assert.doesNotMatch(assembleAgentPrompt(base), /Feedback from reviewers/);
  });

  it('gives the goal, acceptance criteria, inputs, the needed outputs and the task last', () => {
    const prompt = assembleAgentPrompt({ ...base, acceptance: 'npm test passes' });
    const order = ['## Goal of this run', '## Acceptance criteria', '## Inputs of the run', '## Outputs of the steps this one depends on', '## Your task'];
    const positions = order.map((h) => prompt.indexOf(h));
    assert.ok(positions.every((p) => p >= 0), `all sections present: ${positions.join(',')}`);
    assert.deepEqual([...positions].sort((a, b) => a - b), positions, 'sections in order');
    assert.match(prompt, /Fix tests: Make CI green/);
    assert.match(prompt, /npm test passes/);
    assert.match(prompt, /"file": "a\.ts"/);
    assert.match(prompt, /### plan\n```json\n\{\n {2}"result": "Step one: look at a\.ts"/);
    assert.ok(prompt.trimEnd().endsWith('Fix the failing test in ${{ inputs.file }}.'));
  });

  it('leaves out what the step does not need and empty sections', () => {
    const prompt = assembleAgentPrompt({ ...base, inputs: {}, needs: [] });
    assert.doesNotMatch(prompt, /SHOULD NOT APPEAR|Step one/);
    assert.doesNotMatch(prompt, /## Inputs|## Acceptance|## Outputs/);
  });
});
