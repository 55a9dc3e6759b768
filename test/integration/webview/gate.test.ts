/**
 * Gate approval dialog in headless Chromium against the fake host: focus, Escape, upstream
 * outputs with attempt and time, countdown and timeout action, the form blocking Approve, two
 * windows with one stored decision, a timeout never shown as an approval.
 */
import assert from 'node:assert/strict';
import { CloseGateDialog, DecideGate } from '../../../src/shared/protocol';
import { assertNoCspViolations, assertNoSeriousA11yViolations, screenshotInThemes } from './support/checks';
import { eventually, type FakePanel } from './support/fakeHost';
import { FakeBaton, gateSummary } from './support/fakeBaton';
import { gate, run, step } from './support/fixtures';
import { chooseOption, fillField, useWebviewSuite } from './support/suite';

function seed(): FakeBaton {
  const baton = new FakeBaton();
  const finishedAt = Date.UTC(2026, 10, 22, 8, 15, 0);
  const g = gate(11, 'r-gate', {
    stepId: 'ship',
    messageMarkdown: '## Ship release 2.3?\n\nThe agent updated **CHANGELOG.md**.\n\n<script>window.__xss = 1</script>',
    approvers: ['alice', 'bob'],
    dueAt: Date.now() + 2 * 3600_000 + 5 * 60_000,
    onTimeout: 'cancel',
    upstream: [{ stepId: 'build', itemKey: null, attempt: 2, finishedAt, outputs: { version: '2.3.0', artifacts: 3 } }],
    artifacts: [{ id: 5, stepId: 'build', name: 'release-notes.md', mediaType: 'text/markdown', sizeBytes: 2048, createdAt: finishedAt, previewUri: null }],
    formSchema: {
      type: 'object',
      properties: {
        risk: { type: 'string', title: 'Risk level', enum: ['low', 'medium', 'high'] },
        ticket: { type: 'string', title: 'Ticket', pattern: '^[A-Z]+-[0-9]+$' },
        rollback: { type: 'boolean', title: 'Rollback plan ready' },
        notes: { type: 'string', title: 'Release notes', format: 'markdown' },
      },
      required: ['risk'],
    },
  });
  baton.addGate(g);
  baton.addGate(gate(12, 'r-gate', { stepId: 'review', itemKey: '3', messageMarkdown: 'Review item 3', approvers: ['carol'], canDecide: false }));
  baton.addGate(gate(13, 'r-gate', { stepId: 'quick', messageMarkdown: 'Quick check', dueAt: Date.now() + 60_000, onTimeout: 'proceed' }));
  baton.addRun(run('r-gate', 'waiting', { steps: [step('build', 'succeeded'), step('ship', 'waiting', { kind: 'gate', needs: ['build'] })], waitingGates: [gateSummary(g)] }));
  return baton;
}

