import assert from 'node:assert/strict';
import { join } from 'node:path';
import { InputInvalidError } from '../src/core/errors';
import { resolveValue } from '../src/core/expressions';
import { instantiate, loadTemplateFile, type GateStep } from '../src/core/template';

describe('built-in template release-notes', () => {
  const load = () => loadTemplateFile(join(import.meta.dirname, 'release-notes.yml'), { source: 'builtin' });

  it('collects commits, drafts, waits for approval, then writes', async () => {
    const { definition } = await load();
    assert.deepEqual(
      definition.steps.map((s) => `${s.phase}/${s.id}:${s.kind}<-${s.needs.join(',')}`),
      ['collect/commits:run<-', 'draft/draft:llm<-commits', 'publish/approve:gate<-draft', 'publish/write:run<-draft,approve'],
    );
    const gate = definition.steps[2] as GateStep;
    assert.deepEqual(Object.keys(gate.inputs!.properties), ['edited']);
  });

  it('accepts semantic versions only', async () => {
    const { definition } = await load();
    assert.equal(instantiate(definition, { version: 'v1.4.0' }).version, 'v1.4.0');
    assert.equal(instantiate(definition, { version: '2.0.0-rc.1' }).output_file, 'RELEASE_NOTES.md');
    assert.throws(() => instantiate(definition, { version: 'next' }), InputInvalidError);
  });

  it("publishes the approver's edit when there is one, else the draft", async () => {
    const { definition } = await load();
    const write = definition.steps[3]!;
    const context = (edited: string) => ({
      inputs: { version: '1.0.0', since: '', output_file: 'NOTES.md' },
      steps: {
        draft: { outputs: { text: 'draft text' }, outcome: 'succeeded', conclusion: 'succeeded' },
        approve: { outputs: { edited, decision: 'approved' }, outcome: 'succeeded', conclusion: 'succeeded' },
      },
    });
    assert.deepEqual(resolveValue(write.env, context('')), { NOTES: 'draft text', FILE: 'NOTES.md' });
    assert.deepEqual(resolveValue(write.env, context('edited text')), { NOTES: 'edited text', FILE: 'NOTES.md' });
  });
});
