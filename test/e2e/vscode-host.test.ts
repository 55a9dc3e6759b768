/**
 * The extension-host tier: starts real VS Code (code-server's server) on 127.0.0.1, loads Baton
 * from this folder and runs test/e2e/host/*.e2e.ts inside its extension host (E2E.md route B).
 * Each host suite file becomes one test here, so a failure names the suite and the host test.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HostTestResult } from './host/index';
import { installedAgentClis } from '../support/mock-agent-env';
import { buildHostSuites, hostSuiteNames } from './support/hostSuites';
import { freePort } from './support/processes';
import { buildExtension, codeServerOrSkip, createWorkspace, VsCodeSession } from './support/vscodeSession';

const fixtureTemplates = join(import.meta.dirname, 'fixtures', 'templates');

describe('Baton in real VS Code: extension-host suites', function () {
  let results: HostTestResult[] = [];
  let setupError: Error | undefined;

  before(async function () {
    const installed = codeServerOrSkip(this);
    const started = Date.now();
    buildExtension();
    const testsPath = await buildHostSuites();
    const templates = Object.fromEntries(readdirSync(fixtureTemplates).map((f) => [f, readFileSync(join(fixtureTemplates, f), 'utf8')]));
    const webhookPort = await freePort();
    const workspace = createWorkspace(templates, { 'baton.webhook.port': webhookPort });
    // The agents suite runs the real Claude Code when it is installed (it skips without it).
    const claude = (await installedAgentClis()).claude;
    const resultsFile = join(tmpdir(), `baton-e2e-results-${process.pid}.json`);
    rmSync(resultsFile, { force: true });
    const session = await VsCodeSession.start(installed, {
      workspace,
      extensionTestsPath: testsPath,
      env: {
        BATON_E2E_RESULTS: resultsFile,
        BATON_E2E_WEBHOOK_PORT: String(webhookPort),
        ...(claude ? { BATON_E2E_CLAUDE_PATH: claude } : {}),
        ...(process.env.BATON_E2E_GREP ? { BATON_E2E_GREP: process.env.BATON_E2E_GREP } : {}),
      },
    });
    try {
      const code = await session.automationExit(10 * 60_000);
      await session.screenshot('host-suites-final');
      if (!existsSync(resultsFile)) throw new Error(`host tests exited ${code} without results; server log:\n${session.serverOutput().slice(-5000)}`);
      results = JSON.parse(readFileSync(resultsFile, 'utf8')) as HostTestResult[];
    } catch (error) {
      setupError = error as Error;
      await session.screenshot('host-suites-setup-failure').catch(() => undefined);
    } finally {
      await session.stop();
      rmSync(workspace, { recursive: true, force: true });
      rmSync(resultsFile, { force: true });
    }
    console.log(`    (VS Code session with ${results.length} host tests took ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  });

  for (const suite of hostSuiteNames()) {
    it(`${suite}: every test passes inside the extension host`, function () {
      if (setupError) throw setupError;
      const mine = results.filter((r) => r.file === suite);
      // BATON_E2E_GREP=<text> runs only matching host tests (for debugging one).
      if (mine.length === 0 && process.env.BATON_E2E_GREP) this.skip();
      assert.ok(mine.length > 0, `no test of ${suite}.e2e.ts ran`);
      for (const r of mine) console.log(`      ${r.state === 'passed' ? '✓' : r.state === 'failed' ? '✗' : '-'} ${r.title}${r.durationMs ? ` (${r.durationMs} ms)` : ''}`);
      const failed = mine.filter((r) => r.state === 'failed');
      assert.equal(failed.length, 0, failed.map((f) => `${f.title}\n${f.error}`).join('\n\n'));
    });
  }
});
