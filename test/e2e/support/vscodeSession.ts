/**
 * One real VS Code (the server bundled in code-server 4.139.1 = VS Code 1.139.1) driven by
 * Debian's Chromium through playwright-core. See ../../../../shared design E2E.md, route B:
 * server-main.js with --enable-smoke-test-driver honours the `payload` URL parameter, which
 * loads the extension from its development folder and runs extension-host test suites.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { CHROMIUM_PATH, ensureChromium, ensureCodeServer, installedCodeServer, type InstalledCodeServer } from '../../../scripts/code-server.mjs';
import { freePort, startProcess, waitFor, type StartedProcess } from './processes';

export const projectRoot = resolve(import.meta.dirname, '..', '..', '..');
export const screenshotsDir = join(projectRoot, 'test-results', 'e2e');

/**
 * code-server, installing it on first use. Outside CI a machine that cannot install it skips the
 * e2e tier with the reason; in CI (CI=true) that is a failure, never a silent skip.
 */
export function codeServerOrSkip(context: Mocha.Context): InstalledCodeServer {
  try {
    const installed = installedCodeServer() ?? ensureCodeServer();
    ensureChromium();
    return installed;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (process.env.CI === 'true') throw new Error(`e2e tier cannot run in CI: ${reason}`);
    console.warn(`\n  SKIPPING the e2e tier: code-server could not be installed (${reason}).\n  Run: node scripts/code-server.mjs install\n`);
    context.skip();
  }
}

/** Bundles the extension exactly as `npm run build` does (dist/extension.cjs). */
export function buildExtension(): void {
  const result = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: projectRoot, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`node esbuild.mjs failed:\n${result.stdout}\n${result.stderr}`);
}

/** A fresh workspace folder with the given templates in .baton/templates/ (and folder settings). */
export function createWorkspace(templates: Record<string, string>, settings?: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'baton-e2e-ws-'));
  mkdirSync(join(dir, '.baton', 'templates'), { recursive: true });
  if (settings) {
    mkdirSync(join(dir, '.vscode'), { recursive: true });
    writeFileSync(join(dir, '.vscode', 'settings.json'), JSON.stringify(settings, null, 2));
  }
  for (const [name, text] of Object.entries(templates)) writeFileSync(join(dir, '.baton', 'templates', name), text);
  return dir;
}

