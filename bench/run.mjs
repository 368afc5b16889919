// pnpm bench [suite ...]: runs benchmark suites from bench/suites/*.mjs, each in its own process
// (so peak RSS figures are per suite). Results land in bench/results/<suite>.{json,md}.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './lib.mjs';

const dir = join(REPO, 'bench', 'suites');
const all = readdirSync(dir)
  .filter((f) => f.endsWith('.mjs'))
  .map((f) => f.replace(/\.mjs$/, ''))
  .sort();
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const suites = wanted.length > 0 ? wanted : all;
const unknown = suites.filter((s) => !all.includes(s));
if (unknown.length > 0) {
  console.error(`unknown suite(s): ${unknown.join(', ')}; available: ${all.join(', ')}`);
  process.exit(1);
}
let failed = 0;
for (const suite of suites) {
  console.log(`\n=== bench ${suite} ===`);
  const r = spawnSync(process.execPath, ['--expose-gc', join(dir, `${suite}.mjs`)], {
    stdio: 'inherit',
    cwd: REPO,
  });
  if (r.status !== 0) {
    failed++;
    console.error(`bench ${suite} failed with exit code ${r.status}`);
  }
}
process.exit(failed > 0 ? 1 : 0);
