/**
 * Run folders on disk: `.baton/runs/<run-id>/{definition.json,inputs.json,steps/<step>[/<item>]/…,artifacts/}`.
 * The database is the source of truth; these files are for people and agents to read.
 */
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JsonValue } from '../core/model';
import type { RunFiles } from '../core/ports';
import type { TemplateDefinition } from '../core/template/types';

/** Step ids and item keys become folder names: keep them to a safe alphabet. */
function segment(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

export class FsRunFiles implements RunFiles {
  private readonly created = new Set<string>();

  /** `runsDir` is usually `<workspace>/.baton/runs`. */
  constructor(readonly runsDir: string) {}

  runDir(runId: string): string {
    return join(this.runsDir, segment(runId));
  }

  stepDir(runId: string, stepId: string, itemKey: string | null): string {
    const base = join(this.runDir(runId), 'steps', segment(stepId));
    return itemKey === null ? base : join(base, segment(itemKey));
  }

  artifactsDir(runId: string): string {
    return this.ensure(join(this.runDir(runId), 'artifacts'));
  }

  writeRunSnapshot(runId: string, definition: TemplateDefinition, inputs: Record<string, JsonValue>): void {
    const dir = this.ensure(this.runDir(runId));
    // Snapshots are immutable: a resumed or reopened run keeps the original files.
    if (!existsSync(join(dir, 'definition.json'))) {
      writeFileSync(join(dir, 'definition.json'), `${JSON.stringify(definition, null, 2)}\n`);
    }
    if (!existsSync(join(dir, 'inputs.json'))) writeFileSync(join(dir, 'inputs.json'), `${JSON.stringify(inputs, null, 2)}\n`);
  }

  writeStepInput(runId: string, stepId: string, itemKey: string | null, input: JsonValue): void {
    writeFileSync(join(this.ensureStep(runId, stepId, itemKey), 'input.json'), `${JSON.stringify(input, null, 2)}\n`);
  }

  writeStepOutput(runId: string, stepId: string, itemKey: string | null, output: JsonValue): void {
    writeFileSync(join(this.ensureStep(runId, stepId, itemKey), 'output.json'), `${JSON.stringify(output, null, 2)}\n`);
  }

  writeStepSummary(runId: string, stepId: string, itemKey: string | null, markdown: string): void {
    writeFileSync(join(this.ensureStep(runId, stepId, itemKey), 'summary.md'), markdown);
  }

  appendStepLog(runId: string, stepId: string, itemKey: string | null, text: string): void {
    appendFileSync(join(this.ensureStep(runId, stepId, itemKey), 'stdout.log'), text);
  }

  appendStepEvent(runId: string, stepId: string, itemKey: string | null, event: JsonValue): void {
    appendFileSync(join(this.ensureStep(runId, stepId, itemKey), 'events.jsonl'), `${JSON.stringify(event)}\n`);
  }

  stepLogPath(runId: string, stepId: string, itemKey: string | null): string {
    return join(this.stepDir(runId, stepId, itemKey), 'stdout.log');
  }

  private ensureStep(runId: string, stepId: string, itemKey: string | null): string {
    return this.ensure(this.stepDir(runId, stepId, itemKey));
  }

  private ensure(dir: string): string {
    if (!this.created.has(dir)) {
      mkdirSync(dir, { recursive: true });
      if (this.created.size > 10_000) this.created.clear();
      this.created.add(dir);
    }
    return dir;
  }
}
