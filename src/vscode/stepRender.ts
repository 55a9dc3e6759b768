/**
 * Renders a step's progress events (events.jsonl) as terminal text: script output as is, agent
 * turns readable — assistant text, tool calls and their results, usage. No vscode import.
 */

const DIM = '\x1b[2m';
const CYAN = '\x1b[36m';
const RED = '\x1b[31m';
const RESET = '\x1b[0m';

/** Terminals need CR LF. */
export function toTerminal(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

function short(value: unknown, max = 300): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (text === undefined) return '';
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** One events.jsonl line as terminal text ('' for events with nothing to show). */
export function renderStepEvent(line: string): string {
  let event: Record<string, unknown>;
  try {
    event = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return '';
  }
  switch (event.kind) {
    case 'output':
      return toTerminal(String(event.text ?? ''));
    case 'assistant_text':
      return toTerminal(`${String(event.text ?? '')}\n`);
    case 'tool_call':
      return toTerminal(`${CYAN}▸ ${String(event.tool)}${event.input !== undefined ? ` ${short(event.input)}` : ''}${RESET}\n`);
    case 'tool_result':
      return toTerminal(`${event.isError ? RED : DIM}◂ ${short(event.output ?? '', 500)}${RESET}\n`);
    case 'usage': {
      const parts = [
        event.inputTokens !== undefined ? `${String(event.inputTokens)} in` : '',
        event.outputTokens !== undefined ? `${String(event.outputTokens)} out` : '',
        typeof event.costUsd === 'number' ? `$${event.costUsd.toFixed(4)}` : '',
      ].filter(Boolean);
      return parts.length ? toTerminal(`${DIM}tokens: ${parts.join(', ')}${RESET}\n`) : '';
    }
    case 'message':
      return toTerminal(`${DIM}${String(event.text ?? '')}${RESET}\n`);
    default:
      return '';
  }
}
