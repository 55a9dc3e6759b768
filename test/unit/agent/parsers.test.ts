import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgentKind } from '../../../src/core/template/types';
import { AgentOutcomeKind, classifyOutcome, type AgentOutcome } from '../../../src/executors/agent/adapter';
import { agentAdapter } from '../../../src/executors/agent/adapters';
import { AgentResultStatus, emptySummary, summarize, type AgentEvent, type AgentRunSummary } from '../../../src/executors/agent/events';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'agent-streams');

interface Parsed {
  lines: string[];
  events: AgentEvent[];
  summary: AgentRunSummary;
  outcome: AgentOutcome;
  exitCode: number | null;
}

/** Parses a captured stream (test/fixtures/agent-streams, recorded from the real CLI) line by line. */
function parseFixture(kind: AgentKind, scenario: string): Parsed {
  const text = readFileSync(join(fixtures, kind, `${scenario}.jsonl`), 'utf8');
  const meta = JSON.parse(readFileSync(join(fixtures, kind, `${scenario}.meta.json`), 'utf8')) as { exitCode: number | null };
  const adapter = agentAdapter(kind);
  const parser = adapter.createParser();
  const lines = text.split('\n').filter((l) => l.length > 0);
  const events = lines.flatMap((line) => parser.parseLine(line));
  const summary = events.reduce(summarize, emptySummary());
  const outcome = classifyOutcome(adapter, summary, { exitCode: meta.exitCode, signal: null });
  return { lines, events, summary, outcome, exitCode: meta.exitCode };
}

function ofType<T extends AgentEvent['type']>(events: AgentEvent[], type: T): Array<Extract<AgentEvent, { type: T }>> {
  return events.filter((e): e is Extract<AgentEvent, { type: T }> => e.type === type);
}

function firstJson(lines: string[], predicate: (o: Record<string, unknown>) => boolean): Record<string, unknown> {
  for (const line of lines) {
    const o = JSON.parse(line) as Record<string, unknown>;
    if (predicate(o)) return o;
  }
  throw new Error('no such line');
}

