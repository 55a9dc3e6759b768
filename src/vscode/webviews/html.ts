/**
 * Renders the HTML page of a Baton webview panel. Pure (no vscode import) so the VS Code host and
 * the browser test host produce the same page: a strict CSP whose only script is the app bundle,
 * allowed by a per-load nonce; styles and fonts only from the extension's own origin.
 */
import type { PanelContext } from '../../shared/protocol';

export interface WebviewHtmlOptions {
  /** Page title (also the accessible name of the document). */
  title: string;
  /** `webview.cspSource` in VS Code; the server origin in tests. */
  cspSource: string;
  /** Fresh per render; see `createNonce`. */
  nonce: string;
  /** URI of `dist/webview/<app>.js` as the webview can load it. */
  scriptUri: string;
  /** URI of `dist/webview/<app>.css` (the app's styles); `codicon.css` is read from the same folder. */
  styleUri: string;
  /** What the panel shows; the webview reads it on first load. */
  context: PanelContext;
}

/** Characters that would let text escape an HTML attribute or element. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A random nonce for one render of the page (base64 of 16 random bytes). */
export function createNonce(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** The Content-Security-Policy of every Baton panel. */
export function webviewCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    "connect-src 'none'",
    "frame-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/**
 * The codicons stylesheet beside the app's stylesheet. vscode-elements' icons find it by the id
 * `vscode-codicon-stylesheet` and link it again inside their shadow roots (a font's @font-face
 * must be on the page, its classes inside the shadow root).
 */
export function codiconStyleUri(styleUri: string): string {
  return styleUri.replace(/[^/]*$/, 'codicon.css');
}

/** The full HTML document of a panel. */
export function renderWebviewHtml(options: WebviewHtmlOptions): string {
  const { title, cspSource, nonce, scriptUri, styleUri, context } = options;
  const contextJson = escapeHtml(JSON.stringify(context));
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(webviewCsp(cspSource, nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" id="vscode-codicon-stylesheet" href="${escapeHtml(codiconStyleUri(styleUri))}">
<link rel="stylesheet" href="${escapeHtml(styleUri)}">
</head>
<body data-baton-context="${contextJson}">
<div id="root"></div>
<script type="module" nonce="${escapeHtml(nonce)}" src="${escapeHtml(scriptUri)}"></script>
</body>
</html>
`;
}
