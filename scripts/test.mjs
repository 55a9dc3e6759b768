// Runs every test tier that exists, in order: unit, integration, e2e.
// `npm test -- unit` runs one tier. Each tier is a separate mocha process so a tier's
// global state (servers, temp folders) cannot leak into the next.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const tiers = ['unit', 'integration', 'e2e'];
const wanted = process.argv.slice(2).filter((a) => tiers.includes(a));
const selected = wanted.length > 0 ? wanted : tiers;

function hasTests(dir) {
  if (!existsSync(dir)) return false;
  for (const entry of readdirSync(dir)) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) {
      if (entry !== 'fixtures' && hasTests(full)) return true;
    } else if (entry.endsWith('.test.ts')) return true;
  }
  return false;
}

let failed = false;
for (const tier of selected) {
  const dirs = [join('test', tier)];
  if (tier === 'unit' && existsSync('templates')) dirs.push('templates');
  const present = dirs.filter(hasTests);
  if (present.length === 0) continue;
  const config = existsSync(join('test', tier, '.mocharc.json')) ? join('test', tier, '.mocharc.json') : '.mocharc.json';
  console.log(`\n=== ${tier} tests ===`);
  const args = ['--config', config, ...present.map((d) => `${d}/**/*.test.ts`)];
  const result = spawnSync(join('node_modules', '.bin', 'mocha'), args, { stdio: 'inherit' });
  if (result.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
