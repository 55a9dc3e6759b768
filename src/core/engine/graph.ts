/** The step graph of a template, precomputed once per run so each transition is O(dependents). */
import type { StepDefinition, TemplateDefinition } from '../template/types';

export interface StepGraph {
  steps: ReadonlyMap<string, StepDefinition>;
  /** Step id -> ids of the steps that need it. */
  dependents: ReadonlyMap<string, readonly string[]>;
  /** Step id -> ids of other steps whose state its expressions read (needs + `steps.<id>` references). */
  reads: ReadonlyMap<string, readonly string[]>;
}

const STEP_REFERENCE = /\bsteps\s*\.\s*([A-Za-z_][A-Za-z0-9_-]*)|\bsteps\s*\[\s*['"]([^'"]+)['"]\s*\]/g;
const NEEDS_REFERENCE = /\bneeds\s*\.\s*([A-Za-z_][A-Za-z0-9_-]*)/g;

/** Builds the graph; assumes the template was validated (needs name existing steps, no cycles). */
export function buildStepGraph(template: TemplateDefinition): StepGraph {
  const steps = new Map<string, StepDefinition>();
  const dependents = new Map<string, string[]>();
  const reads = new Map<string, string[]>();
  for (const step of template.steps) {
    steps.set(step.id, step);
    dependents.set(step.id, []);
  }
  for (const step of template.steps) {
    for (const need of step.needs) dependents.get(need)?.push(step.id);
    const text = JSON.stringify(step, (_key, value: unknown) => (typeof value === 'function' ? undefined : value));
    const ids = new Set(step.needs);
    for (const pattern of [STEP_REFERENCE, NEEDS_REFERENCE]) {
      for (const match of text.matchAll(pattern)) {
        const id = match[1] ?? match[2];
        if (id !== undefined && id !== step.id && steps.has(id)) ids.add(id);
      }
    }
    reads.set(step.id, [...ids]);
  }
  return { steps, dependents, reads };
}

/** The step and everything that (transitively) needs it. */
export function descendantsOf(graph: StepGraph, stepId: string): Set<string> {
  const seen = new Set<string>([stepId]);
  const queue = [stepId];
  while (queue.length > 0) {
    const current = queue.pop() as string;
    for (const dependent of graph.dependents.get(current) ?? []) {
      if (!seen.has(dependent)) {
        seen.add(dependent);
        queue.push(dependent);
      }
    }
  }
  return seen;
}
