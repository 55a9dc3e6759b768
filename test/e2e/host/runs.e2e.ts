import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { RunsNode } from '../../../src/vscode/runsTree';
import { screenshot } from './bridge';
import { batonContainer, outsideEngine, scriptTemplate, waitForRun, waitUntil, workspaceDir } from './helpers';

describe('runs tree and run commands', () => {
  const outside = outsideEngine();
  after(() => outside.opened.close());

  function treeLabels(nodes: RunsNode[], provider: vscode.TreeDataProvider<RunsNode>) {
    return nodes.map((n) => provider.getTreeItem(n) as vscode.TreeItem);
  }

  it('executes a run started by another process and shows it with its steps turning green', async () => {
    const container = await batonContainer();
    const run = outside.engine.startRun(
      scriptTemplate('e2e-two-steps', [
        { id: 'first', run: 'echo "value=42" >> "$BATON_OUTPUT"' },
        { id: 'second', run: 'echo got ${{ steps.first.outputs.value }}', needs: ['first'] },
      ]),
      { trigger: { kind: 'cli' } },
    );
    const finished = await waitForRun(outside.engine, run.id, ['succeeded', 'failed']);
    assert.equal(finished.status, 'succeeded', finished.error ?? '');
    const steps = outside.engine.getRun(run.id).steps;
    assert.deepEqual(
      steps.map((s) => [s.stepId, s.status, s.attempts]),
      [
        ['first', 'succeeded', 1],
        ['second', 'succeeded', 1],
      ],
    );
    assert.equal(steps[0]!.outputs?.value, '42');

    // The view learns about it from the event log (poll) and lists it first with its steps.
    const provider = container.runsTree;
    let runNode: RunsNode | undefined;
    await waitUntil('the run in the Runs tree, succeeded', () => {
      runNode = provider.getChildren().find((n) => n.kind === 'run' && n.run.id === run.id);
      return runNode?.kind === 'run' && runNode.run.status === 'succeeded';
    });
    const runItem = provider.getTreeItem(runNode!) as vscode.TreeItem;
    assert.equal(runItem.label, 'e2e-two-steps');
    assert.equal((runItem.iconPath as vscode.ThemeIcon).id, 'pass-filled');
    assert.equal(runItem.contextValue, 'baton.run.succeeded');
    const stepItems = treeLabels(provider.getChildren(runNode), provider);
    assert.deepEqual(
      stepItems.map((i) => [i.label, (i.iconPath as vscode.ThemeIcon).id]),
      [
        ['first', 'pass-filled'],
        ['second', 'pass-filled'],
      ],
    );
    assert.match(String((stepItems[0]!.tooltip as vscode.MarkdownString).value), /"value": "42"/);

    await vscode.commands.executeCommand('baton.runs.focus');
    await new Promise((r) => setTimeout(r, 500));
    await screenshot('runs-tree-succeeded');
  });

  it('a step that finishes re-renders its run\'s row only: the view is not listed again', async () => {
    const container = await batonContainer();
    const provider = container.runsTree;
    await vscode.commands.executeCommand('baton.runs.focus');
    // What VS Code (or anyone) asks the provider for from here on.
    const listings: Array<RunsNode | undefined> = [];
    const rendered: RunsNode[] = [];
    const getChildren = provider.getChildren.bind(provider);
    const getTreeItem = provider.getTreeItem.bind(provider);
    provider.getChildren = (node?: RunsNode) => (listings.push(node), getChildren(node));
    provider.getTreeItem = (node: RunsNode) => (rendered.push(node), getTreeItem(node));
    try {
      const release = join(workspaceDir(), 'row-refresh-release');
      const run = outside.engine.startRun(
        scriptTemplate('e2e-row-refresh', [{ id: 'hold', run: `while [ ! -f "${release}" ]; do sleep 0.1; done` }, { id: 'after', run: 'true', needs: ['hold'] }]),
      );
      const isThisRun = (node: RunsNode): node is Extract<RunsNode, { kind: 'run' }> => node.kind === 'run' && node.run.id === run.id;
      await waitUntil('VS Code to render the new run, its step running', () =>
        rendered.some((node) => isThisRun(node) && node.run.status === 'running') && outside.engine.getRun(run.id).steps[0]!.status === 'running',
      );
      await new Promise((r) => setTimeout(r, 300));
      listings.length = 0;
      rendered.length = 0;
      // While it runs, its elapsed time counts up: its row alone is rendered again each second.
      await waitUntil('the running row to tick', () => rendered.some((node) => isThisRun(node) && node.run.status === 'running'), 3000);
      assert.equal(listings.length, 0, 'ticking lists nothing');
      writeFileSync(release, '');
      await waitForRun(outside.engine, run.id, ['succeeded']);
      await waitUntil('VS Code to render the run succeeded', () => rendered.some((node) => isThisRun(node) && node.run.status === 'succeeded'));
      assert.deepEqual(
        listings.filter((node) => node === undefined || node.kind === 'folder'),
        [],
        'the runs were not listed again',
      );
      assert.ok(
        rendered.every((node) => node.kind !== 'run' || node.run.id === run.id),
        `only this run's row was rendered again, not ${rendered.filter((n) => n.kind === 'run' && n.run.id !== run.id).length} others`,
      );
    } finally {
      provider.getChildren = getChildren;
      provider.getTreeItem = getTreeItem;
    }
  });

  it('shows foreach items under their step, named by their value, each with its status icon and description', async () => {
    const container = await batonContainer();
    const provider = container.runsTree;
    const release = join(workspaceDir(), 'foreach-release');
    const template = scriptTemplate('e2e-foreach', []);
    template.inputs = { properties: { files: { type: 'array' } }, required: [] };
    template.steps = [
      {
        kind: 'run',
        id: 'lint',
        run: `case "\${{ item }}" in b.ts) echo "b.ts: 2 problems" >&2; exit 4;; c.ts) while [ ! -f "${release}" ]; do sleep 0.1; done;; esac; echo linted`,
        foreach: '${{ inputs.files }}',
        maxParallel: 3,
        needs: [],
        env: {},
        continueOnError: false,
      },
    ];
    const run = outside.engine.startRun(template, { inputs: { files: ['a.ts', 'b.ts', 'c.ts'] } });
    const items = () => {
      const runNode = provider.getChildren().find((n) => n.kind === 'run' && n.run.id === run.id);
      const stepNode = runNode && provider.getChildren(runNode)[0];
      return { runNode, stepNode, itemNodes: stepNode ? provider.getChildren(stepNode) : [] };
    };
    const icon = (node: RunsNode) => ((provider.getTreeItem(node) as vscode.TreeItem).iconPath as vscode.ThemeIcon).id;
    await waitUntil('a.ts done, b.ts failed, c.ts running', () => {
      const { itemNodes } = items();
      return itemNodes.map(icon).join(',') === 'pass-filled,error,sync~spin';
    });
    const { stepNode, itemNodes } = items();
    const stepItem = provider.getTreeItem(stepNode!) as vscode.TreeItem;
    assert.equal(stepItem.label, 'lint');
    assert.equal(stepItem.collapsibleState, vscode.TreeItemCollapsibleState.Collapsed, 'a foreach step expands to its items');
    assert.match(String(stepItem.description), /^running · 2\/3 items, 1 failed/);
    assert.equal(stepItem.contextValue, 'baton.step.running.foreach', 'no Show Step Log on the foreach step itself');
    assert.equal(stepItem.command, undefined);
    const rendered = itemNodes.map((n) => provider.getTreeItem(n) as vscode.TreeItem);
    assert.deepEqual(
      rendered.map((i) => [i.label, String(i.description).split(' · ').slice(0, 2).join(' · ')]),
      [
        ['a.ts', '#0 · succeeded'],
        ['b.ts', '#1 · failed'],
        ['c.ts', '#2 · running'],
      ],
    );
    assert.equal(rendered[1]!.contextValue, 'baton.step.failed.run');
    assert.equal(rendered[1]!.command?.command, 'baton.showStepLog', 'a click on an item opens its log');
    assert.match(String((rendered[1]!.tooltip as vscode.MarkdownString).value), /"b\.ts"[\s\S]*exit/);
    await vscode.commands.executeCommand('baton.runs.focus');
    const { runNode } = items();
    await container.revealInRunsView(runNode!, { expand: true, focus: false });
    await container.revealInRunsView(stepNode!, { expand: true, select: true, focus: false });
    await new Promise((r) => setTimeout(r, 500));
    await screenshot('runs-tree-foreach');

    writeFileSync(release, '');
    await waitForRun(outside.engine, run.id, ['failed', 'succeeded']);
    await waitUntil('the foreach step failed with its counts', () => {
      const { stepNode: done } = items();
      return done !== undefined && icon(done) === 'error' && /^failed · 3 items, 1 failed/.test(String((provider.getTreeItem(done) as vscode.TreeItem).description));
    });
  });

  it('lists runs newest first and spins the icon of a running step', async () => {
    const container = await batonContainer();
    const marker = join(workspaceDir(), 'release-sleeper');
    const run = outside.engine.startRun(scriptTemplate('e2e-sleeper', [{ id: 'wait', run: `while [ ! -f "${marker}" ]; do sleep 0.2; done` }]));
    await waitForRun(outside.engine, run.id, ['running']);
    await waitUntil('the running step spinning in the tree', () => {
      const first = container.runsTree.getChildren()[0];
      if (first?.kind !== 'run' || first.run.id !== run.id) return false;
      const step = container.runsTree.getChildren(first)[0];
      return step !== undefined && (container.runsTree.getTreeItem(step) as vscode.TreeItem).iconPath instanceof vscode.ThemeIcon
        && ((container.runsTree.getTreeItem(step) as vscode.TreeItem).iconPath as vscode.ThemeIcon).id === 'sync~spin';
    });
    await screenshot('runs-tree-running');
    // Nothing happens in the run while it waits, yet its duration keeps counting.
    const description = () => {
      const node = container.runsTree.getChildren().find((n) => n.kind === 'run' && n.run.id === run.id)!;
      return String((container.runsTree.getTreeItem(node) as vscode.TreeItem).description);
    };
    let refreshes = 0;
    const counting = container.runsTree.onDidChangeTreeData(() => refreshes++);
    const before = description();
    await new Promise((r) => setTimeout(r, 2_500));
    counting.dispose();
    assert.ok(refreshes >= 2, `the view re-rendered ${refreshes} times in 2.5 s of a running run`);
    assert.notEqual(description(), before, 'the elapsed time moved on');
    writeFileSync(marker, '');
    await waitForRun(outside.engine, run.id, ['succeeded']);
  });

  it('Cancel Run stops a running step and records the cancel', async () => {
    const marker = join(workspaceDir(), 'cancel-started');
    const run = outside.engine.startRun(scriptTemplate('e2e-cancel', [{ id: 'long', run: `touch "${marker}"; sleep 60` }]));
    await waitUntil('the long step to start', () => existsSync(marker));
    await vscode.commands.executeCommand('baton.cancelRun', run.id);
    const cancelled = await waitForRun(outside.engine, run.id, ['cancelled'], 15_000);
    assert.equal(cancelled.status, 'cancelled');
    await waitUntil('the step to be cancelled', () => outside.engine.getRun(run.id).steps[0]!.status === 'cancelled', 15_000);
    const events = outside.engine.listEvents(0, { runId: run.id }).map((e) => e.type);
    assert.ok(events.includes('run.cancelled'), events.join(','));
  });

  it('Retry Run re-runs only what failed, keeping finished steps', async () => {
    const marker = join(workspaceDir(), 'retry-fixed');
    const run = outside.engine.startRun(
      scriptTemplate('e2e-retry', [
        { id: 'prepare', run: 'echo prepared' },
        { id: 'flaky', run: `test -f "${marker}"`, needs: ['prepare'] },
      ]),
    );
    const failed = await waitForRun(outside.engine, run.id, ['failed', 'succeeded']);
    assert.equal(failed.status, 'failed');
    writeFileSync(marker, '');
    await vscode.commands.executeCommand('baton.retryRun', run.id);
    const retried = await waitForRun(outside.engine, run.id, ['succeeded', 'failed']);
    assert.equal(retried.status, 'succeeded', retried.error ?? '');
    const byId = new Map(outside.engine.getRun(run.id).steps.map((s) => [s.stepId, s]));
    assert.equal(byId.get('prepare')!.attempts, 1, 'the finished step did not run again');
    assert.equal(byId.get('flaky')!.attempts, 2);
  });

  it('Retry From Step runs that step and everything after it again, keeping earlier outputs', async () => {
    const run = outside.engine.startRun(
      scriptTemplate('e2e-retry-from', [
        { id: 'a', run: 'echo "n=1" >> "$BATON_OUTPUT"' },
        { id: 'b', run: 'echo b', needs: ['a'] },
        { id: 'c', run: 'echo c', needs: ['b'] },
      ]),
    );
    await waitForRun(outside.engine, run.id, ['succeeded']);
    await vscode.commands.executeCommand('baton.retryFromStep', run.id, 'b');
    const again = await waitForRun(outside.engine, run.id, ['succeeded', 'failed']);
    assert.equal(again.status, 'succeeded');
    const attempts = Object.fromEntries(outside.engine.getRun(run.id).steps.map((s) => [s.stepId, s.attempts]));
    assert.deepEqual(attempts, { a: 1, b: 2, c: 2 });
  });

  it('Group Runs switches the view between newest first, by status and by template', async () => {
    const { runsTree } = await batonContainer();
    try {
      assert.equal(await vscode.commands.executeCommand('baton.groupRuns', 'status'), 'status');
      const groups = runsTree.getChildren();
      assert.ok(groups.every((g) => g.kind === 'group'));
      const labels = groups.map((g) => (g.kind === 'group' ? g.label : ''));
      assert.ok(labels.includes('succeeded') && labels.includes('cancelled'), labels.join(','));
      const succeeded = groups.find((g) => g.kind === 'group' && g.label === 'succeeded')!;
      assert.ok(runsTree.getChildren(succeeded).every((n) => n.kind === 'run' && n.run.status === 'succeeded'));
      await vscode.commands.executeCommand('baton.groupRuns', 'template');
      const byTemplate = runsTree.getChildren().map((g) => (g.kind === 'group' ? g.label : ''));
      assert.ok(byTemplate.includes('e2e-two-steps'), byTemplate.join(','));
      await new Promise((r) => setTimeout(r, 300));
      await screenshot('runs-grouped-by-template');
    } finally {
      await vscode.commands.executeCommand('baton.groupRuns', 'none');
    }
    assert.ok(runsTree.getChildren().every((n) => n.kind === 'run'));
  });

  it('Rerun starts a new run of the same snapshot with the same inputs', async () => {
    const first = outside.engine.startRun(scriptTemplate('e2e-rerun', [{ id: 'only', run: 'true' }]));
    await waitForRun(outside.engine, first.id, ['succeeded']);
    const second = await vscode.commands.executeCommand<{ id: string; trigger: { kind: string } }>('baton.rerun', first.id);
    assert.ok(second && second.id !== first.id);
    assert.equal(second.trigger.kind, 'rerun');
    assert.equal((await waitForRun(outside.engine, second.id, ['succeeded', 'failed'])).status, 'succeeded');
  });

  it('Open Agent Transcript opens the transcript file an agent step recorded', async () => {
    const transcript = join(workspaceDir(), 'session.jsonl');
    writeFileSync(transcript, '{"type":"assistant","text":"done"}\n');
    // Recorded the way the engine does when an agent step reports its session.
    const run = outside.engine.startRun(scriptTemplate('e2e-transcript', [{ id: 'agentish', run: 'true' }]));
    await waitForRun(outside.engine, run.id, ['succeeded']);
    const row = outside.engine.getRun(run.id).steps[0]!;
    outside.opened.store.updateStep(row.id, { transcriptPath: transcript });
    const container = await batonContainer();
    const runNode = container.runsTree.getChildren().find((n) => n.kind === 'run' && n.run.id === run.id)!;
    const stepNode = container.runsTree.getChildren(runNode)[0]!;
    const editor = await vscode.commands.executeCommand<vscode.TextEditor>('baton.openAgentTranscript', stepNode);
    assert.equal(editor?.document.uri.fsPath, transcript);
  });

  it('Pause Run holds the next step until Resume Run', async () => {
    const gateFile = join(workspaceDir(), 'pause-release');
    const run = outside.engine.startRun(
      scriptTemplate('e2e-pause', [
        { id: 'one', run: `while [ ! -f "${gateFile}" ]; do sleep 0.2; done` },
        { id: 'two', run: 'echo two', needs: ['one'] },
      ]),
    );
    await waitUntil('step one to run', () => outside.engine.getRun(run.id).steps[0]!.status === 'running');
    await vscode.commands.executeCommand('baton.pauseRun', run.id);
    assert.equal(outside.engine.getRun(run.id).run.status, 'paused');
    writeFileSync(gateFile, '');
    await waitUntil('step one to finish', () => outside.engine.getRun(run.id).steps[0]!.status === 'succeeded').catch((error: Error) => {
      const state = outside.engine.getRun(run.id).steps.map((s) => `${s.stepId}:${s.status}:${s.attempts}:${s.error}`);
      const events = outside.engine.listEvents(0, { runId: run.id }).map((e) => `${e.type} ${e.stepId ?? ''} ${JSON.stringify(e.payload)}`);
      throw new Error(`${error.message}\n${state.join('\n')}\n${events.join('\n')}`);
    });
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(outside.engine.getRun(run.id).steps[1]!.attempts, 0, 'nothing new starts while paused');
    await vscode.commands.executeCommand('baton.resumeRun', run.id);
    const done = await waitForRun(outside.engine, run.id, ['succeeded', 'failed']);
    assert.equal(done.status, 'succeeded');
  });
});
