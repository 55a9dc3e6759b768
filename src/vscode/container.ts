/**
 * The container: built once by activate(), owns every disposable Baton creates (one list, one
 * lifetime), so deactivate() or a failed start releases everything.
 */
import * as vscode from 'vscode';
import { registerCommands } from './commands';

export class BatonContainer implements vscode.Disposable {
  /** How long activate() took, in ms (reported by `npm run bench`). */
  activationMs = 0;
  readonly log: vscode.LogOutputChannel;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly refreshEmitter = new vscode.EventEmitter<void>();
  /** Fires when views should re-read templates and runs (files changed, a command asked). */
  readonly onDidRequestRefresh = this.refreshEmitter.event;

  private constructor(readonly context: vscode.ExtensionContext) {
    this.log = this.own(vscode.window.createOutputChannel('Baton', { log: true }));
    this.own(this.refreshEmitter);
  }

  static async create(context: vscode.ExtensionContext): Promise<BatonContainer> {
    const container = new BatonContainer(context);
    try {
      container.start();
    } catch (error) {
      container.dispose();
      throw error;
    }
    return container;
  }

  private start(): void {
    for (const registration of registerCommands(this)) this.own(registration);
  }

  /** Registers something the container must dispose, and returns it. */
  own<T extends vscode.Disposable>(disposable: T): T {
    this.disposables.push(disposable);
    return disposable;
  }

  refresh(): void {
    this.refreshEmitter.fire();
  }

  dispose(): void {
    // Reverse order: later things may depend on earlier ones (views on the output channel).
    for (const disposable of this.disposables.splice(0).reverse()) {
      try {
        disposable.dispose();
      } catch (error) {
        console.error('Baton: dispose failed', error);
      }
    }
  }
}
