/**
 * Runs board in headless Chromium against the fake host: columns and counts, live changes,
 * approving from a card, keyboard-only use, archive, replay after reload, 2,000 runs virtualized.
 */
import assert from 'node:assert/strict';
import { BoardReady, DecideGate, DidChange, OpenRun, RunAction, type BoardSnapshot, type ChangeSet } from '../../../src/shared/protocol';
import { assertNoCspViolations, assertNoSeriousA11yViolations, screenshotInThemes } from './support/checks';
import { eventually, type FakePanel } from './support/fakeHost';
import { FakeBaton, gateSummary, toSummary } from './support/fakeBaton';
import { gate, run, step } from './support/fixtures';
import { chooseOption, fillField, selectedValue, useWebviewSuite } from './support/suite';

const T = Date.now() - 600_000;

function seedFiveStates(): FakeBaton {
  const baton = new FakeBaton();
  baton.addRun(run('r-running', 'running', { createdAt: T + 5 }));
  const waitingGate = gate(7, 'r-waiting', { messageMarkdown: 'Ship the fix?' });
  baton.addGate(waitingGate);
  baton.addRun(
    run('r-waiting', 'waiting', {
      createdAt: T + 4,
      steps: [step('build', 'succeeded'), step('approve', 'waiting', { kind: 'gate', needs: ['build'] })],
      waitingGates: [gateSummary(waitingGate)],
    }),
  );
  baton.addRun(run('r-failed', 'failed', { createdAt: T + 3, templateId: 'nightly', templateName: 'Nightly deps' }));
  baton.addRun(run('r-succeeded', 'succeeded', { createdAt: T + 2 }));
  baton.addRun(run('r-stale', 'running', { createdAt: T + 1, stale: true, lastEvent: { text: 'agent: Edit src/app.ts', at: T, type: 'step.progress' } }));
  return baton;
}

async function columnOf(panel: FakePanel, runId: string): Promise<string | null> {
  return panel.page
    .locator(`[data-run-id="${runId}"]`)
    .evaluate((el) => el.closest('[data-testid^="board-column-"]')?.getAttribute('data-testid') ?? null)
    .catch(() => null);
}

async function count(panel: FakePanel, key: string): Promise<string | null> {
  return panel.page.getByTestId(`board-count-${key}`).textContent();
}