/** Debian's Chromium, headless, without the background networking this machine cannot reach. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** The first visible element matching `selector` in any webview frame of the workbench (polls until it appears). */
export async function findInWebviews(page: Page, selector: string, timeoutMs: number): Promise<Locator> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      if (frame === page.mainFrame() || frame.isDetached()) continue;
      try {
        const found = frame.locator(selector).first();
        if ((await found.count()) > 0 && (await found.isVisible())) return found;
      } catch {
        // The frame went away while we looked (a panel was closed or reloaded).
      }
    }
    if (Date.now() > deadline) throw new Error(`no visible ${selector} in any webview within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Opens the notification center (the bell) unless it is open, then moves the mouse away: the
 * bell's hover tooltip would otherwise sit over the notifications' buttons and take the click.
 */
async function openNotificationCenter(page: Page) {
  const center = page.locator('.notifications-center');
  // VS Code hides the center by itself when its last notification closes, which can happen
  // between looking and clicking: try again rather than wait for a center that stays hidden.
  for (let attempt = 1; ; attempt++) {
    if (!(await center.isVisible())) await page.locator('[id="status.notifications"]').first().click();
    try {
      await center.waitFor({ state: 'visible', timeout: 2_000 });
      break;
    } catch (error) {
      if (attempt >= 5) throw error;
    }
  }
  await page.mouse.move(0, 0);
  return center;
}

export interface SessionOptions {
  /** A folder, or a `.code-workspace` file (multi-root). */
  workspace: string;
  /** Extension-host test module (route B). Without it the window just runs the extension. */
  extensionTestsPath?: string;
  /** Extra environment for the server; the extension host inherits it. */
  env?: Record<string, string>;
  /** Start with Workspace Trust on, so the folder opens untrusted (default: trust is disabled). */
  workspaceTrust?: boolean;
  /** Headless browser viewport. */
  viewport?: { width: number; height: number };
}

export class VsCodeSession {
  private exitCode: Promise<number>;
  private constructor(
    readonly page: Page,
    readonly url: string,
    private readonly browser: Browser,
    private readonly server: StartedProcess,
    private readonly bridge: Server | undefined,
    private readonly dataDir: string,
    exitCode: Promise<number>,
  ) {
    this.exitCode = exitCode;
  }

  /** Starts the VS Code server and opens the workspace in Chromium. */
  static async start(installed: InstalledCodeServer, options: SessionOptions): Promise<VsCodeSession> {
    const dataDir = mkdtempSync(join(tmpdir(), 'baton-e2e-vscode-'));
    const userDataDir = join(dataDir, 'user-data');
    mkdirSync(join(userDataDir, 'User'), { recursive: true });
    mkdirSync(join(userDataDir, 'Machine'), { recursive: true });
    const settings = {
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'extensions.autoUpdate': false,
      'extensions.autoCheckUpdates': false,
      'telemetry.telemetryLevel': 'off',
      'update.mode': 'none',
      // Keep screenshots about Baton: no chat side bar, no AI onboarding.
      'chat.disableAIFeatures': true,
      'workbench.secondarySideBar.defaultVisibility': 'hidden',
    };
    writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings));
    writeFileSync(join(userDataDir, 'Machine', 'settings.json'), JSON.stringify(settings));

    // The bridge lets code in the extension host ask for things only the browser side can do.
    let page: Page | undefined;
    const bridge = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        void (async () => {
          try {
            if (!page) throw new Error('page not ready');
            const message = JSON.parse(body || '{}') as { name?: string };
            if (request.url === '/screenshot' && message.name) {
              mkdirSync(screenshotsDir, { recursive: true });
              const file = join(screenshotsDir, `${message.name.replace(/[^\w.-]/g, '_')}.png`);
              await page.screenshot({ path: file });
              response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ file }));
            } else if (request.url === '/click-notification') {
              // A button (or link) of the notification whose text contains `contains`. The smoke-test
              // driver suppresses toasts, so this opens the notification center (the bell) and
              // clicks there: the same notification and buttons a user gets.
              const { contains, button, screenshot } = message as { contains: string; button: string; screenshot?: string };
              const center = await openNotificationCenter(page);
              const row = center.locator('.monaco-list-row', { hasText: contains }).first();
              await row.waitFor({ timeout: 20_000 });
              if (screenshot) {
                mkdirSync(screenshotsDir, { recursive: true });
                await page.screenshot({ path: join(screenshotsDir, `${screenshot}.png`) });
              }
              // Buttons, or the command links of a notification Baton can close (closableNotification.ts).
              await row.locator('.monaco-button, .notification-list-item-message a', { hasText: button }).first().click();
              response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
            } else if (request.url === '/notifications') {
              // Texts of every notification in the notification center (opened if needed).
              const center = await openNotificationCenter(page);
              const texts = await center.locator('.monaco-list-row .notification-list-item-message').allInnerTexts();
              response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ texts }));
            } else if (request.url === '/type') {
              // Replaces the text of the focused quick input and presses Enter.
              const { text, expectPrompt } = message as { text: string; expectPrompt?: string };
              const widget = page.locator('.quick-input-widget');
              await widget.waitFor({ state: 'visible', timeout: 20_000 });
              if (expectPrompt) await widget.locator('.quick-input-message, .quick-input-title', { hasText: expectPrompt }).first().waitFor({ timeout: 20_000 });
              const input = widget.locator('input').first();
              await input.fill(text);
              await input.press('Enter');
              response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
            } else if (request.url === '/workbench') {
              // Clicks an element of the workbench itself (not a webview), e.g. a button of the
              // Workspace Trust editor; `text` must be the element's whole text, so "Trust" is not "Don't Trust".
              const { selector, text, timeoutMs, screenshot } = message as { selector: string; text?: string; timeoutMs?: number; screenshot?: string };
              const target = page.locator(text === undefined ? selector : `${selector}:text-is(${JSON.stringify(text)})`).first();
              await target.waitFor({ state: 'visible', timeout: timeoutMs ?? 20_000 });
              if (screenshot) {
                mkdirSync(screenshotsDir, { recursive: true });
                await page.screenshot({ path: join(screenshotsDir, `${screenshot}.png`) });
              }
              await target.click();
              response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
            } else if (request.url === '/webview') {
              // Webview content sits in nested iframes (outer webview frame -> active-frame):
              // look for the selector in every frame of the page.
              const { op, selector, value, timeoutMs } = message as { op: 'wait' | 'click' | 'fill' | 'image'; selector: string; value?: string; timeoutMs?: number };
              const target = await findInWebviews(page, selector, timeoutMs ?? 20_000);
              // In view for the screenshots that follow (board columns scroll sideways).
              await target.scrollIntoViewIfNeeded().catch(() => undefined);
              if (op === 'click') await target.click();
              else if (op === 'image') {
                // Loaded through the webview's resource URI: proves localResourceRoots and the CSP let it in.
                // No named locals in the page function: tsx would wrap them in a __name() helper the page lacks.
                await target.evaluate(
                  (img) =>
                    new Promise<void>((resolve, reject) => {
                      const image = img as HTMLImageElement;
                      if (image.complete) {
                        if (image.naturalWidth > 0) resolve();
                        else reject(new Error(`image did not load: ${image.src}`));
                        return;
                      }
                      image.addEventListener('load', () => resolve());
                      image.addEventListener('error', () => reject(new Error(`image did not load: ${image.src}`)));
                    }),
                );
              }
              else if (op === 'fill') {
                // vscode-textfield / vscode-textarea keep their editable control in an open shadow root.
                const tag = await target.evaluate((el) => el.tagName.toLowerCase());
                await (tag.startsWith('vscode-') ? target.locator('input, textarea').first() : target).fill(value ?? '');
              }
              const text = (await target.textContent().catch(() => null)) ?? '';
              response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ text }));
            } else {
              response.writeHead(404).end('unknown bridge request');
            }
          } catch (error) {
            response.writeHead(500).end(error instanceof Error ? error.message : String(error));
          }
        })();
      });
    });
    await new Promise<void>((r) => bridge.listen(0, '127.0.0.1', () => r()));
    const bridgeAddress = bridge.address();
    const bridgeUrl = typeof bridgeAddress === 'object' && bridgeAddress ? `http://127.0.0.1:${bridgeAddress.port}` : '';

    const port = await freePort();
    const server = startProcess(
      installed.node,
      [
        installed.serverMain,
        '--host',
        '127.0.0.1',
        '--port',
        String(port),
        '--without-connection-token',
        '--accept-server-license-terms',
        '--enable-smoke-test-driver',
        '--disable-telemetry',
        ...(options.workspaceTrust ? [] : ['--disable-workspace-trust']),
        '--user-data-dir',
        userDataDir,
        '--server-data-dir',
        join(dataDir, 'server-data'),
        '--extensions-dir',
        join(dataDir, 'extensions'),
      ],
      { cwd: options.workspace.endsWith('.code-workspace') ? dirname(options.workspace) : options.workspace, env: { ...process.env, ...options.env, BATON_E2E_BRIDGE: bridgeUrl } },
    );
    let browser: Browser | undefined;
    try {
      await waitFor(
        `VS Code server on port ${port}`,
        async () => {
          if (server.child.exitCode !== null) throw new Error(`VS Code server exited ${server.child.exitCode}:\n${server.output()}`);
          try {
            return (await fetch(`http://127.0.0.1:${port}/version`)).ok;
          } catch {
            return false;
          }
        },
        60_000,
      );
      browser = await launchChromium();
      const browserContext = await browser.newContext({ viewport: options.viewport ?? { width: 1400, height: 900 } });
      page = await browserContext.newPage();
      let reportExit: (code: number) => void = () => undefined;
      const exitCode = new Promise<number>((r) => (reportExit = r));
      await page.exposeFunction('codeAutomationExit', (code: number) => reportExit(code));

      const remote = (path: string) => `vscode-remote://127.0.0.1:${port}${path}`;
      const payload: [string, string][] = [['extensionDevelopmentPath', remote(projectRoot)]];
      if (options.extensionTestsPath) payload.push(['extensionTestsPath', remote(options.extensionTestsPath)]);
      const target = options.workspace.endsWith('.code-workspace') ? 'workspace' : 'folder';
      const url = `http://127.0.0.1:${port}/?${target}=${encodeURIComponent(options.workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
      await page.goto(url);
      await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
      return new VsCodeSession(page, url, browser, server, bridge, dataDir, exitCode);
    } catch (error) {
      await browser?.close().catch(() => undefined);
      await server.stop();
      bridge.close();
      rmSync(dataDir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Resolves with the code the extension-host tests reported through codeAutomationExit. */
  async automationExit(timeoutMs: number): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`extension-host tests did not finish within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exitCode, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async screenshot(name: string): Promise<string> {
    mkdirSync(screenshotsDir, { recursive: true });
    const file = join(screenshotsDir, `${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  /** The message of every notification in the notification center (opened if needed). */
  async notificationTexts(): Promise<string[]> {
    const center = await openNotificationCenter(this.page);
    return center.locator('.monaco-list-row .notification-list-item-message').allInnerTexts();
  }

  /** Server log so far, for failure messages. */
  serverOutput(): string {
    return this.server.output();
  }

  /** Kills VS Code without letting it shut down (SIGKILL to the server's whole process group). */
  async kill(): Promise<void> {
    await this.server.stop(0);
    await this.stop();
  }

  async stop(): Promise<void> {
    await this.browser.close().catch(() => undefined);
    await this.server.stop();
    await new Promise<void>((r) => (this.bridge ? this.bridge.close(() => r()) : r()));
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
