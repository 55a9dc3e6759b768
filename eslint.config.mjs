// Lint rules, including the architecture's boundaries:
// - only src/vscode/ may import `vscode`;
// - src/core/ imports neither node:child_process nor node:sqlite (nor the store/executors);
// - src/webview-host/ (the webviews' handlers and view models) imports nothing of src/vscode/.
import tseslint from 'typescript-eslint';

const vscodeOnlyInAdapter = {
  paths: [{ name: 'vscode', message: 'Only src/vscode/ may import vscode (hexagonal boundary).' }],
};

const coreForbidden = {
  paths: [
    { name: 'vscode', message: 'src/core is pure: no vscode.' },
    { name: 'node:child_process', message: 'src/core is pure: spawn processes in src/executors.' },
    { name: 'child_process', message: 'src/core is pure: spawn processes in src/executors.' },
    { name: 'node:sqlite', message: 'src/core is pure: use the Store port; node:sqlite lives in src/store.' },
  ],
  patterns: [
    { group: ['**/store/**', '**/executors/**', '**/vscode/**', '**/cli/**'], message: 'src/core depends on ports, not adapters.' },
  ],
};

// The webviews' host logic is testable without VS Code: it reaches the editor only through PanelActions.
const webviewHostForbidden = {
  paths: [{ name: 'vscode', message: 'src/webview-host runs without VS Code: ask src/vscode/webviews through PanelActions.' }],
  patterns: [{ group: ['**/vscode/**'], message: 'src/webview-host must not depend on src/vscode (the editor adapter depends on it).' }],
};

export const boundaryRules = { vscodeOnlyInAdapter, coreForbidden, webviewHostForbidden };

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.cache/**', 'test-results/**', 'demo/.baton/**', 'test/fixtures/**', '.baton/**', '**/*.d.ts', 'webview-ui/**/*.css'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-imports': ['error', vscodeOnlyInAdapter],
    },
  },
  { files: ['src/core/**/*.ts'], rules: { 'no-restricted-imports': ['error', coreForbidden] } },
  { files: ['src/webview-host/**/*.ts'], rules: { 'no-restricted-imports': ['error', webviewHostForbidden] } },
  { files: ['src/vscode/**/*.ts', 'test/e2e/**/*.ts'], rules: { 'no-restricted-imports': 'off' } },
  {
    files: ['test/**/*.ts', 'bench/**/*', 'scripts/**/*'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
);
