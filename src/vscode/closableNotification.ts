/**
 * Notifications Baton can take back. VS Code has no API to close a `showInformationMessage`
 * notification once shown (microsoft/vscode#134777; #163298 closed as out of scope), so a gate
 * decided elsewhere (the CLI, another window, an agent's request_approval, a timeout) would leave
 * buttons that no longer mean anything. A `withProgress` notification, though, closes when its
 * task settles. It has no buttons of its own (only Cancel), so its choices are command links in
 * its message: notifications run `command:` links, and each link here runs
 * `baton.answerNotification` with the notification's id and the choice.
 *
 * Unlike a button, a link does not close the notification: a choice the user abandons (Escape in
 * the comment box) leaves it there to choose again. It closes when its owner closes it, or when
 * the user dismisses it with its Cancel button (what it asks about stays as it is).
 */
import * as vscode from 'vscode';
import { BATON_COMMANDS } from './commandIds';

export interface ClosableNotification extends vscode.Disposable {
  readonly id: string;
}

export class ClosableNotifications implements vscode.Disposable {
  private readonly open = new Map<string, { choices: readonly string[]; onChoice: (choice: string) => void; close: () => void }>();
  private nextId = 1;

  /** Shows `message` with `choices` as links; `onChoice` runs for each click until disposed. */
  show(onChoice: (choice: string) => void, message: string, ...choices: string[]): ClosableNotification {
    const id = `n${this.nextId++}`;
    let close: () => void = () => undefined;
    const closed = new Promise<void>((resolve) => (close = resolve));
    this.open.set(id, { choices, onChoice, close });
    const links = choices.map((choice, index) => `[${choice}](${commandLink(BATON_COMMANDS.answerNotification.id, [id, index])})`).join(' · ');
    // Cancellable for its button: a notification with a button opens expanded (links visible);
    // without one VS Code shows a single truncated line. Cancel only dismisses it here.
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `${message} ${links}`, cancellable: true }, (_progress, token) => {
      token.onCancellationRequested(() => this.close(id));
      return closed;
    });
    return { id, dispose: () => this.close(id) };
  }

  /** A click on choice `index` of notification `id` (the links' command); false when it is gone. */
  answer(id: unknown, index: unknown): boolean {
    const entry = typeof id === 'string' ? this.open.get(id) : undefined;
    const choice = typeof index === 'number' ? entry?.choices[index] : undefined;
    if (!entry || choice === undefined) return false;
    entry.onChoice(choice);
    return true;
  }

  private close(id: string): void {
    this.open.get(id)?.close();
    this.open.delete(id);
  }

  dispose(): void {
    for (const id of [...this.open.keys()]) this.close(id);
  }
}

/**
 * `command:` URI with JSON arguments. VS Code finds links in notification text with a pattern
 * that ends the target at `)` or whitespace, which encodeURIComponent leaves alone for `()`.
 */
function commandLink(command: string, args: unknown[]): string {
  const query = encodeURIComponent(JSON.stringify(args)).replace(/\(/g, '%28').replace(/\)/g, '%29');
  return `command:${command}?${query}`;
}
