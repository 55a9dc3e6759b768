/** Checks every panel test shares: accessibility (axe), CSP, screenshots in both themes. */
import AxeBuilder from '@axe-core/playwright';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FakePanel, Theme, WebviewServer } from './fakeHost';
import { SCREENSHOT_DIR } from './fakeHost';

/** Fails on any serious or critical axe violation, listing them. */
export async function assertNoSeriousA11yViolations(panel: FakePanel): Promise<void> {
  // No CSSOM preload: it copies the adopted stylesheets of vscode-elements into <style> elements,
  // which the panel's CSP (rightly) blocks and reports; it only feeds the css-orientation-lock rule.
  const result = await new AxeBuilder({ page: panel.page }).options({ preload: false }).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(
    bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(' | ')})`),
    [],
  );
}

export async function assertNoCspViolations(panel: FakePanel): Promise<void> {
  assert.deepEqual(await panel.cspViolations(), []);
}

/**
 * Saves `<name>-<theme>.png` for light, dark and high-contrast dark, checking axe and the CSP in each. The page is reloaded in each theme; the webview
 * restores its UI state (getState) and gets its data again through the ready handshake.
 */
export async function screenshotInThemes(panel: FakePanel, server: WebviewServer, name: string, settle: () => Promise<void>): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  for (const theme of ['light', 'hc-dark', 'dark'] as Theme[]) {
    await panel.goto(server, theme);
    await settle();
    await panel.page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-${theme}.png`), fullPage: false });
    await assertNoCspViolations(panel);
    if (theme !== 'dark') await assertNoSeriousA11yViolations(panel);
  }
}