describe('agent stream parsers (captured from the real CLIs)', () => {
  describe('claude', () => {
    it('success: session id from init, final text and cost from the result line, classified as succeeded', () => {
      const p = parseFixture('claude', 'success');
      const init = firstJson(p.lines, (o) => o.type === 'system' && o.subtype === 'init');
      assert.equal(p.summary.sessionId, init.session_id);
      assert.equal(p.summary.model, 'claude-sonnet-4-5');
      assert.deepEqual(ofType(p.events, 'assistant_text').map((e) => e.text), ['Hello from the mock model.']);
      assert.equal(p.summary.result?.status, AgentResultStatus.Success);
      assert.equal(p.summary.result?.text, 'Hello from the mock model.');
      assert.equal(p.summary.inputTokens, 120);
      assert.equal(p.summary.outputTokens, 30);
      assert.ok((p.summary.costUsd ?? 0) > 0, 'cost is reported');
      assert.equal(p.outcome.kind, AgentOutcomeKind.Succeeded);
    });

    it('tool use: Bash call with its command, the matching tool result, then the final text', () => {
      const p = parseFixture('claude', 'tool-use');
      const [call] = ofType(p.events, 'tool_call');
      assert.equal(call?.tool, 'Bash');
      assert.equal((call?.input as { command: string }).command, 'echo hi > out.txt');
      const [result] = ofType(p.events, 'tool_result');
      assert.equal(result?.id, call?.id);
      assert.equal(result?.isError, false);
      assert.equal(result?.output, '(Bash completed with no output)');
      assert.equal(p.summary.toolCalls, 1);
      assert.equal(p.summary.result?.text, 'Done: wrote out.txt.');
      assert.equal(p.summary.result?.numTurns, 2);
      assert.equal(p.outcome.kind, AgentOutcomeKind.Succeeded);
    });

    it('API error: is_error with the API message, exit 1, retryable failure', () => {
      const p = parseFixture('claude', 'api-error');
      assert.equal(p.exitCode, 1);
      assert.equal(p.summary.result?.status, AgentResultStatus.Error);
      assert.match(p.summary.result?.message ?? '', /mock: the model rejects this request/);
      assert.equal(p.summary.result?.text, undefined, 'an error text is not an answer');
      assert.equal(ofType(p.events, 'assistant_text').length, 0, 'the synthetic API error message is not assistant text');
      assert.equal(p.outcome.kind, AgentOutcomeKind.Failed);
      assert.equal(p.outcome.retryable, true);
      assert.match(p.outcome.message, /claude reported an error: .*rejects this request/);
    });

    it('auth error: 401 becomes a non-retryable auth error', () => {
      const p = parseFixture('claude', 'auth-error');
      assert.equal(p.summary.result?.status, AgentResultStatus.AuthError);
      assert.equal(p.outcome.kind, AgentOutcomeKind.AuthError);
      assert.equal(p.outcome.retryable, false);
      assert.match(p.outcome.message, /could not authenticate.*Invalid API key/);
    });

    it('turn limit: error_max_turns becomes a non-retryable turn limit', () => {
      const p = parseFixture('claude', 'turn-limit');
      assert.equal(p.exitCode, 1);
      assert.equal(p.summary.toolCalls, 1);
      assert.equal(p.summary.result?.status, AgentResultStatus.TurnLimit);
      assert.equal(p.outcome.kind, AgentOutcomeKind.TurnLimit);
      assert.equal(p.outcome.retryable, false);
    });
  });

  describe('codex', () => {
    it('success: thread id is the session, the last agent message is the final text, usage from turn.completed', () => {
      const p = parseFixture('codex', 'success');
      const started = firstJson(p.lines, (o) => o.type === 'thread.started');
      assert.equal(p.summary.sessionId, started.thread_id);
      assert.equal(p.summary.result?.text, 'Hello from the mock model.');
      assert.equal(p.summary.inputTokens, 120);
      assert.equal(p.summary.outputTokens, 30);
      assert.equal(p.summary.costUsd, undefined, 'codex reports no cost');
      assert.equal(p.outcome.kind, AgentOutcomeKind.Succeeded);
    });

    it('tool use: command_execution becomes one shell call and its result, not two calls', () => {
      const p = parseFixture('codex', 'tool-use');
      const calls = ofType(p.events, 'tool_call');
      assert.equal(calls.length, 1);
      assert.equal(calls[0]?.tool, 'shell');
      assert.match((calls[0]?.input as { command: string }).command, /echo hi > out\.txt/);
      const [result] = ofType(p.events, 'tool_result');
      assert.equal(result?.id, calls[0]?.id);
      assert.equal(result?.isError, false);
      assert.equal(p.summary.result?.text, 'Done: wrote out.txt.');
      assert.equal(p.outcome.kind, AgentOutcomeKind.Succeeded);
    });

    it('API error: turn.failed with the API message unwrapped, retryable', () => {
      const p = parseFixture('codex', 'api-error');
      assert.equal(p.exitCode, 1);
      assert.equal(p.summary.result?.status, AgentResultStatus.Error);
      assert.equal(p.summary.result?.message, 'mock: the model rejects this request');
      assert.deepEqual(p.summary.errors, ['mock: the model rejects this request']);
      assert.equal(p.outcome.kind, AgentOutcomeKind.Failed);
      assert.equal(p.outcome.retryable, true);
    });

    it('auth error: 401 Unauthorized becomes a non-retryable auth error', () => {
      const p = parseFixture('codex', 'auth-error');
      assert.equal(p.outcome.kind, AgentOutcomeKind.AuthError);
      assert.equal(p.outcome.retryable, false);
      assert.match(p.outcome.message, /401 Unauthorized/);
    });
  });

  describe('gemini', () => {
    it('success: init session, assistant deltas joined as the final text, usage from stats', () => {
      const p = parseFixture('gemini', 'success');
      const init = firstJson(p.lines, (o) => o.type === 'init');
      assert.equal(p.summary.sessionId, init.session_id);
      assert.equal(p.summary.result?.text, 'Hello from the mock model.');
      assert.equal(ofType(p.events, 'assistant_text').length, 1, 'the echoed user prompt is not assistant text');
      assert.equal(p.summary.inputTokens, 120);
      assert.equal(p.summary.outputTokens, 30);
      assert.equal(p.outcome.kind, AgentOutcomeKind.Succeeded);
    });

    it('tool use: run_shell_command call and result; the final text is what came after the tool', () => {
      const p = parseFixture('gemini', 'tool-use');
      const [call] = ofType(p.events, 'tool_call');
      assert.equal(call?.tool, 'run_shell_command');
      assert.deepEqual(call?.input, { command: 'echo hi > out.txt' });
      const [result] = ofType(p.events, 'tool_result');
      assert.equal(result?.id, call?.id);
      assert.equal(result?.isError, false);
      assert.equal(p.summary.result?.text, 'Done: wrote out.txt.');
      assert.equal(p.outcome.kind, AgentOutcomeKind.Succeeded);
    });

    it('API error: status error with the API message, retryable', () => {
      const p = parseFixture('gemini', 'api-error');
      assert.notEqual(p.exitCode, 0);
      assert.equal(p.summary.result?.status, AgentResultStatus.Error);
      assert.match(p.summary.result?.message ?? '', /mock: the model rejects this request/);
      assert.equal(p.outcome.kind, AgentOutcomeKind.Failed);
      assert.equal(p.outcome.retryable, true);
    });

    it('auth error: a 401 from the API is a non-retryable auth error', () => {
      const p = parseFixture('gemini', 'auth-error');
      assert.equal(p.outcome.kind, AgentOutcomeKind.AuthError);
      assert.equal(p.outcome.retryable, false);
    });

    it('turn limit: FatalTurnLimitedError and exit 53 are a non-retryable turn limit', () => {
      const p = parseFixture('gemini', 'turn-limit');
      assert.equal(p.exitCode, 53);
      assert.equal(p.summary.result?.status, AgentResultStatus.TurnLimit);
      assert.equal(p.outcome.kind, AgentOutcomeKind.TurnLimit);
      assert.equal(p.outcome.retryable, false);
      // Exit 53 alone (no result line) means the same.
      const bare = classifyOutcome(agentAdapter('gemini'), emptySummary(), { exitCode: 53, signal: null });
      assert.equal(bare.kind, AgentOutcomeKind.TurnLimit);
    });
  });

  describe('lines that are not events', () => {
    for (const kind of ['claude', 'codex', 'gemini'] as const) {
      it(`${kind}: banners, broken JSON and unknown types never throw`, () => {
        const parser = agentAdapter(kind).createParser();
        assert.deepEqual(parser.parseLine('Warning: 256-color support not detected.'), [
          { type: 'raw', text: 'Warning: 256-color support not detected.' },
        ]);
        assert.deepEqual(parser.parseLine('{"type":"result",'), [{ type: 'raw', text: '{"type":"result",' }]);
        assert.deepEqual(parser.parseLine('   '), []);
        assert.deepEqual(parser.parseLine('{"type":"something_new","x":1}'), []);
        assert.deepEqual(parser.parseLine('[1,2]'), [{ type: 'raw', text: '[1,2]' }]);
      });
    }
  });

  describe('outcome without a result line', () => {
    it('a crash (exit code, no result) is a retryable failure that names the last error', () => {
      const summary = emptySummary();
      summary.errors.push('stream disconnected');
      const outcome = classifyOutcome(agentAdapter('codex'), summary, { exitCode: 101, signal: null });
      assert.equal(outcome.kind, AgentOutcomeKind.Crashed);
      assert.equal(outcome.retryable, true);
      assert.match(outcome.message, /exited with code 101 without a result: stream disconnected/);
    });

    it('a success result with a non-zero exit is not a success', () => {
      const summary = emptySummary();
      summary.result = { type: 'result', status: AgentResultStatus.Success, text: 'ok' };
      const outcome = classifyOutcome(agentAdapter('claude'), summary, { exitCode: 2, signal: null });
      assert.equal(outcome.kind, AgentOutcomeKind.Failed);
    });

    it('gemini exit 41 is an auth error, 55 (untrusted folder) is bad input', () => {
      assert.equal(classifyOutcome(agentAdapter('gemini'), emptySummary(), { exitCode: 41, signal: null }).kind, AgentOutcomeKind.AuthError);
      const untrusted = classifyOutcome(agentAdapter('gemini'), emptySummary(), { exitCode: 55, signal: null });
      assert.equal(untrusted.kind, AgentOutcomeKind.BadInput);
      assert.equal(untrusted.retryable, false);
    });
  });
});

