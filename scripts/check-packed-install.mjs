// Release check (run after `pnpm build`): pack every publishable package with `pnpm pack` (which rewrites
// workspace:^ to real versions), install all tarballs with npm into an empty temp project (no workspace),
// import each package's public API there, and run the installed CLI: `mmtape --help` and `mmtape demo`.
// Exits 1 on the first failure. Usage: node scripts/check-packed-install.mjs [--keep]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { workspacePackages } from './packages.mjs';

const keep = process.argv.includes('--keep');
const root = mkdtempSync(join(tmpdir(), 'mmtape-packed-'));
const packs = join(root, 'packs');
const project = join(root, 'project');
mkdirSync(packs);
mkdirSync(project);
const t0 = Date.now();
const log = (line) => console.log(`[packed-install ${((Date.now() - t0) / 1000).toFixed(0)}s] ${line}`);
const run = (cmd, args, cwd, options = {}) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });

let ok = false;
try {
  const packages = workspacePackages();
  for (const { dir, pkg } of packages) {
    if (!existsSync(join(dir, 'dist'))) throw new Error(`${pkg.name}: no dist/ (run pnpm build first)`);
    run('pnpm', ['pack', '--pack-destination', packs], dir);
  }
  const tarballs = readdirSync(packs).filter((f) => f.endsWith('.tgz'));
  log(`packed ${tarballs.length} tarballs: ${tarballs.join(' ')}`);
  if (tarballs.length !== packages.length) throw new Error(`expected ${packages.length} tarballs`);

  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'mmtape-packed-install-check', private: true, type: 'module' }, null, 2),
  );
  log('npm install (native addons compile from source; this takes a while)');
  run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs.map((t) => join(packs, t))],
    project,
    {
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );

  // Each package's public API, imported the way a user would, by package name.
  const expected = {
    '@mmtape/errors': ['MmtapeError', 'isMmtapeError', 'readJsonFile', 'writeFileAtomic', 'writeDirAtomic'],
    '@mmtape/mmap-core': ['MappedFile', 'mmapStatus', 'pageSizeBytes'],
    '@mmtape/columnar-format': ['ColumnFile', 'Dataset', 'DatasetWriter', 'writeColumnFile'],
    '@mmtape/columnar-format/ingest': ['ingest'],
    '@mmtape/columnar-format/export': ['exportParquet', 'formatTimestampNs'],
    '@mmtape/columnar-format/arrow': ['columnToArrowVector', 'columnFileToArrowTable', 'writeArrowIpcFile'],
    '@mmtape/columnar-format/pack': ['packDataset', 'hydrateDataset', 'openPackedDataset'],
    '@mmtape/compression': ['encodeFrame', 'decodeFrame'],
    '@mmtape/prefetch': [],
    '@mmtape/merge-replay': ['replayDataset'],
    '@mmtape/walk-forward': ['buildPanel', 'runWalkForward', 'renderReportHtml', 'engleGranger'],
    '@mmtape/cache-manager': ['CacheManager'],
    '@mmtape/cli': ['main', 'runDemo', 'ExitCode'],
  };
  writeFileSync(
    join(project, 'check.mjs'),
    `const expected = ${JSON.stringify(expected)};
let failed = 0;
for (const [name, names] of Object.entries(expected)) {
  try {
    const mod = await import(name);
    const missing = names.filter((n) => !(n in mod));
    if (missing.length > 0) throw new Error('missing exports ' + missing.join(', '));
    console.log('import ' + name + ': ok (' + Object.keys(mod).length + ' exports)');
  } catch (e) {
    failed++;
    console.error('import ' + name + ': FAILED: ' + (e && e.message));
  }
}
// A round trip through the installed packages: write a column file, map it, hand it to Arrow.
const { writeColumnFile, ColumnFile } = await import('@mmtape/columnar-format');
const { columnToArrowVector } = await import('@mmtape/columnar-format/arrow');
writeColumnFile('t.col', { symbol: 'T', columns: [{ name: 'ts', dtype: 'i64', data: new BigInt64Array([1n, 2n]) }, { name: 'close', dtype: 'f64', data: new Float64Array([1.5, 2.5]) }] });
const f = ColumnFile.open('t.col');
const v = columnToArrowVector(f, 'close');
if (v.get(1) !== 2.5 || v.data[0].values.buffer !== f.bytes.buffer) { failed++; console.error('arrow round trip FAILED'); }
else console.log('column file → mmap → arrow vector (zero-copy): ok, backend ' + f.file.backend);
f.close();
// Informational: 'native' when the package's install script compiled the native decoder, else 'wasm'.
console.log('compression decode backend: ' + (await import('@mmtape/compression')).decodeBackend());
process.exit(failed ? 1 : 0);
`,
  );
  log('importing every public API');
  process.stdout.write(run('node', ['check.mjs'], project));

  const bin = join(project, 'node_modules', '.bin', 'mmtape');
  const help = run(bin, ['--help'], project);
  if (!/Usage: mmtape/.test(help) || !/walk-forward/.test(help))
    throw new Error(`mmtape --help printed:\n${help}`);
  log(`mmtape --help: ok (${help.split('\n').length} lines)`);
  const demoOut = join(root, 'demo');
  const demo = run(bin, ['demo', '--out', demoOut], project);
  for (const f of ['report/report.json', 'report/report.html', 'dataset/CURRENT']) {
    if (!existsSync(join(demoOut, f))) throw new Error(`mmtape demo did not write ${f}:\n${demo}`);
  }
  log(`mmtape demo: ok (${demo.trim().split('\n').slice(-3).join(' | ')})`);
  ok = true;
} catch (error) {
  console.error(`[packed-install] FAILED: ${error.message}`);
  if (error.stdout) console.error(error.stdout);
  if (error.stderr) console.error(error.stderr);
} finally {
  if (keep) log(`kept ${root}`);
  else rmSync(root, { recursive: true, force: true });
}
log(ok ? 'packed install: ok' : 'packed install: FAILED');
process.exit(ok ? 0 : 1);