describe('webview: runs board (Chromium, fake host)', function () {
  this.timeout(90_000);
  const suite = useWebviewSuite();
  let baton: FakeBaton;
  let panel: FakePanel;

  beforeEach(async () => {
    baton = seedFiveStates();
    panel = await suite.open({ panel: 'board' }, baton.attach);
    await panel.page.locator('[data-run-id="r-running"]').waitFor();
  });

  it('puts runs of 5 states in the right columns with the right counts', async () => {
    assert.equal(await columnOf(panel, 'r-running'), 'board-column-running');
    assert.equal(await columnOf(panel, 'r-stale'), 'board-column-running');
    assert.equal(await columnOf(panel, 'r-waiting'), 'board-column-waiting-on-you');
    assert.equal(await columnOf(panel, 'r-failed'), 'board-column-failed');
    assert.equal(await columnOf(panel, 'r-succeeded'), 'board-column-succeeded');
    assert.equal(await count(panel, 'running'), '2');
    assert.equal(await count(panel, 'waiting-on-you'), '1');
    assert.equal(await count(panel, 'failed'), '1');
    assert.equal(await count(panel, 'succeeded'), '1');
    assert.equal(await count(panel, 'pending'), '0');
    // A stale run reads "Stale", not a spinner; status is text, not colour only.
    assert.equal(await panel.page.getByTestId('board-card-status-r-stale').textContent(), 'Stale');
    assert.equal(await panel.page.getByTestId('board-card-status-r-stale').locator('.codicon-modifier-spin').count(), 0);
    assert.equal(await panel.page.getByTestId('board-card-status-r-running').textContent(), 'Running');
    assert.match((await panel.page.getByTestId('board-card-failure-r-failed').textContent()) ?? '', /exit code 1/);
    assert.equal(await panel.page.getByTestId('board-card-progress-r-running').textContent(), '1/2 steps');
    assert.equal(await panel.page.getByTestId('board-card-event-r-stale').textContent(), ' agent: Edit src/app.ts');
  });

  it('shows a run started elsewhere live and moves it to succeeded without a reload', async () => {
    baton.createRun(run('r-cli', 'running', { createdAt: T + 100, trigger: 'cli' }));
    await eventually(async () => assert.equal(await columnOf(panel, 'r-cli'), 'board-column-running'));
    assert.equal(await count(panel, 'running'), '3');
    baton.updateRun('r-cli', { stepsDone: 1 }, 'step.progress', 'agent: Bash npm test');
    await eventually(async () => assert.equal(await panel.page.getByTestId('board-card-event-r-cli').textContent(), ' agent: Bash npm test'));
    baton.updateRun('r-cli', { status: 'succeeded', stepsDone: 2, finishedAt: Date.now() }, 'run.succeeded', 'run succeeded');
    await eventually(async () => assert.equal(await columnOf(panel, 'r-cli'), 'board-column-succeeded'));
    assert.equal(await count(panel, 'running'), '2');
    assert.equal(await count(panel, 'succeeded'), '2');
    await eventually(async () => assert.match((await panel.page.getByTestId('live-region').textContent()) ?? '', /r-cli: Succeeded/));
    // Only the ready handshake: nothing was reloaded.
    assert.equal(panel.messages(BoardReady.method).length, 1);
  });

  it('approves a gate from the "Waiting on you" card', async () => {
    await panel.page.getByTestId('board-approve-r-waiting-7').click();
    const sent = await panel.waitForMessage(DecideGate.method);
    assert.deepEqual(sent.params, { gateId: 7, decision: 'approved', comment: '', formInputs: {} });
    await eventually(async () => assert.equal(await columnOf(panel, 'r-waiting'), 'board-column-running'));
    assert.equal(await count(panel, 'waiting-on-you'), '0');
    assert.deepEqual(
      baton.decisions.map((d) => [d.gateId, d.decision, d.by]),
      [[7, 'approved', 'alice']],
    );
  });

  it('rejects from the card with a comment for the next attempt', async () => {
    await panel.page.getByTestId('board-reject-r-waiting-7').click();
    // The dialog opens with the comment field focused, ready to type.
    await eventually(async () => assert.equal(await panel.page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'board-confirm-reject-comment'));
    await fillField(panel.page.getByTestId('board-confirm-reject-comment'), 'Add a test for the empty case');
    await panel.page.getByTestId('board-confirm-reject-confirm').click();
    const sent = await panel.waitForMessage(DecideGate.method);
    assert.deepEqual(sent.params, { gateId: 7, decision: 'rejected', comment: 'Add a test for the empty case', formInputs: {} });
  });

  it('is usable with the keyboard only: move between cards, open the context menu, open run detail', async () => {
    const page = panel.page;
    await page.getByTestId('board-filter').focus();
    // Tab until a card has focus (no mouse).
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      const testId = await page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? '');
      if (testId.startsWith('board-card-r-')) break;
    }
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'board-card-r-waiting');
    await page.keyboard.press('ArrowRight'); // skips the empty "Waiting" column
    const focused = await page.evaluate(() => document.activeElement?.getAttribute('data-run-id'));
    assert.equal(focused, 'r-running');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-run-id')), 'r-stale');
    await page.keyboard.press('Shift+F10');
    await page.getByTestId('board-menu').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'board-menu-open');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'board-menu-pause');
    await page.keyboard.press('Escape');
    assert.equal(await page.getByTestId('board-menu').count(), 0);
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-run-id')), 'r-stale');
    await page.keyboard.press('Enter');
    const open = await panel.waitForMessage(OpenRun.method);
    assert.deepEqual(open.params, { runId: 'r-stale', stepId: null });
    // Mouse users open it from the card title.
    await page.getByTestId('board-open-r-failed').click();
    await panel.waitForMessage(OpenRun.method, (m) => (m.params as { runId: string }).runId === 'r-failed');
  });

  it('asks before cancelling from the context menu', async () => {
    await panel.page.getByTestId('board-card-menu-r-running').click();
    await panel.page.getByTestId('board-menu-cancel').click();
    await panel.page.getByTestId('board-confirm-cancel').waitFor();
    assert.equal(panel.messages(RunAction.method).length, 0);
    await panel.page.getByTestId('board-confirm-cancel-confirm').click();
    const sent = await panel.waitForMessage(RunAction.method);
    assert.deepEqual(sent.params, { runId: 'r-running', action: 'cancel', stepId: null });
  });

  it('filters, archives finished runs and finds them again with @archived', async () => {
    const page = panel.page;
    await page.getByTestId('board-filter-failed').click();
    await eventually(async () => assert.equal(await page.getByTestId('board-total').textContent(), '1 shown of 5'));
    await page.getByTestId('board-filter-failed').click();
    await fillField(page.getByTestId('board-filter'), 'nightly');
    await eventually(async () => assert.equal(await page.getByTestId('board-total').textContent(), '1 shown of 5'));
    await fillField(page.getByTestId('board-filter'), '');
    await page.getByTestId('board-filter-waiting').click();
    await eventually(async () => assert.equal(await page.getByTestId('board-total').textContent(), '1 shown of 5'));
    await page.getByTestId('board-filter-waiting').click();

    await page.getByTestId('board-archive-finished').click();
    await panel.waitForMessage('board/archiveFinished');
    await eventually(async () => assert.equal(await page.locator('[data-run-id="r-succeeded"]').count(), 0));
    assert.equal(await page.getByTestId('board-total').textContent(), '3 shown of 5');
    await fillField(page.getByTestId('board-filter'), '@archived');
    await eventually(async () => assert.equal(await page.locator('[data-run-id="r-succeeded"]').count(), 1));
    assert.equal(await page.locator('[data-run-id="r-failed"]').count(), 1);
    assert.equal(await page.locator('[data-run-id="r-running"]').count(), 0);
  });

  it('after a reload replays only the events it missed (ready carries lastEventId)', async () => {
    const page = panel.page;
    baton.updateRun('r-running', { stepsDone: 1 }, 'step.progress', 'first');
    await eventually(async () => assert.equal(await page.getByTestId('board-card-event-r-running').textContent(), ' first'));
    await chooseOption(page.getByTestId('board-grouping'), 'Template');
    await page.waitForTimeout(100);
    const seen = baton.lastEventId;
    // A hidden webview is destroyed and messages posted to it are lost.
    baton.panels.delete(panel);
    baton.updateRun('r-failed', { status: 'running', failureReason: null }, 'run.started', 'retrying');
    baton.panels.add(panel);
    await page.reload();
    await page.locator('[data-run-id="r-running"]').waitFor();
    const readies = panel.messages(BoardReady.method);
    assert.equal(readies.length, 2);
    assert.deepEqual(readies[1]!.params, { protocol: 1, lastEventId: seen });
    assert.deepEqual(baton.syncReplies, ['snapshot', 'replay']);
    // UI state came back from getState; the missed change came from the replay.
    assert.equal(await selectedValue(page.getByTestId('board-grouping')), 'template');
    await chooseOption(page.getByTestId('board-grouping'), 'Status');
    await eventually(async () => assert.equal(await columnOf(panel, 'r-failed'), 'board-column-running'));
    assert.equal(await page.getByTestId('board-card-event-r-failed').textContent(), ' retrying');
  });

  it('has no serious axe violations, no CSP violations, and is captured in light, dark and high contrast', async () => {
    await assertNoSeriousA11yViolations(panel);
    await assertNoCspViolations(panel);
    await screenshotInThemes(panel, suite.server, 'board', async () => {
      await panel.page.locator('[data-run-id="r-running"]').waitFor();
      await panel.page.waitForTimeout(150);
    });
  });

  it('keeps fewer than 150 cards in the DOM with 2,000 runs', async () => {
    const big = new FakeBaton();
    const statuses = ['running', 'succeeded', 'failed', 'pending', 'paused', 'cancelled'] as const;
    for (let i = 0; i < 2000; i++) big.addRun(run(`b-${i}`, statuses[i % statuses.length]!, { createdAt: T + i }));
    const bigPanel = await suite.open({ panel: 'board' }, big.attach);
    const started = Date.now();
    await bigPanel.page.locator('[data-run-id]').first().waitFor();
    const firstPaintMs = Date.now() - started;
    const cards = await bigPanel.page.locator('[data-run-id]').count();
    assert.ok(cards < 150, `${cards} cards in the DOM`);
    assert.ok(cards > 10, `${cards} cards in the DOM`);
    let total = 0;
    for (const s of statuses) total += Number(await count(bigPanel, s));
    assert.equal(total, 2000);
    // The rightmost column, outside the 1280 px window, gets its cards right after the first frame.
    await bigPanel.page.locator('[data-testid="board-column-cancelled"] [data-run-id]').first().waitFor({ timeout: 5000 });
    // Scrolling a column far down renders the cards there (virtualized, not truncated).
    await bigPanel.page.getByTestId('board-scroll-succeeded').evaluate((el) => (el.scrollTop = el.scrollHeight));
    await eventually(async () => assert.equal(await bigPanel.page.locator('[data-run-id="b-1"]').count(), 1));
    assert.ok((await bigPanel.page.locator('[data-run-id]').count()) < 150);
    // Most of this time is the fake host pushing ~0.9 MB through Playwright's evaluate; `npm run bench`
    // is where first paint is measured.
    console.log(`      (2,000 runs: first card ${firstPaintMs} ms after load incl. fake-host transport, ${cards} cards in the DOM)`);
  });

  it('shows a snapshot answered while the bundle loads, and a change sent before the board listened', async () => {
    // A host that answers board/ready synchronously, inside postMessage, and sends a change at once:
    // both reach the page while the bundle is still being evaluated, before React's first render.
    const snapshot: BoardSnapshot = { runs: [toSummary(run('r-early', 'running', { createdAt: T + 1 }))], currentUser: 'alice', lastEventId: 1 };
    const change: ChangeSet = { lastEventId: 2, events: [], runs: [toSummary(run('r-meanwhile', 'pending', { createdAt: T + 2, revision: 2 }))] };
    const context = await suite.browser.newContext({ viewport: { width: 1280, height: 860 } });
    try {
      const page = await context.newPage();
      // A string, not a function: tsx's helpers would not exist in the page.
      await page.addInitScript(`(() => {
  const snapshot = ${JSON.stringify(snapshot)};
  const notification = ${JSON.stringify(DidChange.create(change))};
  window.__sent = [];
  window.acquireVsCodeApi = () => ({
    postMessage(message) {
      window.__sent.push(message.method);
      if (message.method !== ${JSON.stringify(BoardReady.method)}) return;
      window.dispatchEvent(new MessageEvent('message', { data: { kind: 'reply', id: message.id, method: message.method, ok: true, result: { kind: 'snapshot', snapshot } } }));
      window.dispatchEvent(new MessageEvent('message', { data: notification }));
    },
    getState: () => undefined,
    setState: (state) => state,
  });
})();`);
      await page.goto(`${suite.server.origin}/panel/board?theme=dark&context=${encodeURIComponent(JSON.stringify({ panel: 'board' }))}`);
      await page.locator('[data-run-id="r-meanwhile"]').waitFor({ timeout: 5000 });
      assert.equal(await page.locator('[data-run-id="r-early"]').count(), 1);
      assert.equal(await page.getByTestId('board-total').textContent(), '2 shown of 2');
      assert.equal(await page.getByTestId('board-loading').count(), 0);
      assert.deepEqual(
        (await page.evaluate(() => (window as unknown as { __sent: string[] }).__sent)).filter((m) => m === BoardReady.method),
        [BoardReady.method],
      );
    } finally {
      await context.close();
    }
  });
});
