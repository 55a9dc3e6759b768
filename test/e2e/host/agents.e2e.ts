/**
 * An agent step run from VS Code with the REAL Claude Code CLI (mock model server on 127.0.0.1):
 * Claude starts Baton's MCP server the way the extension configures it — the extension host's
 * own Node running the bundled dist/cli.cjs as `mcp-server` — and the model's set_output call
 * lands in the step's outputs in the folder's database.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { RunRecord } from '../../../src/core/model';
import { MockModelServer, userTextOf } from '../../support/mock-model-server';
import { batonContainer, outsideEngine, waitForRun, waitUntil, workspaceDir } from './helpers';

describe('agent steps', () => {
  const outside = outsideEngine();
  const templateFile = () => join(workspaceDir(), '.baton', 'templates', 'e2e-agent-mcp.yml');
  let mock: MockModelServer | undefined;
  let scratch: string | undefined;
  let savedPath: string | undefined;

  after(async () => {
    if (savedPath !== undefined) process.env.PATH = savedPath;
    outside.opened.close();
    await mock?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    rmSync(templateFile(), { force: true });
  });

  it("runs the real Claude CLI, whose Baton MCP server (the extension host's Node, not node on PATH) lands set_output in the database", async function () {
    this.timeout(120_000);
    const claude = process.env.BATON_E2E_CLAUDE_PATH;
    if (!claude) {
      console.warn('  skipped: claude CLI is not installed; run: node scripts/install-agent-clis.mjs install');
      this.skip();
    }
    mock = await MockModelServer.start();
    mock.enqueue(
      { type: 'tool_call', name: 'mcp__baton__set_output', input: { name: 'files', value: 3 }, id: 'toolu_files' },
      { type: 'text', text: 'Counted the files.' },
    );
    scratch = mkdtempSync(join(tmpdir(), 'baton-e2e-agent-'));
    const home = join(scratch, 'home');
    mkdirSync(home);
    // Any `node` found on PATH is this one, which only leaves a mark: the MCP server must be
    // started by the extension host's own executable (process.execPath), whatever PATH holds.
    const fakeBin = join(scratch, 'bin');
    const wrongNode = join(scratch, 'node-from-path-was-used');
    mkdirSync(fakeBin);
    writeFileSync(join(fakeBin, 'node'), `#!/bin/sh\necho "$@" >> "${wrongNode}"\nexit 97\n`);
    chmodSync(join(fakeBin, 'node'), 0o755);
    savedPath = process.env.PATH;
    process.env.PATH = `${fakeBin}:/usr/sbin:/usr/bin:/sbin:/bin`;

    writeFileSync(
      templateFile(),
      [
        'id: e2e-agent-mcp',
        'name: Agent with Baton tools',
        'category: e2e',
        'env:',
        `  HOME: ${JSON.stringify(home)}`,
        `  ANTHROPIC_BASE_URL: ${JSON.stringify(mock.baseUrl)}`,
        '  ANTHROPIC_API_KEY: sk-test',
        '  CLAUDE_CODE_MAX_RETRIES: "0"',
        `  BATON_CLAUDE_PATH: ${JSON.stringify(claude)}`,
        'steps:',
        '  - id: count',
        '    agent: claude',
        '    model: claude-sonnet-4-5',
        '    outputs:',
        '      files: { type: integer }',
        '    prompt: Count the files and report the number with set_output.',
        '',
      ].join('\n'),
    );
    const container = await batonContainer();
    await container.templates.reloadAll();
    await waitUntil('the template to load', async () => (await container.templates.find('e2e-agent-mcp')) !== undefined, 20_000);

    let finished: RunRecord;
    let run: RunRecord;
    try {
      run = await vscode.commands.executeCommand<RunRecord>('baton.runTemplate', 'e2e-agent-mcp', {});
      assert.ok(run, 'the run started from VS Code');
      finished = await waitForRun(outside.engine, run.id, ['succeeded', 'failed'], 90_000);
    } finally {
      process.env.PATH = savedPath;
      savedPath = undefined;
    }
    const step = outside.engine.getRun(run.id).steps.find((s) => s.stepId === 'count')!;
    assert.equal(finished.status, 'succeeded', `${step.error ?? ''} ${existsSync(wrongNode) ? readFileSync(wrongNode, 'utf8') : ''}`);
    // Only Baton's MCP server, started by Claude from the extension's config, can put `files` there.
    assert.deepEqual(step.outputs, { files: 3, result: 'Counted the files.' });
    const toolResult = (mock.modelTurns[1]!.body as { messages: Array<{ content: unknown }> }).messages
      .flatMap((m) => (Array.isArray(m.content) ? (m.content as Array<Record<string, unknown>>) : []))
      .find((block) => block.type === 'tool_result' && block.tool_use_id === 'toolu_files');
    assert.ok(toolResult, 'the tool result went back to the model');
    assert.notEqual(toolResult.is_error, true, JSON.stringify(toolResult));
    assert.match(userTextOf(mock.modelTurns[1]!), /"files": 3/, 'set_output answered with the outputs so far');
    assert.equal(existsSync(wrongNode), false, 'nothing started `node` from PATH');
    assert.ok(
      outside.opened.store.listEvents(0, { runId: run.id }).some((e) => e.type === 'step.progress' && e.payload.text === 'output files set'),
      'the MCP server wrote its progress event into the same database',
    );
  });
});
