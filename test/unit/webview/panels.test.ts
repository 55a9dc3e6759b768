/** Pure logic of the panels: gallery facets, board grouping and filters, log row mapping. */
import assert from 'node:assert/strict';
import { filterRuns, groupRuns, statusColumnKey } from '../../../webview-ui/board/grouping';
import { addFacet, filterTemplates, parseQuery, removeFacet } from '../../../webview-ui/gallery/facets';
import { buildRowMap, findLogGroups } from '../../../webview-ui/run/logRows';
import type { RunSummary, TemplateSummary } from '../../../src/shared/protocol';

const tpl = (id: string, over: Partial<TemplateSummary>): TemplateSummary => ({
  id,
  name: id,
  description: null,
  category: null,
  tags: [],
  source: 'builtin',
  stepKinds: ['run'],
  triggers: [{ kind: 'manual', label: '' }],
  phases: [],
  stepCount: 1,
  ...over,
});

const runOf = (id: string, over: Partial<RunSummary>): RunSummary => ({
  id,
  revision: 1,
  templateId: 't',
  templateName: 'T',
  status: 'running',
  phase: null,
  phases: ['plan', 'build'],
  currentStep: null,
  lastEvent: null,
  stepsDone: 0,
  stepsTotal: 1,
  createdAt: 0,
  startedAt: 0,
  finishedAt: null,
  costUsd: null,
  failureReason: null,
  waitingGates: [],
  stale: false,
  trigger: 'manual',
  archived: false,
  ...over,
});

describe('gallery facets', () => {
  it('parses typed facets (quoted values too) and keeps the free text', () => {
    assert.deepEqual(parseQuery('review @kind:agent @category:"code review" fast'), {
      facets: [
        { key: 'kind', value: 'agent', token: '@kind:agent' },
        { key: 'category', value: 'code review', token: '@category:"code review"' },
      ],
      text: 'review fast',
    });
  });
  it('adds and removes facets in the text', () => {
    const q = addFacet('bug', 'source', 'workspace');
    assert.equal(q, 'bug @source:workspace ');
    assert.equal(addFacet(q, 'source', 'workspace'), q);
    assert.equal(removeFacet(q, 'source', 'workspace').trim(), 'bug');
  });
  it('ORs values of one key and ANDs keys and words', () => {
    const ts = [tpl('a', { stepKinds: ['agent'], source: 'workspace' }), tpl('b', { stepKinds: ['llm'] }), tpl('c', { stepKinds: ['run'], source: 'workspace' })];
    assert.deepEqual(filterTemplates(ts, '@kind:agent @kind:llm').map((t) => t.id), ['a', 'b']);
    assert.deepEqual(filterTemplates(ts, '@kind:agent @kind:llm @source:workspace').map((t) => t.id), ['a']);
    assert.deepEqual(filterTemplates(ts, 'c').map((t) => t.id), ['c']);
  });
});

describe('board grouping', () => {
  it('puts a waiting run the user can decide in "Waiting on you", others in "Waiting"', () => {
    const gate = { id: 1, runId: 'r', stepId: 's', itemKey: null, title: '', approvers: [], requestedAt: 0, dueAt: null, escalated: false, needsForm: false };
    assert.equal(statusColumnKey(runOf('a', { status: 'waiting', waitingGates: [{ ...gate, canDecide: true }] })), 'waiting-on-you');
    assert.equal(statusColumnKey(runOf('b', { status: 'waiting', waitingGates: [{ ...gate, canDecide: false }] })), 'waiting');
  });
  it('groups by phase with the template phases as columns', () => {
    const cols = groupRuns([runOf('a', { phase: 'build' }), runOf('b', { phase: null })], 'phase');
    assert.deepEqual(cols.map((c) => [c.title, c.runs.map((r) => r.id)]), [['No phase yet', ['b']], ['plan', []], ['build', ['a']]]);
  });
  it('hides archived runs unless the text has @archived', () => {
    const runs = [runOf('a', { archived: true, status: 'succeeded' }), runOf('b', {})];
    const f = { text: '', templateId: '', waitingOnMe: false, failedOnly: false };
    assert.deepEqual(filterRuns(runs, f).map((r) => r.id), ['b']);
    assert.deepEqual(filterRuns(runs, { ...f, text: '@archived' }).map((r) => r.id), ['a']);
  });
});

describe('log rows', () => {
  it('finds ::group:: ranges and hides collapsed bodies', () => {
    const lines = ['a', '::group::Install', 'x', 'y', '::endgroup::', 'b'];
    const groups = findLogGroups(lines);
    assert.deepEqual(groups, [{ start: 1, end: 4, title: 'Install' }]);
    const open = buildRowMap(lines.length, groups, new Set());
    assert.equal(open.rowCount, 6);
    const closed = buildRowMap(lines.length, groups, new Set([1]));
    assert.equal(closed.rowCount, 3);
    assert.deepEqual([0, 1, 2].map((r) => closed.rowToLine(r)), [0, 1, 5]);
    assert.equal(closed.lineToRow(5), 2);
    assert.equal(closed.lineToRow(3), 1, 'a hidden line maps to its group header');
  });
});
