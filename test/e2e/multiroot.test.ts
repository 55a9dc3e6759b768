/** Multi-root workspaces in real VS Code: every folder has its own .baton database. */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HostTestResult } from './host/index';
import { buildHostSuites } from './support/hostSuites';
import { buildExtension, codeServerOrSkip, VsCodeSession } from './support/vscodeSession';

describe('Baton in real VS Code: multi-root workspace', function () {
  it('keeps one database per folder (extension-host suite host-multiroot/)', async function () {
    const installed = codeServerOrSkip(this);
    buildExtension();
    const testsPath = await buildHostSuites('host-multiroot');
    const root = mkdtempSync(join(tmpdir(), 'baton-e2e-multi-'));
    for (const name of ['alpha', 'beta']) {
      mkdirSync(join(root, name, '.baton', 'templates'), { recursive: true });
      writeFileSync(join(root, name, '.baton', 'templates', `${name}.yml`), `id: ${name}-job\nname: ${name} job\nsteps:\n  - id: one\n    run: echo ${name}\n`);
    }
    const workspaceFile = join(root, 'both.code-workspace');
    writeFileSync(workspaceFile, JSON.stringify({ folders: [{ path: 'alpha' }, { path: 'beta' }] }));
    const resultsFile = join(tmpdir(), `baton-e2e-multiroot-${process.pid}.json`);
    const session = await VsCodeSession.start(installed, { workspace: workspaceFile, extensionTestsPath: testsPath, env: { BATON_E2E_RESULTS: resultsFile } });
    try {
      await session.automationExit(5 * 60_000);
      await session.screenshot('multiroot');
      assert.ok(existsSync(resultsFile), `no results; server log:\n${session.serverOutput().slice(-3000)}`);
      const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as HostTestResult[];
      for (const r of results) console.log(`      ${r.state === 'passed' ? '✓' : '✗'} ${r.title}`);
      assert.ok(results.length >= 1, 'the multi-root suite ran');
      const failed = results.filter((r) => r.state !== 'passed');
      assert.equal(failed.length, 0, failed.map((f) => `${f.title}\n${f.error}`).join('\n\n'));
    } finally {
      await session.stop();
      rmSync(root, { recursive: true, force: true });
      rmSync(resultsFile, { force: true });
    }
  });
});
