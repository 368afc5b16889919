// Seeded synthetic market data for benchmarks: an mmtape dataset of N symbols with OHLCV + ts.
//   node bench/synthetic.mjs --symbols 3000 --rows 2000 --kind bars --out /tmp/synth-3000 [--seed 42]
// or import { writeSyntheticDataset } from './synthetic.mjs'. Needs `pnpm build` (uses the built
// @mmtape/columnar-format DatasetWriter). Same arguments → byte-identical column files.
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DatasetWriter } from '../packages/columnar-format/dist/index.js';

/** 2023-11-14T22:13:00Z, a whole minute, ns since the epoch. */
export const DEFAULT_START_NS = 1_699_999_980_000_000_000n;
/** One minute in ns: the bar length of `kind: 'bars'`, and the mean tick gap × 60 of `kind: 'ticks'`. */
export const DEFAULT_BAR_NS = 60_000_000_000n;

/** mulberry32: tiny seeded PRNG (Tommy Ettinger, public domain), floats in [0, 1). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal by Box–Muller from a uniform source. */
function gaussian(random) {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Symbol names S00000, S00001, … (sorted = numeric order, so symbol id = index). */
export function syntheticSymbol(i) {
  return `S${String(i).padStart(5, '0')}`;
}

/**
 * Writes a dataset folder (DatasetWriter, overwrite) of `symbols` symbols × `rowsPerSymbol` rows.
 * - `kind: 'bars'`: timestamps on a shared grid of `barNs` from `startNs`; each symbol skips a bar with
 *   probability 5 % (halted / no trades), so most timestamps are shared by ~95 % of the symbols.
 * - `kind: 'ticks'`: irregular timestamps, exponential gaps with mean `barNs / 60` (1 s by default),
 *   with ns jitter, so practically no two symbols share a timestamp.
 * Prices: geometric random walk (per-row volatility 0.1 %, start 20–220), OHLC around it, volume
 * log-normal. `segmentBytes`: store the column files in segment files of at most that size, or `'auto'`
 * (DatasetWriter option, whose default is `'auto'`); default here `false`, one file per symbol, the layout
 * the benches that use this generator name. Returns { rows, bytes } written.
 */
export function writeSyntheticDataset(dir, options) {
  const {
    symbols,
    rowsPerSymbol,
    kind = 'bars',
    seed = 42,
    startNs = DEFAULT_START_NS,
    barNs = DEFAULT_BAR_NS,
    partition = 'none',
    segmentBytes = false,
  } = options;
  if (kind !== 'bars' && kind !== 'ticks') throw new Error(`kind must be 'bars' or 'ticks', got ${kind}`);
  const writer = DatasetWriter.create(dir, { overwrite: true, partition, durable: false, segmentBytes });
  const barNum = Number(barNs);
  let rows = 0;
  try {
    for (let s = 0; s < symbols; s++) {
      const random = mulberry32((seed * 1_000_003 + s) >>> 0);
      const n = rowsPerSymbol;
      const ts = new BigInt64Array(n);
      const open = new Float64Array(n);
      const high = new Float64Array(n);
      const low = new Float64Array(n);
      const close = new Float64Array(n);
      const volume = new Float64Array(n);
      let price = 20 + random() * 200;
      let bar = 0;
      let offsetNs = Math.floor(random() * 1e9);
      for (let i = 0; i < n; i++) {
        if (kind === 'bars') {
          while (random() < 0.05) bar++;
          ts[i] = startNs + BigInt(bar) * barNs;
          bar++;
        } else {
          offsetNs += 1 + Math.floor(-Math.log(Math.max(random(), 1e-12)) * (barNum / 60));
          ts[i] = startNs + BigInt(offsetNs);
        }
        const o = price;
        price *= Math.exp(0.001 * gaussian(random));
        const spread = price * 0.0005 * random();
        open[i] = o;
        close[i] = price;
        high[i] = Math.max(o, price) + spread;
        low[i] = Math.min(o, price) - spread;
        volume[i] = Math.round(Math.exp(8 + gaussian(random)));
      }
      writer.writeSymbol(syntheticSymbol(s), [
        { name: 'ts', dtype: 'i64', data: ts },
        { name: 'open', dtype: 'f64', data: open },
        { name: 'high', dtype: 'f64', data: high },
        { name: 'low', dtype: 'f64', data: low },
        { name: 'close', dtype: 'f64', data: close },
        { name: 'volume', dtype: 'f64', data: volume },
      ]);
      rows += n;
    }
    writer.finish();
  } catch (error) {
    writer.abort?.();
    throw error;
  }
  return { rows, bytes: rows * 48 };
}

/** Removes a synthetic dataset folder. */
export function removeSyntheticDataset(dir) {
  rmSync(dir, { recursive: true, force: true });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      symbols: { type: 'string' },
      rows: { type: 'string' },
      kind: { type: 'string', default: 'bars' },
      seed: { type: 'string', default: '42' },
      out: { type: 'string' },
      partition: { type: 'string', default: 'none' },
      'segment-mb': { type: 'string' },
    },
  });
  if (!values.symbols || !values.rows || !values.out) {
    console.error(
      'usage: node bench/synthetic.mjs --symbols N --rows M [--kind bars|ticks] [--seed 42] [--partition none|day|month] [--segment-mb 256] --out DIR',
    );
    process.exit(2);
  }
  const t0 = performance.now();
  const { rows } = writeSyntheticDataset(values.out, {
    symbols: Number(values.symbols),
    rowsPerSymbol: Number(values.rows),
    kind: values.kind,
    seed: Number(values.seed),
    partition: values.partition,
    segmentBytes: values['segment-mb'] === undefined ? undefined : Number(values['segment-mb']) * 2 ** 20,
  });
  console.log(`wrote ${rows} rows to ${values.out} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
