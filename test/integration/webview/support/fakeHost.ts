/**
 * A fake VS Code webview host for browser tests: serves the webview bundles on 127.0.0.1 inside
 * the same HTML page (CSP + nonce) the extension renders, provides `acquireVsCodeApi` in the
 * page, and speaks the protocol from Node through Playwright (exposeFunction / evaluate) with the
 * same WebviewMessageRouter a real host uses.
 */
import * as esbuild from 'esbuild';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { webviewBundleOptions } from '../../../../scripts/webview-bundle.mjs';
import { WebviewMessageRouter, type IpcCommandMessage, type IpcMessage, type IpcRequestMessage, type PanelContext } from '../../../../src/shared/protocol';

/** What a webview sends: commands and requests. */
export type WebviewMessage = IpcCommandMessage | IpcRequestMessage;
import { createNonce, renderWebviewHtml } from '../../../../src/vscode/webviews/html';

export const CHROMIUM_PATH = process.env.BATON_CHROMIUM ?? '/usr/bin/chromium';
const REPO = resolve(import.meta.dirname, '../../../..');
const THEMES = resolve(import.meta.dirname, 'themes');
export const SCREENSHOT_DIR = join(REPO, 'test-results', 'webview');

export type Theme = 'light' | 'dark' | 'hc-dark';
const THEME_CLASS: Record<Theme, string> = { light: 'vscode-light', dark: 'vscode-dark', 'hc-dark': 'vscode-high-contrast' };

/** Skips the suite (with the reason) when no Chromium is installed. */
export function requireChromium(ctx: Mocha.Context): void {
  if (!existsSync(CHROMIUM_PATH)) {
    console.warn(`  skipped: ${CHROMIUM_PATH} not found (apt-get install -y chromium, or set BATON_CHROMIUM)`);
    ctx.skip();
  }
}

/**
 * Bundles every webview-ui/<app>/index.tsx the way esbuild.mjs does, into a temp folder, so the
 * tests do not depend on (or race with) a build of the whole repository. `minify` gives what
 * `npm run package` ships (the bench measures that).
 */
