// The esbuild options of the Node bundles (dist/extension.cjs, dist/cli.cjs), shared by
// esbuild.mjs and the tests that run the bundled CLI as a process, so what they test is what ships.

/**
 * Packages whose `main` is a UMD build that loads its own modules through a `require` esbuild
 * cannot follow (jsonc-parser: "Cannot find module './impl/format'" at run time); their ES module
 * build bundles. Any other Node bundle of Baton's code (the e2e host suites) needs it too.
 */
export const PREFER_ESM = { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' };

/**
 * @param {{ repo?: string, entry: 'extension' | 'cli', outdir: string, minify?: boolean, sourcemap?: boolean | 'linked' }} options
 * @returns {import('esbuild').BuildOptions}
 */
export function nodeBundleOptions({ repo = '.', entry, outdir, minify = false, sourcemap = false }) {
  return {
    absWorkingDir: repo === '.' ? process.cwd() : repo,
    bundle: true,
    minify,
    sourcemap,
    legalComments: 'none',
    entryPoints: { [entry]: entry === 'extension' ? 'src/vscode/extension.ts' : 'src/cli/bin.ts' },
    outdir,
    outExtension: { '.js': '.cjs' },
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    alias: PREFER_ESM,
    ...(entry === 'cli' ? { banner: { js: '#!/usr/bin/env node' } } : {}),
    // esbuild is loaded lazily to bundle TypeScript templates (a missing one falls back to type
    // stripping); `vscode` is the extension host's.
    external: entry === 'extension' ? ['vscode', 'esbuild'] : ['esbuild'],
  };
}
