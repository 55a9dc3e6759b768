/**
 * `npm run bench`: speed and memory figures, each printed as a ratio against a baseline
 * measured in the same run. Nothing here is a test; it reports, and marks each target
 * met (ok) or missed (MISS).
 */
import { benchEngine, type BenchLine } from './engine.bench';

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
const sections: Array<[string, () => Promise<BenchLine[]>]> = [['engine', benchEngine]];
for (const [name, run] of sections) {
  if (only.length > 0 && !only.includes(name)) continue;
  print(name, await run());
}
