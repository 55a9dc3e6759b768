/**
 * The setup every webview suite shares: one bundle server and one Chromium for the suite
 * (skipped with the reason when Chromium is absent), panels opened through `open` closed after
 * each test. Plus the few steps that differ for vscode-elements controls, whose real <input>
 * lives in an open shadow root (Playwright's CSS locators pierce it).
 */
import type { Browser, Locator } from 'playwright-core';
import type { PanelContext } from '../../../../src/shared/protocol';
import { FakePanel, WebviewServer, launchBrowser, requireChromium, type Theme } from './fakeHost';

export interface WebviewSuite {
  readonly server: WebviewServer;
  readonly browser: Browser;
  /** Opens a panel wired to `attach` (a FakeBaton's), closed after the current test. */
  open(context: PanelContext, attach: (panel: FakePanel) => void, options?: { theme?: Theme; viewport?: { width: number; height: number } }): Promise<FakePanel>;
}

/** Call inside `describe`: registers before/after hooks and returns the suite's server and browser. */
export function useWebviewSuite(): WebviewSuite {
  let server: WebviewServer | undefined;
  let browser: Browser | undefined;
  const opened: FakePanel[] = [];
  before(async function () {
    requireChromium(this);
    server = await WebviewServer.start();
    browser = await launchBrowser();
  });
  afterEach(async () => {
    for (const p of opened.splice(0)) await p.close();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });
  const suite: WebviewSuite = {
    get server() {
      if (!server) throw new Error('webview suite not started (before hook did not run)');
      return server;
    },
    get browser() {
      if (!browser) throw new Error('webview suite not started (before hook did not run)');
      return browser;
    },
    async open(context, attach, options) {
      const panel = await FakePanel.open(suite.browser, suite.server, context, attach, options);
      opened.push(panel);
      return panel;
    },
  };
  return suite;
}

/** The control that holds a field's text: the element itself when native, else the inner control of a vscode-textfield / vscode-textarea. */
function textControl(field: Locator): Locator {
  return field.locator('xpath=self::input | self::textarea | self::select').or(field.locator('input, textarea'));
}

/** Types into a text field (native, or a vscode-textfield / vscode-textarea), replacing the text. */
export async function fillField(field: Locator, text: string): Promise<void> {
  await textControl(field).first().fill(text);
}

/** The current text of a text field, as its control holds it. */
export async function fieldValue(field: Locator): Promise<string> {
  return textControl(field).first().inputValue();
}

/**
 * Picks an option the way a user does: a native <select> through the platform's list (Playwright's
 * selectOption), a vscode-single-select by opening it and clicking the option.
 */
export async function chooseOption(select: Locator, label: string): Promise<void> {
  if ((await select.evaluate((el) => el.tagName)) === 'SELECT') {
    await select.selectOption({ label });
    return;
  }
  await select.click();
  await select.getByRole('option', { name: label, exact: true }).click();
}

/** The `value` of a select (native or vscode-single-select). */
export async function selectedValue(select: Locator): Promise<string> {
  return select.evaluate((el) => (el as unknown as { value: string }).value);
}

/** Whether a checkbox is checked: a vscode-checkbox, a native one, or the wrapper of a native one (nativeControls.tsx). */
export async function isChecked(checkbox: Locator): Promise<boolean> {
  return checkbox.evaluate((el) => {
    const input = el instanceof HTMLInputElement ? el : el.querySelector<HTMLInputElement>('input[type="checkbox"]');
    return Boolean((input ?? (el as unknown as { checked: boolean })).checked);
  });
}
