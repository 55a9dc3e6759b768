// Bundles the extension, the CLI and the webview apps from one toolchain.
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync } from 'node:fs';
import { nodeBundleOptions } from './scripts/node-bundle.mjs';
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
  builds.push({ ...common, ...nodeBundleOptions({ entry: 'extension', outdir: 'dist', minify: production, sourcemap: common.sourcemap }) });
}

builds.push({ ...common, ...nodeBundleOptions({ entry: 'cli', outdir: 'dist', minify: production, sourcemap: common.sourcemap }) });

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