describe('agent stream parsers: MCP tool calls (captured, reference "everything" server)', () => {
  it('claude: an MCP tool call keeps its mcp__server__tool name and the structured result text', () => {
    const p = parseFixture('claude', 'mcp-tool');
    const [call] = ofType(p.events, 'tool_call');
    assert.equal(call?.tool, 'mcp__everything__echo');
    assert.deepEqual(call?.input, { message: 'ping-123' });
    const [result] = ofType(p.events, 'tool_result');
    assert.equal(result?.id, call?.id);
    assert.equal(result?.output, 'Echo: ping-123');
    assert.equal(p.outcome.kind, AgentOutcomeKind.Succeeded);
  });

  it('codex: mcp_tool_call items become one server/tool call and its result', () => {
    const p = parseFixture('codex', 'mcp-tool');
    const calls = ofType(p.events, 'tool_call');
    assert.equal(calls.length, 1);
    assert.equal(calls[0]?.tool, 'everything/echo');
    assert.deepEqual(calls[0]?.input, { message: 'ping-123' });
    const [result] = ofType(p.events, 'tool_result');
    assert.equal(result?.isError, false);
    assert.match(result?.output ?? '', /Echo: ping-123/);
    assert.equal(p.summary.result?.text, 'The server echoed ping-123.');
  });
});