describe('webview: gate approval dialog (Chromium, fake host)', function () {
  this.timeout(60_000);
  const suite = useWebviewSuite();
  let baton: FakeBaton;
  let panel: FakePanel;

  beforeEach(async () => {
    baton = seed();
  });

  async function open(gateId: number): Promise<FakePanel> {
    const p = await suite.open({ panel: 'gate', gateId }, baton.attach);
    await p.page.getByTestId('gate-title').waitFor();
    return p;
  }

  it('lands focus on the heading and shows message, approvers, upstream outputs with attempt and time, artifacts, countdown', async () => {
    panel = await open(11);
    const page = panel.page;
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'gate-title');
    assert.match((await page.getByTestId('gate-title').textContent()) ?? '', /Approval needed: ship/);
    assert.match((await page.getByTestId('gate-message').innerHTML()) ?? '', /<strong>CHANGELOG\.md<\/strong>/);
    assert.equal(await page.getByTestId('gate-message').locator('script').count(), 0);
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
    assert.equal(await page.getByTestId('gate-approvers').textContent(), 'alice, bob');
    const meta = (await page.getByTestId('gate-upstream-meta-build').textContent()) ?? '';
    assert.match(meta, /attempt 2/);
    assert.match(meta, /finished .*2026/);
    assert.match((await page.getByTestId('gate-upstream-build').textContent()) ?? '', /2\.3\.0/);
    await page.getByTestId('gate-artifact-open-5').click();
    assert.deepEqual((await panel.waitForMessage('run/openArtifact')).params, { runId: 'r-gate', artifactId: 5 });
    const countdown = (await page.getByTestId('gate-countdown').textContent()) ?? '';
    assert.match(countdown, /Times out in 2h 0[45]m/);
    assert.match(countdown, /then the run is cancelled/);
  });

  it('closes on Escape without deciding', async () => {
    panel = await open(11);
    // An open dropdown takes the first Escape (it closes its list); a closed one lets it through.
    const risk = panel.page.getByTestId('gate-input-risk');
    await risk.click();
    await risk.getByRole('option', { name: 'medium', exact: true }).waitFor();
    await panel.page.keyboard.press('Escape');
    await eventually(async () => assert.equal(await risk.evaluate((el) => (el as unknown as { open: boolean }).open), false));
    assert.equal(panel.messages(CloseGateDialog.method).length, 0);
    await panel.page.keyboard.press('Escape');
    assert.deepEqual((await panel.waitForMessage(CloseGateDialog.method)).params, { gateId: 11 });
    assert.equal(panel.messages(DecideGate.method).length, 0);
    assert.deepEqual(baton.decisions, []);
  });

  it('keeps Approve disabled with the reason while a required field is empty, then approves with form and comment', async () => {
    panel = await open(11);
    const page = panel.page;
    const approve = page.getByTestId('gate-approve');
    assert.equal(await approve.isDisabled(), true);
    assert.match((await page.getByTestId('gate-approve-reason').textContent()) ?? '', /fill in Risk level/);
    await chooseOption(page.getByTestId('gate-input-risk'), 'low');
    await eventually(async () => assert.equal(await approve.isDisabled(), false));
    await fillField(page.getByTestId('gate-input-ticket'), 'not a ticket');
    await eventually(async () => assert.match((await page.getByTestId('gate-approve-reason').textContent()) ?? '', /Ticket must match pattern/));
    assert.equal(await approve.isDisabled(), true);
    await fillField(page.getByTestId('gate-input-ticket'), 'REL-42');
    await eventually(async () => assert.equal(await approve.isDisabled(), false));
    // A boolean is a checkbox, a markdown string a text area.
    assert.equal(await page.getByTestId('gate-input-rollback').evaluate((e) => e.tagName), 'VSCODE-CHECKBOX');
    assert.equal(await page.getByTestId('gate-input-notes').evaluate((e) => e.tagName), 'VSCODE-TEXTAREA');
    await page.getByTestId('gate-input-rollback').click();
    await fillField(page.getByTestId('gate-input-notes'), 'Fixes the login loop\n\nSee REL-42');
    await fillField(page.getByTestId('gate-comment'), 'Ship it');
    await eventually(async () => assert.equal(await approve.isDisabled(), false));
    await approve.click();
    const sent = await panel.waitForMessage(DecideGate.method);
    assert.deepEqual(sent.params, {
      gateId: 11,
      decision: 'approved',
      comment: 'Ship it',
      formInputs: { risk: 'low', ticket: 'REL-42', rollback: true, notes: 'Fixes the login loop\n\nSee REL-42' },
    });
    await eventually(async () => assert.match((await page.getByTestId('gate-decision').textContent()) ?? '', /Approved by alice at .*Ship it/));
    assert.equal(await page.getByTestId('gate-approve').count(), 0);
  });

  it('rejects with feedback (the comment goes with the decision)', async () => {
    panel = await open(13);
    await fillField(panel.page.getByTestId('gate-comment'), 'The migration is missing a down step');
    await panel.page.getByTestId('gate-reject').click();
    assert.deepEqual((await panel.waitForMessage(DecideGate.method)).params, { gateId: 13, decision: 'rejected', comment: 'The migration is missing a down step', formInputs: {} });
    assert.deepEqual(baton.decisions.map((d) => [d.gateId, d.decision, d.comment]), [[13, 'rejected', 'The migration is missing a down step']]);
  });

  it('turns a second window to "Approved by … at …" live; exactly one decision is stored', async () => {
    panel = await open(13);
    const other = await open(13);
    await panel.page.getByTestId('gate-approve').click();
    await eventually(async () => assert.match((await other.page.getByTestId('gate-decision').textContent()) ?? '', /Approved by alice at /), 2000);
    assert.equal(await other.page.getByTestId('gate-approve').count(), 0);
    await eventually(async () => assert.match((await other.page.getByTestId('live-region').textContent()) ?? '', /Approved by alice/));
    // A late decision from a stale view is refused by the host, not stored twice.
    const late = baton.decideGate(13, 'rejected', 'bob', '', {});
    assert.equal(late.ok, false);
    assert.equal(baton.decisions.length, 1);
  });

  it('shows a timeout as "Timed out", never as an approval', async () => {
    panel = await open(13);
    assert.match((await panel.page.getByTestId('gate-countdown').textContent()) ?? '', /then the run proceeds as if nobody objected \(recorded as a timeout, not an approval\)/);
    baton.decideGate(13, 'timed_out', null, '', {});
    await eventually(async () => assert.match((await panel.page.getByTestId('gate-decision').textContent()) ?? '', /Timed out at /));
    assert.doesNotMatch((await panel.page.getByTestId('gate-decision').textContent()) ?? '', /Approved/);
    assert.deepEqual(baton.decisions, []);
  });

  it('labels a foreach gate by item key and explains who may decide', async () => {
    panel = await open(12);
    assert.match((await panel.page.getByTestId('gate-title').textContent()) ?? '', /review \[3\]/);
    assert.equal(await panel.page.getByTestId('gate-approve').isDisabled(), true);
    assert.match((await panel.page.getByTestId('gate-approve-reason').textContent()) ?? '', /Only carol can decide/);
  });

  it('has no serious axe violations, no CSP violations, and is captured in light, dark and high contrast', async () => {
    panel = await open(11);
    await assertNoSeriousA11yViolations(panel);
    await assertNoCspViolations(panel);
    await screenshotInThemes(panel, suite.server, 'gate', async () => {
      await panel.page.getByTestId('gate-title').waitFor();
      await panel.page.waitForTimeout(150);
    });
  });
});
