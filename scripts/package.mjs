// Builds a production bundle and packages baton-<version>.vsix with @vscode/vsce (offline),
// then prints its size and what it holds.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const bin = (name) => join('node_modules', '.bin', name);
function run(command, args) {
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
const out = process.argv[2] ?? `baton-${version}.vsix`;
// A clean production build: no source maps or stale bundles left over from development builds.
rmSync('dist', { recursive: true, force: true });
run(process.execPath, ['esbuild.mjs', '--production']);
// Everything is bundled by esbuild, so node_modules stays out of the VSIX.
// README links are relative; the repository URL is not a GitHub one vsce could derive a base from.
const base = 'https://example.invalid/baton/blob/main/';
run(bin('vsce'), ['package', '--no-dependencies', '--skip-license', '--allow-missing-repository', '--baseContentUrl', base, '--baseImagesUrl', base, '--out', out]);
const bytes = statSync(out).size;
console.log(`${out}: ${(bytes / 1024).toFixed(1)} KiB`);
