/**
 * `npm run bench`: speed and memory figures, each printed as a ratio against a baseline
 * measured in the same run. Nothing here is a test; it reports, and marks each target
 * met (ok) or missed (MISS).
 */
import { existsSync, readFileSync } from 'node:fs';
import { benchBoard } from './board.bench';
import { benchEngine, type BenchLine } from './engine.bench';

/**
 * Activation is measured inside the real extension host by the e2e tier (code-server), which
 * writes test-results/e2e/activation.json; starting VS Code here just to time it would dwarf it.
 */
async function benchActivation(): Promise<BenchLine[]> {
  const file = 'test-results/e2e/activation.json';
  if (!existsSync(file)) {
    return [{ name: 'extension activation (ms)', value: 'not measured: run `npm run test:e2e` first' }];
  }
  const { activationMs, vscode, at } = JSON.parse(readFileSync(file, 'utf8')) as { activationMs: number; vscode: string; at: string };
  return [
    {
      name: 'extension activation (ms)',
      value: activationMs.toFixed(1),
      baseline: `VS Code ${vscode}, measured ${at}`,
      target: '< 50 ms',
      ok: activationMs < 50,
    },
  ];
}

function print(section: string, lines: BenchLine[]): void {
  console.log(`\n## ${section}`);
  for (const l of lines) {
    const ratio = l.ratio === undefined ? '' : `  ratio ${l.ratio.toFixed(2)}`;
    const base = l.baseline ? `  (baseline ${l.baseline})` : '';
    const verdict = l.ok === undefined ? '' : l.ok ? '  ok' : '  MISS';
    const target = l.target ? `  [target ${l.target}]` : '';
    console.log(`${l.name.padEnd(48)} ${l.value}${base}${ratio}${target}${verdict}`);
  }
}

const only = process.argv.slice(2);
const sections: Array<[string, () => Promise<BenchLine[]>]> = [
  ['engine', benchEngine],
  ['activation', benchActivation],
  ['board', benchBoard],
];
for (const [name, run] of sections) {
  if (only.length > 0 && !only.includes(name)) continue;
  print(name, await run());
}
