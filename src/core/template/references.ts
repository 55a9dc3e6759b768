/**
 * Checks across templates: `workflow:` steps must name a template that exists, and child
 * runs must not start their own ancestors (a -> b -> a would never end).
 */
import { findExpressions } from '../expressions';
import type { TemplateDefinition } from './types';

/** A `workflow:` step naming another template by a literal id. */
export interface WorkflowReference {
  stepIndex: number;
  stepId: string;
  target: string;
}

/** The literal `workflow:` references of a template (ids computed by expressions are skipped). */
export function workflowReferences(definition: TemplateDefinition): WorkflowReference[] {
  const references: WorkflowReference[] = [];
  definition.steps.forEach((step, stepIndex) => {
    if (step.kind === 'workflow' && findExpressions(step.workflow).length === 0) {
      references.push({ stepIndex, stepId: step.id, target: step.workflow });
    }
  });
  return references;
}

/** Each cycle of templates starting one another, as ids `a -> b -> a` (each reported once). */
export function findWorkflowCycles(definitions: ReadonlyMap<string, TemplateDefinition>): string[][] {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const seen = new Set<string>();
  const visit = (id: string): void => {
    state.set(id, 'visiting');
    stack.push(id);
    for (const reference of workflowReferences(definitions.get(id)!)) {
      if (!definitions.has(reference.target)) continue;
      if (state.get(reference.target) === 'visiting') {
        const members = stack.slice(stack.indexOf(reference.target));
        const key = [...members].sort().join('\u0000');
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push([...members, reference.target]);
        }
      } else if (!state.has(reference.target)) {
        visit(reference.target);
      }
    }
    stack.pop();
    state.set(id, 'done');
  };
  for (const id of [...definitions.keys()].sort()) if (!state.has(id)) visit(id);
  return cycles;
}
