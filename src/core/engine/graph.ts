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

/**
 * Structural problems that would make a run hang or fail to insert: duplicate step ids,
 * needs naming unknown steps, cycles. The template loader reports these with file positions;
 * the engine re-checks so a hand-built definition cannot create a run that never ends.
 */
export function graphProblems(template: TemplateDefinition): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  for (const step of template.steps) {
    if (ids.has(step.id)) problems.push(`duplicate step id '${step.id}'`);
    ids.add(step.id);
  }
  for (const step of template.steps) {
    for (const need of step.needs) if (!ids.has(need)) problems.push(`step '${step.id}' needs unknown step '${need}'`);
  }
  if (problems.length > 0) return problems;
  // Kahn's algorithm: whatever never reaches in-degree 0 sits on a cycle.
  const remaining = new Map(template.steps.map((step) => [step.id, step.needs.length]));
  const graph = buildStepGraph(template);
  const queue = template.steps.filter((step) => step.needs.length === 0).map((step) => step.id);
  while (queue.length > 0) {
    const id = queue.pop() as string;
    for (const dependent of graph.dependents.get(id) ?? []) {
      const left = (remaining.get(dependent) ?? 0) - 1;
      remaining.set(dependent, left);
      if (left === 0) queue.push(dependent);
    }
  }
  const cyclic = [...remaining].filter(([, left]) => left > 0).map(([id]) => id);
  if (cyclic.length > 0) problems.push(`steps form a cycle: ${cyclic.join(', ')}`);
  return problems;
}