export async function buildWebviews(options: { minify?: boolean } = {}): Promise<string> {
  const outdir = mkdtempSync(join(tmpdir(), 'baton-webview-'));
  await esbuild.build({
    ...webviewBundleOptions({ repo: REPO, outdir, minify: options.minify ?? false }),
    sourcemap: false,
    logLevel: 'silent',
    // The tests run what ships: React in production mode, minified or not.
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  return outdir;
}

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.ttf': 'font/ttf', '.png': 'image/png', '.svg': 'image/svg+xml' };

/** The HTTP side: bundles, themes, and one page per panel. */
export class WebviewServer {
  private constructor(
    private readonly server: Server,
    readonly origin: string,
    private readonly bundleDir: string,
  ) {}

  static async start(options: { minify?: boolean } = {}): Promise<WebviewServer> {
    const bundleDir = await buildWebviews(options);
    let origin = '';
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', origin);
      const send = (status: number, type: string, body: string | Buffer) => {
        res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
        res.end(body);
      };
      if (url.pathname.startsWith('/dist/webview/')) {
        const file = join(bundleDir, url.pathname.slice('/dist/webview/'.length));
        if (!file.startsWith(bundleDir) || !existsSync(file)) return send(404, 'text/plain', 'not found');
        return send(200, TYPES[extname(file)] ?? 'application/octet-stream', readFileSync(file));
      }
      if (url.pathname.startsWith('/themes/')) {
        const file = join(THEMES, url.pathname.slice('/themes/'.length));
        if (!file.startsWith(THEMES) || !existsSync(file)) return send(404, 'text/plain', 'not found');
        return send(200, 'text/css', readFileSync(file));
      }
      const panel = /^\/panel\/(\w+)$/.exec(url.pathname);
      if (panel) {
        const app = panel[1]!;
        const requested = url.searchParams.get('theme') as Theme | null;
        const theme: Theme = requested && requested in THEME_CLASS ? requested : 'dark';
        const context = JSON.parse(url.searchParams.get('context') ?? '{}') as PanelContext;
        const html = renderWebviewHtml({
          title: `Baton ${app}`,
          cspSource: origin,
          nonce: createNonce(),
          scriptUri: `${origin}/dist/webview/${app}.js`,
          styleUri: `${origin}/dist/webview/${app}.css`,
          context,
        })
          // What VS Code adds around our page: the theme's variables and the theme class on body.
          .replace('<link rel="stylesheet"', `<link rel="stylesheet" href="${origin}/themes/${theme}.css">\n<link rel="stylesheet"`)
          .replace('<body ', `<body class="${THEME_CLASS[theme]}" data-vscode-theme-kind="${THEME_CLASS[theme]}" `);
        return send(200, 'text/html; charset=utf-8', html);
      }
      send(404, 'text/plain', 'not found');
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('webview test server has no port');
    origin = `http://127.0.0.1:${address.port}`;
    return new WebviewServer(server, origin, bundleDir);
  }

  async close(): Promise<void> {
    await new Promise<void>((ok) => this.server.close(() => ok()));
    rmSync(this.bundleDir, { recursive: true, force: true });
  }
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

/** Installed before any page script: the VS Code webview API and a CSP violation log. */
const PAGE_PRELUDE = `(() => {
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
  let acquired = false;
  window.acquireVsCodeApi = () => {
    if (acquired) throw new Error('An instance of the VS Code API has already been acquired');
    acquired = true;
    return Object.freeze({
      postMessage: (message) => window.__batonToHost(JSON.parse(JSON.stringify(message))),
      getState: () => { const s = sessionStorage.getItem('vscode-state'); return s ? JSON.parse(s) : undefined; },
      setState: (state) => { sessionStorage.setItem('vscode-state', JSON.stringify(state)); return state; },
    });
  };
})();`;

/** One open panel: a page plus the host side of its message channel. */
export class FakePanel {
  /** Every message the webview sent, in order. */
  readonly received: WebviewMessage[] = [];
  readonly invalid: Array<{ msg: unknown; reason: string }> = [];
  readonly router: WebviewMessageRouter;
  private closed = false;

  private constructor(
    readonly page: Page,
    readonly context: PanelContext,
  ) {
    this.router = new WebviewMessageRouter(
      (msg) => void this.post(msg),
      (msg, reason) => this.invalid.push({ msg, reason }),
    );
  }

  /** Opens a page for `context`; `configure` registers the handlers before the app loads. */
  static async open(
    browser: Browser,
    server: WebviewServer,
    context: PanelContext,
    configure: (panel: FakePanel) => void,
    options: { theme?: Theme; viewport?: { width: number; height: number } } = {},
  ): Promise<FakePanel> {
    // A context per panel (axe needs one; it also isolates sessionStorage like separate windows).
    const browserContext = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 860 } });
    const page = await browserContext.newPage();
    const panel = new FakePanel(page, context);
    configure(panel);
    page.on('pageerror', (e) => console.error(`  [${context.panel} page error] ${e.message}`));
    await page.exposeFunction('__batonToHost', (msg: WebviewMessage) => {
      panel.received.push(msg);
      return panel.router.receive(msg);
    });
    await page.addInitScript(PAGE_PRELUDE);
    await panel.goto(server, options.theme ?? 'dark');
    return panel;
  }

  async goto(server: WebviewServer, theme: Theme): Promise<void> {
    const url = `${server.origin}/panel/${this.context.panel}?theme=${theme}&context=${encodeURIComponent(JSON.stringify(this.context))}`;
    await this.page.goto(url);
  }

  /** Host -> webview, the way VS Code delivers it (a `message` event on window). */
  async post(msg: IpcMessage): Promise<void> {
    if (this.closed || this.page.isClosed()) return;
    await this.page
      .evaluate((m) => window.dispatchEvent(new MessageEvent('message', { data: m })), msg as unknown as Record<string, unknown>)
      .catch((e: Error) => {
        if (!this.page.isClosed()) throw e;
      });
  }

  messages(method: string): WebviewMessage[] {
    return this.received.filter((m) => m.method === method);
  }

  /** Waits until the webview sent a message with this method (and matching `where`). */
  async waitForMessage(method: string, where: (m: WebviewMessage) => boolean = () => true, timeoutMs = 5000): Promise<WebviewMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find((m) => m.method === method && where(m));
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no ${method} message within ${timeoutMs} ms; got ${this.received.map((m) => m.method).join(', ')}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async cspViolations(): Promise<string[]> {
    return this.page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.page.context().close();
  }
}

/** Waits until `check` passes (polling), failing with its last error. */
export async function eventually(check: () => Promise<void> | void, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
