import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';

const root = process.cwd();

async function lintAs(virtualPath: string, code: string) {
  const eslint = new ESLint({ cwd: root, overrideConfigFile: join(root, 'eslint.config.mjs') });
  const [result] = await eslint.lintText(code, { filePath: join(root, virtualPath) });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports');
}

describe('eslint architecture boundaries', function () {
  this.timeout(30000);
  const fixture = readFileSync(join(root, 'test/fixtures/lint/src/core/bad-import.ts'), 'utf8');

  it('rejects `import * as vscode` and node:child_process inside src/core', async () => {
    const messages = await lintAs('src/core/bad-import.ts', fixture);
    assert.equal(messages.length, 2);
    assert.match(messages[0]!.message, /vscode/);
    assert.match(messages[1]!.message, /child_process/);
  });

  it('rejects vscode in other adapters such as src/store', async () => {
    const messages = await lintAs('src/store/bad.ts', "import * as vscode from 'vscode';\nexport const v = vscode;\n");
    assert.equal(messages.length, 1);
  });

  it('allows vscode inside src/vscode', async () => {
    const messages = await lintAs('src/vscode/ok.ts', "import * as vscode from 'vscode';\nexport const v = vscode;\n");
    assert.equal(messages.length, 0);
  });

  it('rejects node:sqlite in src/core', async () => {
    const messages = await lintAs('src/core/db.ts', "import { DatabaseSync } from 'node:sqlite';\nexport const d = DatabaseSync;\n");
    assert.equal(messages.length, 1);
  });

  it('keeps src/webview-host free of vscode and of the src/vscode adapter', async () => {
    const messages = await lintAs('src/webview-host/bad.ts', "import * as vscode from 'vscode';\nimport { currentUser } from '../vscode/identity';\nexport const v = [vscode, currentUser];\n");
    assert.equal(messages.length, 2);
  });
});
