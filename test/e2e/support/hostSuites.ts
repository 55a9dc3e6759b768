/** Builds the extension-host suites (test/e2e/host/*.e2e.ts) into CommonJS the host can require. */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { PREFER_ESM } from '../../../scripts/node-bundle.mjs';
import { projectRoot } from './vscodeSession';

/** Folder of the default host suites; `host-untrusted` holds the ones for an untrusted window. */
export type HostSuiteFolder = 'host' | 'host-untrusted' | 'host-multiroot';

const sourceDir = (folder: HostSuiteFolder) => join(projectRoot, 'test', 'e2e', folder);
// Inside the project so `require('mocha')` in the bundle resolves to node_modules/mocha.
const outDir = (folder: HostSuiteFolder) => join(projectRoot, '.cache', `e2e-${folder}`);

/** Names of the host suites, e.g. `activation` for activation.e2e.ts. */
export function hostSuiteNames(folder: HostSuiteFolder = 'host'): string[] {
  return readdirSync(sourceDir(folder))
    .filter((f) => f.endsWith('.e2e.ts'))
    .map((f) => f.replace(/\.e2e\.ts$/, ''))
    .sort();
}

/** Returns the path of the index module to pass as extensionTestsPath. */
export async function buildHostSuites(folder: HostSuiteFolder = 'host'): Promise<string> {
  const hostOutDir = outDir(folder);
  rmSync(hostOutDir, { recursive: true, force: true });
  mkdirSync(hostOutDir, { recursive: true });
  const entryPoints = Object.fromEntries([
    ['index', join(sourceDir('host'), 'index.ts')],
    ...hostSuiteNames(folder).map((name) => [`${name}.e2e`, join(sourceDir(folder), `${name}.e2e.ts`)]),
  ]);
  await esbuild.build({
    entryPoints,
    outdir: hostOutDir,
    outExtension: { '.js': '.cjs' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    sourcemap: 'inline',
    external: ['vscode', 'mocha'],
    alias: PREFER_ESM,
    logLevel: 'error',
  });
  return join(hostOutDir, 'index.cjs');
}
