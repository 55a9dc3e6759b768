/** Markdown from templates and runs, rendered with marked and sanitized with DOMPurify. */
import DOMPurify from 'dompurify';
import { Marked } from 'marked';
import { useMemo } from 'react';

// Images written without alt text (untrusted markdown) are marked decorative for screen readers,
// and links never open in the webview itself.
DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'IMG' && !node.hasAttribute('alt')) node.setAttribute('alt', '');
  if (node.tagName === 'A') node.setAttribute('rel', 'noopener noreferrer');
});

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

// Raw HTML inside markdown (templates, agent output, comments) is shown as text, never parsed:
// run data is not interpreted as HTML. DOMPurify stays as a second line of defence.
const marked = new Marked({
  gfm: true,
  breaks: false,
  renderer: {
    html: (token) => escapeHtml(token.text),
  },
});

/** Sanitized HTML for a markdown text: no scripts, no handlers, no styles, no forms. */
export function renderMarkdown(markdown: string): string {
  const html = marked.parse(markdown, { async: false });
  return DOMPurify.sanitize(html, {
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'iframe'],
    FORBID_ATTR: ['style'],
  });
}

export function Markdown({ text, testId, className }: { text: string; testId?: string; className?: string }) {
  const html = useMemo(() => renderMarkdown(text), [text]);
  return <div className={`markdown ${className ?? ''}`} data-testid={testId} dangerouslySetInnerHTML={{ __html: html }} />;
}
