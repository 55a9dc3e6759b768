import assert from 'node:assert/strict';
import { formatAgo, formatElapsed, itemValueLabel } from '../../src/vscode/format';
import { renderStepEvent, toTerminal } from '../../src/vscode/stepRender';

describe('VS Code view text', () => {
  it('formats elapsed time at the precision a glance needs', () => {
    assert.equal(formatElapsed(850), '850 ms');
    assert.equal(formatElapsed(12_400), '12 s');
    assert.equal(formatElapsed(185_000), '3 m 05 s');
    assert.equal(formatElapsed(7_440_000), '2 h 04 m');
  });

  it('says how long ago in words', () => {
    const now = Date.UTC(2026, 0, 1, 12);
    assert.equal(formatAgo(now - 10_000, now), 'just now');
    assert.equal(formatAgo(now - 5 * 60_000, now), '5 min ago');
    assert.equal(formatAgo(now - 3 * 3_600_000, now), '3 h ago');
  });

  it('names a foreach item by its value on one line', () => {
    assert.equal(itemValueLabel('src/a.ts'), 'src/a.ts');
    assert.equal(itemValueLabel({ pkg: 'core' }), '{"pkg":"core"}');
    assert.equal(itemValueLabel(7), '7');
    assert.equal(itemValueLabel('x'.repeat(100), 10), `${'x'.repeat(9)}…`);
  });
});

describe('step terminal rendering', () => {
  it('passes script output through with terminal line ends', () => {
    assert.equal(renderStepEvent(JSON.stringify({ kind: 'output', stream: 'stdout', text: 'a\nb\n' })), 'a\r\nb\r\n');
    assert.equal(toTerminal('x\r\ny'), 'x\r\ny');
  });

  it('renders agent turns readably: text, tool calls, results, usage', () => {
    assert.equal(renderStepEvent(JSON.stringify({ kind: 'assistant_text', text: 'Looking at the tests' })), 'Looking at the tests\r\n');
    assert.match(renderStepEvent(JSON.stringify({ kind: 'tool_call', tool: 'Read', input: { file: 'a.ts' } })), /▸ Read \{"file":"a.ts"\}/);
    assert.match(renderStepEvent(JSON.stringify({ kind: 'tool_result', output: 'x'.repeat(600), isError: true })), /\x1b\[31m◂ x{500}…/);
    assert.match(renderStepEvent(JSON.stringify({ kind: 'usage', inputTokens: 10, outputTokens: 5, costUsd: 0.0123 })), /tokens: 10 in, 5 out, \$0\.0123/);
  });

  it('skips lines it cannot parse instead of failing the terminal', () => {
    assert.equal(renderStepEvent('{not json'), '');
    assert.equal(renderStepEvent(JSON.stringify({ kind: 'something-new' })), '');
  });
});
