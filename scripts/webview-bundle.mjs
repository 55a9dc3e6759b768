// The esbuild options of the webview apps, shared by esbuild.mjs (dist/webview/) and the
// Chromium tests and bench (test/integration/webview/support), so what they test is what ships.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Every folder of webview-ui/ with an index.tsx is one app. */
export function webviewApps(repo = '.') {
  const root = join(repo, 'webview-ui');
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'index.tsx')))
    .map((d) => d.name);
}

/** @param {{ repo?: string, outdir: string, minify: boolean }} options */
export function webviewBundleOptions({ repo = '.', outdir, minify }) {
  return {
    absWorkingDir: repo === '.' ? process.cwd() : repo,
    bundle: true,
    minify,
    legalComments: 'none',
    // codicon.css is its own file: the page links it with id "vscode-codicon-stylesheet", and
    // vscode-elements' <vscode-icon> links the same file inside its shadow root.
    entryPoints: {
      ...Object.fromEntries(webviewApps(repo).map((a) => [a, join('webview-ui', a, 'index.tsx')])),
      codicon: '@vscode/codicons/dist/codicon.css',
    },
    outdir,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    loader: { '.ttf': 'file', '.woff': 'file', '.woff2': 'file' },
    define: { 'process.env.NODE_ENV': minify ? '"production"' : '"development"' },
    // The apps are written against React's API and run on preact/compat: the same components,
    // hooks, rjsf forms and @vscode-elements/react-elements wrappers, with a 10 KB runtime
    // instead of react-dom's 200 KB, which was half of what a panel loads before it paints.
    alias: { react: 'preact/compat', 'react-dom': 'preact/compat' },
  };
}
