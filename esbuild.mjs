// Bundles the extension, the CLI and the webview apps from one toolchain.
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync } from 'node:fs';
import { webviewApps, webviewBundleOptions } from './scripts/webview-bundle.mjs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'info',
  legalComments: 'none',
};

/** @type {esbuild.BuildOptions[]} */
const builds = [];

if (existsSync('src/vscode/extension.ts')) {
  builds.push({
    ...common,
    entryPoints: { extension: 'src/vscode/extension.ts' },
    outdir: 'dist',
    outExtension: { '.js': '.cjs' },
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    // esbuild is loaded lazily for TypeScript templates; a missing one falls back to type stripping.
    external: ['vscode', 'esbuild'],
  });
}

builds.push({
  ...common,
  entryPoints: { cli: 'src/cli/bin.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.cjs' },
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  banner: { js: '#!/usr/bin/env node' },
  // esbuild is loaded lazily to bundle TypeScript templates; keep it a runtime dependency.
  external: ['esbuild'],
});

if (webviewApps().length > 0) {
  mkdirSync('dist/webview', { recursive: true });
  builds.push({
    ...common,
    ...webviewBundleOptions({ outdir: 'dist/webview', minify: production }),
  });
}

if (watch) {
  const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
