/**
 * Entry point. activate() only builds the container that owns everything; a failure is shown
 * to the user and rethrown (VS Code alone only logs activation errors where nobody looks).
 */
import * as vscode from 'vscode';
import { BatonContainer } from './container';

let container: BatonContainer | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<BatonContainer> {
  const started = performance.now();
  try {
    container = await BatonContainer.create(context);
    container.activationMs = performance.now() - started;
    return container;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    void vscode.window.showErrorMessage(`Baton failed to start: ${message}`);
    throw error;
  }
}

export async function deactivate(): Promise<void> {
  const closing = container;
  container = undefined;
  await closing?.shutdown();
}
