/**
 * Run detail in headless Chromium against the fake host: the graph (edges from needs, foreach
 * collapsed with counts), a 200,000-line log searched on the host, follow mode, retry, comments
 * seen by a second window, tabs.
 */
import assert from 'node:assert/strict';
import { AddComment, GetLog, RunAction, SearchLog, type StepView } from '../../../src/shared/protocol';
import { assertNoCspViolations, assertNoSeriousA11yViolations, screenshotInThemes } from './support/checks';
import { eventually, type FakePanel } from './support/fakeHost';
import { FakeBaton, logKey } from './support/fakeBaton';
import { T0, foreachCounts, run, step } from './support/fixtures';
import { fieldValue, fillField, isChecked, useWebviewSuite } from './support/suite';

const SIX_STEPS: StepView[] = [
  step('checkout', 'succeeded'),
  step('lint', 'succeeded', { needs: ['checkout'] }),
  step('plan', 'succeeded', { needs: ['checkout'], kind: 'agent', hasTranscript: true, summaryMarkdown: '## Plan\n\n- change `login.ts`\n- add a test' }),
  step('implement', 'failed', { needs: ['lint', 'plan'], kind: 'agent' }),
  step('test', 'pending', { needs: ['implement'] }),
  step('approve', 'pending', { needs: ['test'], kind: 'gate' }),
];

function seed(): FakeBaton {
  const baton = new FakeBaton();
  baton.addRun(run('r6', 'failed', { steps: SIX_STEPS, stepsDone: 4, stepsTotal: 6, failureReason: 'implement: agent exited with code 1' }));
  const items = Array.from({ length: 40 }, (_, i) =>
    step('review-file', i < 32 ? 'succeeded' : i < 35 ? 'failed' : 'running', { itemKey: String(i) }),
  );
  baton.addRun(
    run('r-fan', 'running', {
      steps: [
        step('list-files', 'succeeded', { outputs: { files: Array.from({ length: 40 }, (_, i) => `src/f${i}.ts`) } }),
        step('review-file', 'running', { needs: ['list-files'], foreach: { counts: foreachCounts(items), items } }),
        step('report', 'pending', { needs: ['review-file'] }),
      ],
    }),
  );
  // A 200,000-line log with colours, a group, and one line to find near the end.
  const lines: string[] = [];
  lines.push('::group::Install dependencies');
  for (let i = 1; i < 50; i++) lines.push(`\x1b[32madded\x1b[0m package-${i}`);
  lines.push('::endgroup::');
  while (lines.length < 200_000) {
    const n = lines.length + 1;
    lines.push(n === 190_000 ? `line ${n}: \x1b[31mERROR\x1b[0m needle-in-haystack found here` : `line ${n}: compiling module ${n % 977} <b>not html</b>`);
  }
  baton.logs.set(logKey({ runId: 'r6', stepId: 'implement', itemKey: null }), lines);
  baton.transcripts.set(logKey({ runId: 'r6', stepId: 'plan', itemKey: null }), {
    entries: [
      { kind: 'message', role: 'user', text: 'Plan the change for issue #12', tool: null, at: T0, inputTokens: null, outputTokens: null, costUsd: null },
      { kind: 'tool_call', role: 'assistant', text: '{"file_path":"src/login.ts"}', tool: 'Read', at: T0 + 1000, inputTokens: 1200, outputTokens: 40, costUsd: null },
      { kind: 'result', role: 'assistant', text: 'Plan: **edit** `login.ts`', tool: null, at: T0 + 9000, inputTokens: null, outputTokens: null, costUsd: 0.0123 },
    ],
    inputTokens: 1200,
    outputTokens: 340,
    costUsd: 0.0123,
  });
  return baton;
}

