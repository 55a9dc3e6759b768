/**
 * Secret redaction for everything an executor reports (progress, outputs, errors, summaries).
 * Secrets never reach logs, the database or events.
 */

export const REDACTED = '***';

/** Replaces every occurrence of a secret with `***`. */
export type Redactor = (text: string) => string;

/**
 * Builds a redactor for `secrets`. Multi-line secrets are also redacted line by line, because
 * output is often re-wrapped or printed one line at a time. Longer secrets are replaced first
 * so a secret that contains another is not half-redacted.
 */
export function createRedactor(secrets: readonly string[]): Redactor {
  const needles = new Set<string>();
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    needles.add(secret);
    if (/\r?\n/.test(secret)) {
      for (const line of secret.split(/\r?\n/)) {
        if (line.trim().length >= 4) needles.add(line.trim());
      }
    }
  }
  if (needles.size === 0) return (text) => text;
  const ordered = [...needles].sort((a, b) => b.length - a.length);
  const pattern = new RegExp(ordered.map(escapeRegExp).join('|'), 'g');
  return (text) => text.replace(pattern, REDACTED);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
