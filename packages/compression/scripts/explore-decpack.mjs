// Measures decpack variants against the default chain on the real OHLCV columns (one process,
// best of N timings). Usage: node packages/compression/scripts/explore-decpack.mjs [us|sp]
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const C = await import(new URL('../dist/index.js', import.meta.url).href);
const DATA = new URL('../../../../shared/data/', import.meta.url).pathname;
const which = process.argv[2] ?? 'us';
function load() {
  const us = which === 'us';
  const dir = us
    ? join(DATA, 'us-1min-2018q1-sample/intraday')
    : join(DATA, 'sp500-5yr-daily/individual_stocks_5yr');
  const cols = { ts: [], open: [], high: [], low: [], close: [], volume: [] };
  for (const f of readdirSync(dir)
    .filter((x) => x.endsWith('.csv'))
    .sort()) {
    for (const l of readFileSync(join(dir, f), 'utf8').trim().split('\n').slice(1)) {
      const r = l.split(',');
      const o = us ? 2 : 1;
      cols.ts.push(BigInt(Date.parse(us ? `${r[0]}T${r[1]}Z` : `${r[0]}T00:00:00Z`)) * 1_000_000n);
      for (const [i, k] of ['open', 'high', 'low', 'close', 'volume'].entries()) {
        cols[k].push(r[o + i] === '' ? Number.NaN : +r[o + i]);
      }
    }
  }
  return Object.fromEntries(
    Object.entries(cols).map(([k, v]) => [k, k === 'ts' ? BigInt64Array.from(v) : Float64Array.from(v)]),
  );
}
const cols = load();
const CH = 65536;
const variants = {
  default: () => 'auto',
  decpack: (dt) => [{ codec: 'decpack', dtype: dt }],
  'decpack-nodelta': (dt) => [{ codec: 'decpack', dtype: dt, delta: false }],
  'decpack>zstd3': (dt) => [
    { codec: 'decpack', dtype: dt },
    { codec: 'zstd', level: 3 },
  ],
  'decpack>zstd9': (dt) => [
    { codec: 'decpack', dtype: dt },
    { codec: 'zstd', level: 9 },
  ],
  'decpack-nd>zstd9': (dt) => [
    { codec: 'decpack', dtype: dt, delta: false },
    { codec: 'zstd', level: 9 },
  ],
};
let totalRaw = 0;
const best = {};
for (const [name, arr] of Object.entries(cols)) {
  const dt = name === 'ts' ? 'i64' : 'f64';
  const line = [name.padEnd(7)];
  totalRaw += arr.byteLength;
  for (const [vn, mk] of Object.entries(variants)) {
    let size = 0;
    let ok = true;
    const frames = [];
    for (let r = 0; r < arr.length; r += CH) {
      const part = arr.slice(r, r + CH);
      const f = await C.encodeColumn(part, { chain: mk(dt) });
      frames.push([f, part]);
      size += f.length;
    }
    let tbest = Infinity;
    for (let rep = 0; rep < 3; rep++) {
      const t0 = performance.now();
      for (const [f] of frames) await C.decodeFrame(f);
      tbest = Math.min(tbest, performance.now() - t0);
    }
    for (const [f, part] of frames) {
      const back = await C.decodeFrame(f);
      if (Buffer.compare(Buffer.from(back), Buffer.from(part.buffer)) !== 0) ok = false;
    }
    const ratio = arr.byteLength / size;
    line.push(
      `${vn} ${ratio.toFixed(2)}x ${(arr.byteLength / 1e6 / (tbest / 1000)).toFixed(0)}MB/s${ok ? '' : ' LOSSY'}`,
    );
    if (!best[name] || size < best[name]) best[name] = size;
  }
  console.log(line.join(' | '));
}
const tb = Object.values(best).reduce((a, b) => a + b, 0);
console.log('best per column total', (totalRaw / tb).toFixed(2));
