/** Workspace Trust in real VS Code: an untrusted folder shows Baton but starts and executes nothing. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HostTestResult } from './host/index';
import { buildHostSuites } from './support/hostSuites';
import { buildExtension, codeServerOrSkip, createWorkspace, VsCodeSession } from './support/vscodeSession';

describe('Baton in real VS Code: untrusted workspace', function () {
  it('refuses manual runs and executes nothing (extension-host suite host-untrusted/)', async function () {
    const installed = codeServerOrSkip(this);
    buildExtension();
    const testsPath = await buildHostSuites('host-untrusted');
    const workspace = createWorkspace({
      'hello.yml': 'id: hello\nname: Hello\nsteps:\n  - id: one\n    run: echo hi\n',
    });
    const resultsFile = join(tmpdir(), `baton-e2e-untrusted-${process.pid}.json`);
    const session = await VsCodeSession.start(installed, { workspace, extensionTestsPath: testsPath, workspaceTrust: true, env: { BATON_E2E_RESULTS: resultsFile } });
    try {
      await session.automationExit(5 * 60_000);
      await session.screenshot('untrusted-workspace');
      assert.ok(existsSync(resultsFile), `no results; server log:\n${session.serverOutput().slice(-3000)}`);
      const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as HostTestResult[];
      for (const r of results) console.log(`      ${r.state === 'passed' ? '✓' : '✗'} ${r.title}`);
      assert.ok(results.length >= 3, 'the untrusted suite ran');
      const failed = results.filter((r) => r.state !== 'passed');
      assert.equal(failed.length, 0, failed.map((f) => `${f.title}\n${f.error}`).join('\n\n'));
    } finally {
      await session.stop();
      rmSync(workspace, { recursive: true, force: true });
      rmSync(resultsFile, { force: true });
    }
  });
});
