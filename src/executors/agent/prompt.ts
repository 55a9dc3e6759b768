/**
 * The prompt of an agent step, assembled on purpose: every agent step is a fresh session, so it
 * gets exactly the run's goal, its acceptance criteria, the run's inputs, the outputs of the
 * steps it needs, and its own instructions — nothing from any other session.
 */
import type { JsonValue, Outputs } from '../../core/model';

export interface AgentPromptParts {
  /** The step's instructions, expressions already resolved. */
  instructions: string;
  templateName: string;
  templateDescription?: string;
  stepId: string;
  acceptance?: string;
  inputs: Record<string, JsonValue>;
  /** Outputs of the steps this one needs, by step id (only those in `needs` are used). */
  upstream: Record<string, Outputs>;
  needs: readonly string[];
  /** For foreach instances: the item this instance works on. */
  item?: { key: string; value?: JsonValue };
  /** Rejections of earlier work of this step, with the reviewers' comments (oldest first). */
  feedback?: ReadonlyArray<{ gateStepId: string; by: string | null; comment: string }>;
}

/** Builds the full prompt: a structured preamble, then the step's own instructions last. */
export function assembleAgentPrompt(parts: AgentPromptParts): string {
  const sections: string[] = [];
  const goal = parts.templateDescription?.trim() ? `${parts.templateName}: ${parts.templateDescription.trim()}` : parts.templateName;
  sections.push(
    `You are running step "${parts.stepId}" of the Baton workflow "${parts.templateName}". ` +
      'You start with a fresh context: everything you need from earlier steps is below.',
  );
  sections.push(`## Goal of this run\n${goal}`);
  if (parts.acceptance?.trim()) sections.push(`## Acceptance criteria for this step\n${parts.acceptance.trim()}`);
  if (Object.keys(parts.inputs).length > 0) sections.push(`## Inputs of the run\n${jsonBlock(parts.inputs)}`);
  if (parts.item) {
    sections.push(`## Item this step instance works on (${parts.item.key})\n${jsonBlock(parts.item.value ?? parts.item.key)}`);
  }
  const upstream = parts.needs.filter((id) => id in parts.upstream);
  if (upstream.length > 0) {
    const blocks = upstream.map((id) => `### ${id}\n${jsonBlock(parts.upstream[id] ?? {})}`);
    sections.push(`## Outputs of the steps this one depends on\n${blocks.join('\n\n')}`);
  }
  if (parts.feedback && parts.feedback.length > 0) {
    const items = parts.feedback.map((f) => `- ${f.by ?? 'A reviewer'} rejected it at gate "${f.gateStepId}": ${f.comment.trim()}`);
    sections.push(`## Feedback from reviewers on an earlier attempt\nAn earlier result of this step was rejected. Address this feedback:\n${items.join('\n')}`);
  }
  sections.push(`## Your task\n${parts.instructions.trim()}`);
  return `${sections.join('\n\n')}\n`;
}

function jsonBlock(value: JsonValue): string {
  return `\`\`\`json\n${JSON.stringify(value, null, 2)}\n\`\`\``;
}