describe('webview: run detail (Chromium, fake host)', function () {
  this.timeout(90_000);
  const suite = useWebviewSuite();
  let baton: FakeBaton;
  let panel: FakePanel;

  beforeEach(() => {
    baton = seed();
  });

  async function open(runId: string, stepId?: string): Promise<FakePanel> {
    panel = await suite.open(stepId ? { panel: 'run', runId, stepId } : { panel: 'run', runId }, baton.attach);
    await panel.page.getByTestId('run-title').waitFor();
    return panel;
  }

  it('draws a 6-step run as 6 nodes with edges from needs, steps not reached dashed', async () => {
    const { page } = await open('r6');
    assert.equal(await page.locator('[data-testid="run-dag-node"]').count(), 6);
    const edges = await page.locator('[data-testid="run-dag-edge"]').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-from')}->${e.getAttribute('data-to')}`).sort());
    assert.deepEqual(edges, ['checkout->lint', 'checkout->plan', 'implement->test', 'lint->implement', 'plan->implement', 'test->approve']);
    assert.equal(await page.locator('[data-testid="run-dag-node"][data-step-id="test"]').getAttribute('data-status'), 'not-reached');
    assert.match((await page.getByTestId('run-dag-node-implement').getAttribute('aria-label')) ?? '', /implement \(agent\): Failed/);
    // The failed step is selected by default, with its error.
    assert.match((await page.getByTestId('run-step-title').textContent()) ?? '', /implement/);
    // Toggles.
    await page.getByTestId('run-failed-only').click();
    assert.equal(await page.locator('[data-testid="run-dag-node"]').count(), 1);
    await page.getByTestId('run-failed-only').click();
    await page.getByTestId('run-hide-succeeded').click();
    assert.equal(await page.locator('[data-testid="run-dag-node"]').count(), 3);
  });

  it('shows a 40-item foreach as one node with counts, expandable to its items', async () => {
    const { page } = await open('r-fan');
    const nodes = page.locator('[data-testid="run-dag-node"][data-step-id="review-file"]');
    assert.equal(await nodes.count(), 1);
    assert.match((await nodes.textContent()) ?? '', /32\/40 done · 5 running · 3 failed/);
    assert.equal(await page.locator('[data-testid^="run-dag-item-"]').count(), 0);
    await page.getByTestId('run-dag-expand-review-file').click();
    assert.equal(await page.locator('[data-testid^="run-dag-item-review-file-"]').count(), 40);
    await page.getByTestId('run-dag-item-review-file-33').click();
    assert.match((await page.getByTestId('run-step-title').textContent()) ?? '', /review-file \[33\]/);
    assert.equal(await page.getByTestId('run-step-status').textContent(), 'Failed');
  });

  it('finds a term at line 190,000 of a 200,000-line log (search runs on the host)', async () => {
    const { page } = await open('r6', 'implement');
    await eventually(async () => assert.equal(await page.getByTestId('log-line-count').textContent(), '200,000 lines'));
    // Virtualized: a handful of rows in the DOM, not 200,000.
    assert.ok((await page.locator('.log-row').count()) < 200);
    await fillField(page.getByTestId('log-search'), 'needle-in-haystack');
    await page.getByTestId('log-search').locator('input').press('Enter');
    const hit = page.getByTestId('log-current-match');
    await hit.waitFor();
    assert.equal(await hit.getAttribute('data-line'), '190000');
    await eventually(async () => assert.match((await hit.textContent()) ?? '', /ERROR needle-in-haystack found here/));
    assert.equal(await hit.locator('mark').textContent(), 'needle-in-haystack');
    assert.equal(await hit.locator('.ansi-red-fg').textContent(), 'ERROR');
    assert.equal(await page.getByTestId('log-search-count').textContent(), '1 of 1');
    const box = await hit.boundingBox();
    const view = await page.getByTestId('log-scroll').boundingBox();
    assert.ok(box && view && box.y >= view.y && box.y + box.height <= view.y + view.height, 'the match is scrolled into view');
    // Only chunks near what is on screen were read, not the whole log.
    assert.ok(panel.messages(GetLog.method).length < 10);
    assert.equal(panel.messages(SearchLog.method).length, 1);
  });

  it('renders log text as text (no HTML), ANSI as classes, and collapses groups', async () => {
    const { page } = await open('r6', 'implement');
    // A finished log opens at its end, with nothing to follow.
    await eventually(async () => assert.match((await page.getByTestId('log-line-count').textContent()) ?? '', /^\d[\d,]* lines$/));
    assert.equal(await page.getByTestId('log-follow').count(), 0);
    await eventually(async () => assert.equal(await page.getByTestId('log-scroll').evaluate((el) => el.scrollTop > 0), true));
    await page.getByTestId('log-scroll').evaluate((el) => (el.scrollTop = 0));
    await page.locator('.log-row[data-line="2"]').waitFor();
    assert.equal(await page.locator('.log-row[data-line="2"] .ansi-green-fg').textContent(), 'added');
    await page.getByTestId('log-scroll').evaluate((el) => (el.scrollTop = 60 * 18));
    await page.locator('.log-row[data-line="70"]').waitFor();
    assert.equal(await page.locator('.log-row[data-line="70"] b').count(), 0);
    assert.match((await page.locator('.log-row[data-line="70"]').textContent()) ?? '', /<b>not html<\/b>/);
    await page.getByTestId('log-scroll').evaluate((el) => (el.scrollTop = 0));
    await page.getByTestId('log-group-1').click();
    assert.equal(await page.getByTestId('log-group-1').getAttribute('aria-expanded'), 'false');
    // Line 2..51 hidden: the row after the group header is line 52.
    await eventually(async () => {
      const rows = await page.locator('.log-row').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-line'))).sort((a, b) => a - b));
      assert.deepEqual(rows.slice(0, 2), [1, 52]);
    });
  });

  it('follows a live log and pauses following when the user scrolls up', async () => {
    baton.updateRun('r6', {}, 'step.started', 'running');
    const ref = { runId: 'r-fan', stepId: 'review-file', itemKey: '34', attempt: null };
    baton.logs.set(logKey(ref), Array.from({ length: 300 }, (_, i) => `early line ${i + 1}`));
    const { page } = await open('r-fan');
    await page.getByTestId('run-dag-expand-review-file').click();
    await page.getByTestId('run-dag-item-review-file-34').click();
    await eventually(async () => assert.equal(await page.getByTestId('log-line-count').textContent(), '300 lines · live'));
    assert.equal(await isChecked(page.getByTestId('log-follow')), true);
    baton.appendLog(ref, Array.from({ length: 100 }, (_, i) => `live line ${301 + i}`));
    await eventually(async () => assert.equal(await page.locator('.log-row[data-line="400"]').count(), 1));
    const atBottom = await page.getByTestId('log-scroll').evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight < 40);
    assert.equal(atBottom, true);
    // Earlier lines are present too (opened mid-step).
    await page.getByTestId('log-scroll').evaluate((el) => (el.scrollTop = 0));
    await eventually(async () => assert.equal(await isChecked(page.getByTestId('log-follow')), false));
    await page.locator('.log-row[data-line="1"]').waitFor();
    baton.appendLog(ref, ['after pause']);
    await eventually(async () => assert.equal(await page.getByTestId('log-line-count').textContent(), '401 lines · live'));
    assert.equal(await page.locator('.log-row[data-line="1"]').count(), 1, 'stays where the user scrolled');
  });

  it('retries failed steps and shows attempt 2 in Attempts', async () => {
    const { page } = await open('r6');
    await page.getByTestId('run-retry-failed').click();
    const sent = await panel.waitForMessage(RunAction.method);
    assert.deepEqual(sent.params, { runId: 'r6', action: 'retry-failed', stepId: null });
    const current = baton.runs.get('r6')!;
    const retried = current.steps.map((s) =>
      s.id === 'implement'
        ? { ...s, status: 'running' as const, attempt: 2, error: null, attempts: [...s.attempts, { number: 2, status: 'running' as const, startedAt: Date.now(), finishedAt: null, exitCode: null, error: null, costUsd: null }] }
        : s,
    );
    baton.updateRun('r6', { status: 'running', steps: retried, failureReason: null, finishedAt: null }, 'step.started', 'implement attempt 2', 'implement');
    await eventually(async () => assert.equal(await page.getByTestId('run-status').textContent(), 'Running'));
    await page.getByTestId('run-dag-node-implement').click();
    await page.getByTestId('run-tab-attempts').click();
    await page.getByTestId('run-attempt-2').waitFor();
    assert.match((await page.getByTestId('run-attempt-1').textContent()) ?? '', /Failed/);
    assert.match((await page.getByTestId('run-attempt-2').textContent()) ?? '', /Running/);
    // Succeeded upstream steps were not touched.
    assert.equal(await page.locator('[data-testid="run-dag-node"][data-step-id="plan"]').getAttribute('data-status'), 'succeeded');
  });

  it('shows a comment added in one window in a second window within a second', async () => {
    const first = await open('r6');
    const second = await suite.open({ panel: 'run', runId: 'r6' }, baton.attach);
    await second.page.getByTestId('run-title').waitFor();
    await first.page.getByTestId('run-tab-comments').click();
    await second.page.getByTestId('run-tab-comments').click();
    await fillField(first.page.getByTestId('run-comment-input'), 'Looks like a flaky **network** call');
    await first.page.getByTestId('run-comment-add').click();
    await first.waitForMessage(AddComment.method);
    const started = Date.now();
    await second.page.getByTestId('run-comment-1').waitFor({ timeout: 1000 });
    assert.ok(Date.now() - started < 1000);
    assert.match((await second.page.getByTestId('run-comment-1').innerHTML()) ?? '', /<strong>network<\/strong>/);
    assert.equal(await fieldValue(first.page.getByTestId('run-comment-input')), '');
  });

  it('shows output, transcript and summary tabs of a step', async () => {
    const { page } = await open('r6');
    await page.getByTestId('run-dag-node-plan').click();
    await page.getByTestId('run-tab-output').click();
    assert.match((await page.getByTestId('run-outputs').textContent()) ?? '', /result\s*ok/);
    await page.getByTestId('run-output-json').click();
    assert.deepEqual(JSON.parse((await page.getByTestId('run-output-pre').textContent()) ?? ''), { result: 'ok' });
    await page.getByTestId('run-tab-transcript').click();
    await page.getByTestId('run-transcript').waitFor();
    assert.match((await page.getByTestId('run-transcript').textContent()) ?? '', /1,200 input tokens · 340 output tokens · \$0\.0123/);
    assert.match((await page.getByTestId('run-transcript').textContent()) ?? '', /Tool call Read/);
    await page.getByTestId('run-tab-summary').click();
    assert.match((await page.getByTestId('run-summary').innerHTML()) ?? '', /<h2>Plan<\/h2>/);
    // Tabs are a keyboard tablist: arrows move between tabs, Enter opens the focused one.
    await page.getByTestId('run-tab-summary').focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'run-tab-artifacts');
    await page.keyboard.press('Enter');
    assert.equal(await page.getByTestId('run-tab-artifacts').getAttribute('aria-selected'), 'true');
    await page.getByTestId('run-artifacts-all').waitFor();
  });

  it('asks before cancelling a running run', async () => {
    const { page } = await open('r-fan');
    await page.getByTestId('run-cancel').click();
    await page.getByTestId('run-confirm-cancel').waitFor();
    await page.keyboard.press('Escape');
    assert.equal(await page.getByTestId('run-confirm-cancel').count(), 0);
    assert.equal(panel.messages(RunAction.method).length, 0);
    await page.getByTestId('run-cancel').click();
    await page.getByTestId('run-confirm-cancel-confirm').click();
    assert.deepEqual((await panel.waitForMessage(RunAction.method)).params, { runId: 'r-fan', action: 'cancel', stepId: null });
  });

  it('has no serious axe violations, no CSP violations, and is captured in light, dark and high contrast', async () => {
    const { page } = await open('r6', 'implement');
    await eventually(async () => assert.equal(await page.getByTestId('log-line-count').textContent(), '200,000 lines'));
    await assertNoSeriousA11yViolations(panel);
    await assertNoCspViolations(panel);
    await screenshotInThemes(panel, suite.server, 'run-detail', async () => {
      await page.getByTestId('log-line-count').filter({ hasText: '200,000' }).waitFor();
      await page.waitForTimeout(200);
    });
    const fan = await suite.open({ panel: 'run', runId: 'r-fan' }, baton.attach);
    await fan.page.getByTestId('run-dag-expand-review-file').click();
    await screenshotInThemes(fan, suite.server, 'run-detail-foreach', async () => {
      await fan.page.getByTestId('run-title').waitFor();
      await fan.page.waitForTimeout(200);
    });
    await assertNoSeriousA11yViolations(fan);
  });
});
