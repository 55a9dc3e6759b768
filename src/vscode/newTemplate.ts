/** "Baton: New Template": asks for an id and writes a commented template into .baton/templates/. */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BatonContainer } from './container';
import { templateIdProblem, templateScaffold } from './templateScaffold';
import { pickBatonFolder } from './workspaceFolders';

/** Returns the new file's URI, or undefined when the user cancelled. Accepts an id for scripted use. */
export async function createTemplateFromScaffold(container: BatonContainer, presetId?: unknown): Promise<vscode.Uri | undefined> {
  const target = await pickBatonFolder('Folder to add the template to');
  if (!target) return undefined;
  const fileFor = (id: string) => path.join(target.templatesDir, `${id}.yml`);
  const validate = (id: string) => templateIdProblem(id) ?? (existsSync(fileFor(id)) ? `${path.basename(fileFor(id))} already exists` : undefined);

  let id: string | undefined;
  if (typeof presetId === 'string') {
    const problem = validate(presetId);
    if (problem) throw new Error(`cannot create template "${presetId}": ${problem}`);
    id = presetId;
  } else {
    id = await vscode.window.showInputBox({
      title: 'New Baton Template',
      prompt: `Template id (file name in ${path.relative(target.folder.uri.fsPath, target.templatesDir)})`,
      placeHolder: 'fix-tests',
      validateInput: (value) => validate(value.trim()),
    });
    id = id?.trim();
    if (!id) return undefined;
  }

  const file = fileFor(id);
  await mkdir(target.templatesDir, { recursive: true });
  // 'wx': never overwrite a template someone created in the meantime.
  await writeFile(file, templateScaffold(id), { flag: 'wx' });
  container.log.info(`created template ${file}`);
  const uri = vscode.Uri.file(file);
  await vscode.window.showTextDocument(uri);
  container.refresh();
  return uri;
}
