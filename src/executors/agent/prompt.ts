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

/** What a prompt holds, by name (as `input.json` records it): only the upstream outputs of `needs`. */
export interface AgentPromptSources {
  goal: string;
  acceptance?: string;
  inputs: Record<string, JsonValue>;
  upstream: Record<string, Outputs>;
  item?: { key: string; value?: JsonValue };
  /** Why reviewers rejected an earlier attempt (oldest first). */
  feedback?: ReadonlyArray<{ gateStepId: string; by: string | null; comment: string }>;
  instructions: string;
}

/** The parts as the prompt uses them. */
export function agentPromptSources(parts: AgentPromptParts): AgentPromptSources {
  const upstream: Record<string, Outputs> = {};
  for (const id of parts.needs) if (id in parts.upstream) upstream[id] = parts.upstream[id] ?? {};
  return {
    goal: parts.templateDescription?.trim() ? `${parts.templateName}: ${parts.templateDescription.trim()}` : parts.templateName,
    ...(parts.acceptance?.trim() ? { acceptance: parts.acceptance.trim() } : {}),
    inputs: parts.inputs,
    upstream,
    ...(parts.item ? { item: parts.item } : {}),
    ...(parts.feedback && parts.feedback.length > 0 ? { feedback: parts.feedback } : {}),
    instructions: parts.instructions.trim(),
  };
}

/** Builds the full prompt: a structured preamble, then the step's own instructions last. */
export function assembleAgentPrompt(parts: AgentPromptParts): string {
  const sources = agentPromptSources(parts);
  const sections: string[] = [];
  sections.push(
    `You are running step "${parts.stepId}" of the Baton workflow "${parts.templateName}". ` +
      'You start with a fresh context: everything you need from earlier steps is below.',
  );
  sections.push(`## Goal of this run\n${sources.goal}`);
  if (sources.acceptance) sections.push(`## Acceptance criteria for this step\n${sources.acceptance}`);
  if (Object.keys(sources.inputs).length > 0) sections.push(`## Inputs of the run\n${jsonBlock(sources.inputs)}`);
  if (sources.item) {
    sections.push(`## Item this step instance works on (${sources.item.key})\n${jsonBlock(sources.item.value ?? sources.item.key)}`);
  }
  const upstream = Object.entries(sources.upstream);
  if (upstream.length > 0) {
    const blocks = upstream.map(([id, outputs]) => `### ${id}\n${jsonBlock(outputs)}`);
    sections.push(`## Outputs of the steps this one depends on\n${blocks.join('\n\n')}`);
  }
  if (sources.feedback) {
    const items = sources.feedback.map((f) => `- ${f.by ?? 'A reviewer'} rejected it at gate "${f.gateStepId}": ${f.comment.trim()}`);
    sections.push(`## Feedback from reviewers on an earlier attempt\nAn earlier result of this step was rejected. Address this feedback:\n${items.join('\n')}`);
  }
  sections.push(`## Your task\n${sources.instructions}`);
  return `${sections.join('\n\n')}\n`;
}

function jsonBlock(value: JsonValue): string {
  return `\`\`\`json\n${JSON.stringify(value, null, 2)}\n\`\`\``;
}
