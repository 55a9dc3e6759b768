/** Turns thrown values into the text a user sees (errors become user text only in src/vscode and src/cli). */
import { BatonError } from '../core/errors';

export function userMessage(error: unknown): string {
  if (error instanceof BatonError) return `${error.message} [${error.code}]`;
  if (error instanceof Error) return error.message;
  return String(error);
}
