/** Extension-host side of the e2e bridge: asks the outer test (which owns the browser) for things. */
async function call(path: string, body: unknown): Promise<unknown> {
  const base = process.env.BATON_E2E_BRIDGE;
  if (!base) throw new Error('BATON_E2E_BRIDGE is not set: not running under the e2e harness');
  const response = await fetch(`${base}${path}`, { method: 'POST', body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`bridge ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** Saves a screenshot of the whole workbench as test-results/e2e/<name>.png; returns the file. */
export async function screenshot(name: string): Promise<string> {
  const { file } = (await call('/screenshot', { name })) as { file: string };
  return file;
}

/** Clicks `button` on the notification toast containing `contains` (waits for it to appear). */
export async function clickNotificationButton(contains: string, button: string, screenshotName?: string): Promise<void> {
  await call('/click-notification', { contains, button, ...(screenshotName ? { screenshot: screenshotName } : {}) });
}

/** The message of every notification in the notification center, newest first. */
export async function notificationTexts(): Promise<string[]> {
  const { texts } = (await call('/notifications', {})) as { texts: string[] };
  return texts;
}

/** Types `text` into the open quick input (replacing its value) and presses Enter. */
export async function typeIntoQuickInput(text: string, expectPrompt?: string): Promise<void> {
  await call('/type', { text, ...(expectPrompt ? { expectPrompt } : {}) });
}

/** Waits for a visible element in any webview (CSS selector); returns its text. */
export async function webviewWait(selector: string, timeoutMs = 20_000): Promise<string> {
  const { text } = (await call('/webview', { op: 'wait', selector, timeoutMs })) as { text: string };
  return text;
}

/** Clicks an element in a webview (waits for it first). */
export async function webviewClick(selector: string, timeoutMs = 20_000): Promise<void> {
  await call('/webview', { op: 'click', selector, timeoutMs });
}

/** Waits until an <img> in a webview has loaded its picture (complete, with a width). */
export async function webviewImageLoaded(selector: string, timeoutMs = 20_000): Promise<void> {
  await call('/webview', { op: 'image', selector, timeoutMs });
}

/** Replaces the value of an input in a webview. */
export async function webviewFill(selector: string, value: string, timeoutMs = 20_000): Promise<void> {
  await call('/webview', { op: 'fill', selector, value, timeoutMs });
}

/**
 * Clicks an element of the workbench (not a webview): CSS `selector`, and with `text` only one
 * whose whole text is that; `screenshotName` is taken once it is visible, before the click.
 */
export async function workbenchClick(selector: string, text?: string, screenshotName?: string, timeoutMs = 20_000): Promise<void> {
  await call('/workbench', { selector, ...(text === undefined ? {} : { text }), ...(screenshotName ? { screenshot: screenshotName } : {}), timeoutMs });
}
