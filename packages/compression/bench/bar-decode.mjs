// Opt-in micro-benchmark: bar frames and the delta-of-delta ts chain, decoded by the WebAssembly
// kernels (default) and by the TypeScript decoders, alternating in one process (the VM is shared: compare
// within a run). MB/s = raw output bytes / median wall time, one thread, CRC-32 included.
// Usage (after `pnpm --filter @mmtape/compression build`):
//   node packages/compression/bench/bar-decode.mjs [folder of <SYMBOL>*.csv with open,high,low,close,volume]
// Default folder: the repository's demo data (30 stocks, daily bars); e.g.
//   node packages/compression/bench/bar-decode.mjs ../shared/data/us-1min-2018q1-sample/intraday
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const C = await import('../dist/index.js');
const dir =
  process.argv[2] ?? fileURLToPath(new URL('../../../apps/cli/demo-data/sp500-30/', import.meta.url));
const KEYS = ['open', 'high', 'low', 'close', 'volume'];
const CHUNK = 65_536;

/** OHLCV columns of every CSV in `dir`, concatenated (header names found case-insensitively). */
function load() {
  const cols = KEYS.map(() => []);
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.csv'))) {
    const lines = readFileSync(join(dir, f), 'utf8').trim().split('\n');
    const head = lines[0].toLowerCase().split(',');
    const idx = KEYS.map((k) => head.indexOf(k));
    for (const l of lines.slice(1)) {
      const cells = l.split(',');
      for (const [j, i] of idx.entries()) cols[j].push(cells[i] === '' ? Number.NaN : Number(cells[i]));
    }
  }
  return Object.fromEntries(KEYS.map((k, j) => [k, Float64Array.from(cols[j])]));
}

const all = load();
const n = all.open.length;
const frames = [];
for (let i = 0; i < n; i += CHUNK) {
  const f = await C.encodeBars(Object.fromEntries(KEYS.map((k) => [k, all[k].subarray(i, i + CHUNK)])));
  if (f !== undefined) frames.push(f);
}
const ts = new BigInt64Array(n);
for (let i = 0; i < n; i++) ts[i] = 1_500_000_000_000_000_000n + BigInt(i) * 60_000_000_000n;
const tsFrames = [];
for (let i = 0; i < n; i += CHUNK) tsFrames.push(await C.encodeColumn(ts.subarray(i, i + CHUNK)));
const out = Object.fromEntries(KEYS.map((k) => [k, new Float64Array(CHUNK)]));
const barBytes = frames.reduce((a, f) => a + C.readFrameHeader(f).rawLengthBytes, 0);

const results = { wasm: { bars: [], ts: [] }, js: { bars: [], ts: [] } };
for (let round = 0; round < 15; round++) {
  for (const backend of ['wasm', 'js']) {
    C.setDecodeBackend(backend);
    let t0 = performance.now();
    for (const f of frames) C.decodeBarsInto(f, out);
    results[backend].bars.push(performance.now() - t0);
    t0 = performance.now();
    for (const f of tsFrames) await C.decodeColumn(f);
    results[backend].ts.push(performance.now() - t0);
  }
}
const median = (a) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)];
console.log(`${n} rows from ${dir}, ${frames.length} bar frames of <= ${CHUNK} rows`);
for (const backend of ['wasm', 'js']) {
  const bars = barBytes / 1e6 / (median(results[backend].bars) / 1000);
  const tsRate = (n * 8) / 1e6 / (median(results[backend].ts) / 1000);
  console.log(
    `${backend.padEnd(4)} bar frames ${bars.toFixed(0)} MB/s, ts (delta>delta>zigzag>shuffle>zstd) ${tsRate.toFixed(0)} MB/s`,
  );
}
