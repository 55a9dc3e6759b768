/**
 * The transcript of an agent step for the run detail: the step's `events.jsonl`, where the engine
 * records every progress chunk the agent executor parsed out of the CLI's JSON line stream
 * (assistant text, tool calls and results, usage). One attempt at a time: a fresh session each.
 */
import { readFileSync } from 'node:fs';
import type { TranscriptEntry, TranscriptView } from '../shared/protocol';

interface RecordedProgress {
  at?: number;
  attempt?: number;
  kind?: string;
  text?: string;
  tool?: string;
  input?: unknown;
  output?: string;
  isError?: boolean;
  inputTokens?: number;
  outputTokens?: number;
  costUsd?: number;
}

const MAX_TEXT = 20_000;

function clip(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}\n… (${text.length - MAX_TEXT} more characters)` : text;
}

/** Reads `events.jsonl`; `attempt` null means the latest attempt recorded there. */
export function readTranscript(eventsPath: string, attempt: number | null): TranscriptView {
  let text = '';
  try {
    text = readFileSync(eventsPath, 'utf8');
  } catch {
    return { entries: [], inputTokens: 0, outputTokens: 0, costUsd: null };
  }
  const records: RecordedProgress[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const parsed = JSON.parse(line) as unknown;
      if (parsed && typeof parsed === 'object') records.push(parsed as RecordedProgress);
    } catch {
      // A line cut short by a crash: the rest of the transcript is still worth showing.
    }
  }
  const wanted = attempt ?? records.reduce((max, r) => Math.max(max, r.attempt ?? 0), 0);
  const entries: TranscriptEntry[] = [];
  let inputTokens = 0;
  let outputTokens = 0;
  let costUsd: number | null = null;
  const entry = (kind: TranscriptEntry['kind'], r: RecordedProgress, fields: Partial<TranscriptEntry>): TranscriptEntry => ({
    kind,
    role: null,
    text: '',
    tool: null,
    at: r.at ?? null,
    inputTokens: null,
    outputTokens: null,
    costUsd: null,
    ...fields,
  });
  for (const r of records) {
    if ((r.attempt ?? 0) !== wanted) continue;
    switch (r.kind) {
      case 'assistant_text':
        entries.push(entry('message', r, { role: 'assistant', text: clip(r.text ?? '') }));
        break;
      case 'message':
        entries.push(entry('message', r, { role: 'system', text: clip(r.text ?? '') }));
        break;
      case 'tool_call':
        entries.push(entry('tool_call', r, { tool: r.tool ?? null, text: clip(r.input === undefined ? '' : JSON.stringify(r.input, null, 2)) }));
        break;
      case 'tool_result':
        entries.push(entry('tool_result', r, { text: clip(`${r.isError ? '(error) ' : ''}${r.output ?? ''}`) }));
        break;
      case 'usage':
        inputTokens += r.inputTokens ?? 0;
        outputTokens += r.outputTokens ?? 0;
        if (r.costUsd !== undefined) costUsd = (costUsd ?? 0) + r.costUsd;
        entries.push(
          entry('result', r, {
            text: 'usage',
            inputTokens: r.inputTokens ?? null,
            outputTokens: r.outputTokens ?? null,
            costUsd: r.costUsd ?? null,
          }),
        );
        break;
      default:
        break;
    }
  }
  return { entries, inputTokens, outputTokens, costUsd };
}
