/** "Baton: Validate Templates": re-reads every template and reports problems in the Problems panel. */
import * as vscode from 'vscode';
import type { BatonContainer } from './container';

export interface ValidationSummary {
  valid: number;
  invalid: number;
  /** Files that failed, with their problem count. */
  files: { path: string; problems: number }[];
}

export async function validateTemplates(container: BatonContainer): Promise<ValidationSummary> {
  await container.templates.reloadAll();
  const folders = await container.templates.ready();
  const valid = folders.reduce((n, f) => n + f.registry.list().filter((t) => t.source !== 'builtin').length, 0);
  const invalid = container.templates.invalid();
  const summary: ValidationSummary = {
    valid,
    invalid: invalid.length,
    files: invalid.map((i) => ({ path: i.sourcePath, problems: i.problems.length })),
  };
  if (invalid.length === 0) {
    void vscode.window.showInformationMessage(`Baton: all ${valid} templates are valid.`);
  } else {
    const problems = invalid.reduce((n, i) => n + i.problems.length, 0);
    const show = 'Show Problems';
    void vscode.window
      .showWarningMessage(`Baton: ${invalid.length} template file(s) have ${problems} problem(s); ${valid} valid.`, show)
      .then((answer) => answer === show && vscode.commands.executeCommand('workbench.actions.view.problems'));
  }
  return summary;
}
