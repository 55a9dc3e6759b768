// Bundles the extension, the CLI and the webview apps from one toolchain.
import * as esbuild from 'esbuild';
import { existsSync, readdirSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

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

// Every folder in webview-ui/ with an index.tsx is one webview app.
if (existsSync('webview-ui')) {
  const apps = readdirSync('webview-ui', { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join('webview-ui', d.name, 'index.tsx')))
    .map((d) => d.name);
  if (apps.length > 0) {
    mkdirSync('dist/webview', { recursive: true });
    builds.push({
      ...common,
      // codicon.css is its own file: the page links it with id "vscode-codicon-stylesheet", and
      // vscode-elements' <vscode-icon> links the same file inside its shadow root.
      entryPoints: {
        ...Object.fromEntries(apps.map((a) => [a, join('webview-ui', a, 'index.tsx')])),
        codicon: '@vscode/codicons/dist/codicon.css',
      },
      outdir: 'dist/webview',
      platform: 'browser',
      format: 'esm',
      target: 'es2022',
      loader: { '.ttf': 'file', '.woff': 'file', '.woff2': 'file' },
      define: { 'process.env.NODE_ENV': production ? '"production"' : '"development"' },
    });
  }
}

if (watch) {
  const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
