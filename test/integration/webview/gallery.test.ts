/**
 * Gallery in headless Chromium against the fake host: search with facets and chips, readiness,
 * inputs form validated in the webview (and again by the host), start a run.
 */
import assert from 'node:assert/strict';
import { StartRun, type IpcRequestMessage } from '../../../src/shared/protocol';
import { assertNoCspViolations, assertNoSeriousA11yViolations, screenshotInThemes } from './support/checks';
import { eventually, type FakePanel } from './support/fakeHost';
import { FakeBaton } from './support/fakeBaton';
import { MISSING_CLAUDE, REVIEW_INPUTS, template } from './support/fixtures';
import { chooseOption, fieldValue, fillField, useWebviewSuite } from './support/suite';

function seed(): FakeBaton {
  const baton = new FakeBaton();
  baton.templates = [
    template('review-pr', {
      name: 'Review PR',
      category: 'review',
      inputsSchema: REVIEW_INPUTS,
      readmeMarkdown: '# Review PR\n\nAn agent reviews the branch, **tests run**, a human approves.\n\n<img src=x onerror="window.__xss=1">',
      steps: [
        { id: 'plan', name: null, kind: 'agent', phase: 'plan', needs: [], foreach: null, agent: 'claude' },
        { id: 'test', name: null, kind: 'run', phase: 'verify', needs: ['plan'], foreach: null, agent: null },
        { id: 'approve', name: null, kind: 'gate', phase: 'verify', needs: ['test'], foreach: null, agent: null },
      ],
    }),
    template('nightly-deps', {
      name: 'Nightly dependency update',
      category: 'maintenance',
      source: 'workspace',
      triggers: [{ kind: 'schedule', label: 'every day at 02:00 (cron 0 2 * * *)' }],
      steps: [{ id: 'update', name: null, kind: 'run', phase: null, needs: [], foreach: null, agent: null }],
    }),
    template('fix-issue', { name: 'Fix issue', category: 'coding', readiness: [MISSING_CLAUDE] }),
    template('summarize-logs', {
      name: 'Summarize logs',
      category: 'ops',
      source: 'user',
      steps: [{ id: 'sum', name: null, kind: 'llm', phase: null, needs: [], foreach: null, agent: null }],
    }),
    template('docs-sync', {
      name: 'Docs sync',
      category: 'maintenance',
      source: 'workspace',
      triggers: [{ kind: 'file', label: 'on save of docs/**' }],
      steps: [{ id: 'sync', name: null, kind: 'mcp', phase: null, needs: [], foreach: null, agent: null }],
    }),
  ];
  baton.suggested = [{ templateId: 'nightly-deps', reason: 'package.json found' }];
  baton.broken = [
    {
      sourcePath: '/workspace/.baton/templates/deploy.yml',
      displayPath: '.baton/templates/deploy.yml',
      source: 'workspace',
      problems: [
        { line: 9, column: 12, field: 'steps[1].needs', code: 'unknown-need', message: 'needs "biuld", which is not a step of this template' },
        { line: 14, column: 5, field: 'steps[2].timeout', code: 'invalid-duration', message: '"ten minutes" is not a duration (e.g. 10m, 1h30m)' },
        { line: 20, column: 3, field: 'steps[3]', code: 'no-kind', message: 'a step needs exactly one of run, agent, llm, mcp, gate, workflow' },
        { line: 22, column: 7, field: 'steps[3].retry.max', code: 'type', message: 'must be integer' },
      ],
    },
  ];
  return baton;
}

