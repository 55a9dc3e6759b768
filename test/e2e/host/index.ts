/**
 * Runs inside VS Code's extension host (loaded through the `extensionTestsPath` payload):
 * executes every bundled `*.e2e.cjs` suite beside it with mocha and writes each test's outcome to
 * $BATON_E2E_RESULTS for the outer test to report. Rejecting makes the workbench call
 * codeAutomationExit(1).
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type MochaType from 'mocha';

export interface HostTestResult {
  file: string;
  title: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs?: number;
  error?: string;
}

export async function run(): Promise<void> {
  // mocha stays outside the bundle (it loads reporters dynamically); it resolves from the project.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Mocha = require('mocha') as typeof MochaType;
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'spec' });
  const grep = process.env.BATON_E2E_GREP;
  if (grep) mocha.grep(grep);
  const suites = readdirSync(__dirname)
    .filter((f) => f.endsWith('.e2e.cjs'))
    .sort();
  for (const file of suites) mocha.addFile(join(__dirname, file));

  const results: HostTestResult[] = [];
  const fileOf = (test: MochaType.Runnable) => (test.file ?? '').replace(/^.*[\\/]/, '').replace(/\.e2e\.cjs$/, '');
  const failures = await new Promise<number>((resolve) => {
    const runner = mocha.run(resolve);
    runner.on('pass', (test) => results.push({ file: fileOf(test), title: test.fullTitle(), state: 'passed', durationMs: test.duration }));
    runner.on('pending', (test) => results.push({ file: fileOf(test), title: test.fullTitle(), state: 'pending' }));
    runner.on('fail', (test, error: Error) =>
      results.push({ file: fileOf(test), title: test.fullTitle(), state: 'failed', error: error.stack ?? error.message }),
    );
  });
  if (process.env.BATON_E2E_RESULTS) writeFileSync(process.env.BATON_E2E_RESULTS, JSON.stringify(results, null, 2));
  if (failures > 0) throw new Error(`${failures} extension-host test(s) failed`);
}