describe('webview: template gallery (Chromium, fake host)', function () {
  this.timeout(60_000);
  const suite = useWebviewSuite();
  let baton: FakeBaton;
  let panel: FakePanel;

  beforeEach(async () => {
    baton = seed();
    panel = await suite.open({ panel: 'gallery' }, baton.attach);
    await panel.page.getByTestId('gallery-card-review-pr').waitFor();
  });

  it('filters by typed facets and free text, keeps chips in sync and counts shown/total', async () => {
    const page = panel.page;
    const count = page.getByTestId('gallery-count');
    assert.equal(await count.textContent(), '5/5');
    await fillField(page.getByTestId('gallery-search'), '@kind:agent');
    await eventually(async () => assert.equal(await count.textContent(), '2/5'));
    assert.equal(await page.getByTestId('gallery-chip-kind-agent').isVisible(), true);
    assert.equal(await page.getByTestId('gallery-facet-kind-agent').getAttribute('aria-pressed'), 'true');

    // A facet button adds its token to the search text and a chip.
    await fillField(page.getByTestId('gallery-search'), '');
    await page.getByTestId('gallery-facet-source-workspace').click();
    assert.match(await fieldValue(page.getByTestId('gallery-search')), /@source:workspace/);
    await eventually(async () => assert.equal(await count.textContent(), '2/5'));
    const shown = await page.locator('[data-testid^="gallery-card-"][data-template-id]').evaluateAll((els) => els.map((e) => e.getAttribute('data-template-id')));
    assert.deepEqual(shown.sort(), ['docs-sync', 'nightly-deps']);

    // Facets of one key are alternatives; facets of different keys and words all apply.
    await fillField(page.getByTestId('gallery-search'), '@source:workspace @trigger:schedule');
    await eventually(async () => assert.equal(await count.textContent(), '1/5'));
    await fillField(page.getByTestId('gallery-search'), '@category:maintenance docs');
    await eventually(async () => assert.equal(await count.textContent(), '1/5'));

    // Removing the chip edits the text and the filter.
    await page.getByTestId('gallery-chip-remove-category-maintenance').click();
    assert.equal((await fieldValue(page.getByTestId('gallery-search'))).trim(), 'docs');
    await eventually(async () => assert.equal(await count.textContent(), '1/5'));
    await fillField(page.getByTestId('gallery-search'), 'nothing-matches-this');
    await eventually(async () => assert.equal(await count.textContent(), '0/5'));
    assert.equal(await page.getByTestId('gallery-empty').isVisible(), true);
  });

  it('shows the suggested row and a detail pane with the DAG, triggers, inputs table and sanitized README', async () => {
    const page = panel.page;
    assert.equal(await page.getByTestId('gallery-suggested-card-nightly-deps').isVisible(), true);
    await page.getByTestId('gallery-card-review-pr').click();
    await page.getByTestId('gallery-detail-title').waitFor();
    assert.equal(await page.locator('[data-testid="gallery-dag-node"]').count(), 3);
    assert.equal(await page.locator('[data-testid="gallery-dag-edge"]').count(), 2);
    assert.equal(await page.getByTestId('gallery-inputs-table').locator('tbody tr').count(), 4);
    assert.match((await page.getByTestId('gallery-readme').innerHTML()) ?? '', /<strong>tests run<\/strong>/);
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
    // Raw HTML in markdown is shown as text, never parsed into elements.
    assert.equal(await page.getByTestId('gallery-readme').locator('img').count(), 0);
    assert.match((await page.getByTestId('gallery-readme').textContent()) ?? '', /<img src=x onerror=/);
    // Focus moves to the detail heading so keyboard users land on what they opened.
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'gallery-detail-title');
    await page.getByTestId('gallery-open-source').click();
    await panel.waitForMessage('gallery/openSource', (m) => (m.params as { templateId: string }).templateId === 'review-pr');
    await page.getByTestId('gallery-duplicate').click();
    await eventually(async () => assert.match((await page.getByTestId('gallery-result').textContent()) ?? '', /Duplicated to \.baton\/templates\/review-pr-copy\.yml/));
  });

  it('lists a template file that does not load with where and why; a problem opens the file at its line', async () => {
    const page = panel.page;
    const card = page.getByTestId('gallery-broken-baton-templates-deploy-yml');
    await card.waitFor();
    assert.match((await page.getByTestId('gallery-broken').locator('h2').textContent()) ?? '', /Templates that do not load \(1\)/);
    assert.equal(await page.getByTestId('gallery-count').textContent(), '5/5', 'not counted among the templates');
    const text = (await card.textContent()) ?? '';
    assert.match(text, /\.baton\/templates\/deploy\.yml/);
    assert.match(text, /Does not load: 4 problems/);
    assert.match(text, /Line 9, column 12.*steps\[1\]\.needs.*needs "biuld"/);
    assert.match(text, /and 1 more/);
    assert.doesNotMatch(text, /must be integer/, 'the fourth problem is left to Validate Templates');
    await page.getByTestId('gallery-broken-baton-templates-deploy-yml-problem-1').click();
    await panel.waitForMessage('gallery/openProblem', (m) => {
      const p = m.params as { sourcePath: string; line: number; column: number };
      return p.sourcePath === '/workspace/.baton/templates/deploy.yml' && p.line === 14 && p.column === 5;
    });
    // By keyboard too: the problem links are buttons in the tab order.
    await page.getByTestId('gallery-broken-baton-templates-deploy-yml-problem-0').focus();
    await page.keyboard.press('Enter');
    await panel.waitForMessage('gallery/openProblem', (m) => (m.params as { line: number }).line === 9);
  });

  it('blocks Run with an inline error when a required input is empty, and sends no run command', async () => {
    const page = panel.page;
    await page.getByTestId('gallery-card-review-pr').click();
    await page.getByTestId('gallery-run').waitFor();
    // Required first, defaults filled, enum as a select, secret masked.
    const order = await page.locator('.schema-form [data-testid^="gallery-input-"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')));
    assert.deepEqual(order.slice(0, 1), ['gallery-input-branch']);
    assert.equal(await page.getByTestId('gallery-input-depth').evaluate((e) => e.tagName), 'VSCODE-SINGLE-SELECT');
    assert.equal(await fieldValue(page.getByTestId('gallery-input-maxFiles')), '20');
    assert.equal(await page.getByTestId('gallery-input-token').locator('input').getAttribute('type'), 'password');

    await page.getByTestId('gallery-run').click();
    const fieldError = page.locator('.schema-form .has-error, .schema-form .error-detail').filter({ hasText: 'is required' });
    await fieldError.first().waitFor();
    assert.equal(panel.messages(StartRun.method).length, 0);
    assert.deepEqual(baton.started, []);
  });

  it('disables Run with the reason when the agent CLI is missing, and offers the fix', async () => {
    const page = panel.page;
    await page.getByTestId('gallery-card-fix-issue').click();
    await page.getByTestId('gallery-run').waitFor();
    assert.equal(await page.getByTestId('gallery-run').isDisabled(), true);
    assert.match((await page.getByTestId('gallery-run-disabled-reason').textContent()) ?? '', /The claude CLI \(claude\) is not on PATH: install it with npm i -g @anthropic-ai\/claude-code/);
    // A message too long for one line wraps beside its warning icon, not onto a line of its own below it.
    const notice = page.getByTestId('gallery-readiness-missing-agent-cli');
    const icon = await notice.locator('.codicon-warning').boundingBox();
    const message = await notice.locator('.readiness-message').boundingBox();
    assert.ok(icon && message);
    assert.ok(message.height > icon.height * 1.5, `the message wraps in this layout (${message.height}px high)`);
    assert.ok(icon.y < message.y + icon.height && message.x > icon.x + icon.width - 1, `icon ${JSON.stringify(icon)} sits left of the message's first line ${JSON.stringify(message)}`);
    await page.getByTestId('gallery-fix-missing-agent-cli').click();
    const fix = await panel.waitForMessage('gallery/fixReadiness');
    assert.deepEqual(fix.params, { templateId: 'fix-issue', action: 'install-agent-cli', arg: 'claude' });
    assert.equal(panel.messages(StartRun.method).length, 0);
  });

  it('starts a run whose inputs match the form (the host re-validates with the same schema)', async () => {
    const page = panel.page;
    await page.getByTestId('gallery-card-review-pr').click();
    await fillField(page.getByTestId('gallery-input-branch'), 'feature/login');
    await chooseOption(page.getByTestId('gallery-input-depth'), 'thorough');
    await fillField(page.getByTestId('gallery-input-maxFiles'), '7');
    await page.getByTestId('gallery-run').click();
    await eventually(async () => assert.match((await page.getByTestId('gallery-result').textContent()) ?? '', /Started run run-1000/));
    const sent = (await panel.waitForMessage(StartRun.method)) as IpcRequestMessage<{ templateId: string; inputs: Record<string, unknown> }>;
    assert.deepEqual(sent.params, { templateId: 'review-pr', inputs: { branch: 'feature/login', depth: 'thorough', maxFiles: 7 } });
    assert.deepEqual(baton.started, [{ templateId: 'review-pr', inputs: { branch: 'feature/login', depth: 'thorough', maxFiles: 7 }, runId: 'run-1000' }]);
    assert.deepEqual(panel.invalid, []);
  });

  it('adds the started run to an open board', async () => {
    const board = await suite.open({ panel: 'board' }, baton.attach);
    await board.page.getByTestId('board-count-pending').waitFor();
    await panel.page.getByTestId('gallery-card-review-pr').click();
    await fillField(panel.page.getByTestId('gallery-input-branch'), 'main');
    await panel.page.getByTestId('gallery-run').click();
    await eventually(async () => assert.equal(await board.page.locator('[data-run-id="run-1000"]').count(), 1));
    assert.equal(await board.page.getByTestId('board-count-pending').textContent(), '1');
  });

  it('keeps the search, selection and an unsent form draft across a reload (getState)', async () => {
    const page = panel.page;
    await fillField(page.getByTestId('gallery-search'), '@category:review');
    await page.getByTestId('gallery-card-review-pr').click();
    await fillField(page.getByTestId('gallery-input-branch'), 'draft-branch');
    await page.waitForTimeout(50);
    await page.reload();
    await page.getByTestId('gallery-input-branch').waitFor();
    assert.equal(await fieldValue(page.getByTestId('gallery-search')), '@category:review');
    assert.equal(await fieldValue(page.getByTestId('gallery-input-branch')), 'draft-branch');
  });

  it('has no serious axe violations, no CSP violations, and is captured in light, dark and high contrast', async () => {
    await panel.page.getByTestId('gallery-card-review-pr').click();
    await panel.page.getByTestId('gallery-run').waitFor();
    await assertNoCspViolations(panel);
    await assertNoSeriousA11yViolations(panel);
    await screenshotInThemes(panel, suite.server, 'gallery', async () => {
      await panel.page.getByTestId('gallery-run').waitFor();
      await panel.page.waitForTimeout(150);
    });
    await assertNoSeriousA11yViolations(panel);
  });
});
