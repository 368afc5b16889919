// Compression suite: ratio, encode and decode MB/s of mmtape codec chains over real OHLCV columns,
// side by side with python-blosc (native c-blosc via /usr/bin/python3) on the same bytes and a
// DuckDB-written Parquet ZSTD file of the same table; the decode speed of the default decoders (native
// bar decoder + WebAssembly chain tails) next to the WebAssembly-only and TypeScript ones
// (setDecodeBackend('wasm' | 'js')) in the same run; plus the CPU cost of
// replaying from a packed (compressed) copy vs the mmap-ed dataset.
//   pnpm bench compression            (builds first)   or   node bench/suites/compression.mjs
// BENCH_BASELINE_ROOT=<checkout of another commit, built>: also measure that build's bar codec and
// packDataset copy on the same data in the same run (ratio, decode MB/s per backend, the two builds
// timed alternately), as a before/after table.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmt, REPO, SHARED_DATA, timeIt, writeResults } from '../lib.mjs';

const C = await import(join(REPO, 'packages/compression/dist/index.js'));
const CF = await import(join(REPO, 'packages/columnar-format/dist/index.js'));
const PACK = await import(join(REPO, 'packages/columnar-format/dist/pack/index.js'));
const INGEST = await import(join(REPO, 'packages/columnar-format/dist/ingest/index.js'));
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const BASELINE = process.env.BENCH_BASELINE_ROOT ?? null;
const B = BASELINE ? await import(join(BASELINE, 'packages/compression/dist/index.js')) : null;
const BPACK = BASELINE ? await import(join(BASELINE, 'packages/columnar-format/dist/pack/index.js')) : null;
const tmp = mkdtempSync(join(tmpdir(), 'mmtape-bench-compression-'));

/**
 * Ingests a folder of per-symbol CSVs with mmtape's own ingest (sorted, exact duplicates dropped, naive
 * times in `timeZone`) and returns per-symbol column arrays (copies, so they outlive the dataset).
 */
async function loadViaIngest(dir, timeZone) {
  const out = join(tmp, `ingest-${symbolsLoaded++}`);
  await INGEST.ingest({ inputs: [dir], outDir: out, timeZone, workers: 1 });
  const dataset = CF.Dataset.open(out);
  try {
    return dataset.symbols.map((symbol) => {
      const file = dataset.open(symbol);
      const entry = { symbol, ts: file.timestampsNs().slice() };
      for (const name of ['open', 'high', 'low', 'close', 'volume']) entry[name] = file.f64(name).slice();
      return entry;
    });
  } finally {
    dataset.close();
  }
}
let symbolsLoaded = 0;
const loadUs1min = () =>
  loadViaIngest(join(SHARED_DATA, 'us-1min-2018q1-sample', 'intraday'), 'America/New_York');
const loadSp500 = () => loadViaIngest(join(SHARED_DATA, 'sp500-5yr-daily', 'individual_stocks_5yr'), 'UTC');

const COLUMNS = ['ts', 'open', 'high', 'low', 'close', 'volume'];

/** One contiguous array per column (symbols concatenated in order), as the packed files see them. */
function concat(symbols, name) {
  const n = symbols.reduce((a, s) => a + s[name].length, 0);
  const out = name === 'ts' ? new BigInt64Array(n) : new Float64Array(n);
  let at = 0;
  for (const s of symbols) {
    out.set(s[name], at);
    at += s[name].length;
  }
  return out;
}

const bytesOf = (a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Decode backends timed: native (the default; its bar decoder), WebAssembly, TypeScript. */
const BACKENDS = ['native', 'wasm', 'js'];

/**
 * Median wall ms of `fn` with each decode backend ('native': the default, native bar decoder and
 * WebAssembly chain tails; 'wasm': WebAssembly kernels only; 'js': the TypeScript decoders), runs
 * alternating between them so that all see the same machine load. Throws when 'native' is asked for
 * but not built (the bench must not report a silent fallback as native).
 */
async function timeBackends(fn, repeat = REPEAT) {
  const times = { native: [], wasm: [], js: [] };
  let result;
  for (const backend of BACKENDS) {
    C.setDecodeBackend(backend);
    if (C.decodeBackend() !== backend)
      throw new Error(`decode backend ${backend} unavailable (${C.decodeBackend()})`);
    result = await fn(); // warm-up
  }
  for (let i = 0; i < repeat; i++) {
    for (const backend of BACKENDS) {
      C.setDecodeBackend(backend);
      const t0 = process.hrtime.bigint();
      result = await fn();
      times[backend].push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }
  C.setDecodeBackend();
  const median = (a) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)];
  return { nativeMs: median(times.native), wasmMs: median(times.wasm), jsMs: median(times.js), result };
}

const CHAINS = {
  'mmtape bar codec (OHLCV cross-column, static rANS, one state per field) + auto ts: packDataset default': {
    bars: true,
  },
  'mmtape per-column auto (decimal/delta-of-delta > zigzag > shuffle > zstd 9; previous default)': {
    auto: {},
  },
  'mmtape auto, lz4 backend': { auto: { backend: 'lz4' } },
  'mmtape shuffle > zstd 3': {
    chain: [
      { codec: 'shuffle', typesize: 8 },
      { codec: 'zstd', level: 3 },
    ],
  },
  'mmtape blosc zstd clevel 5 shuffle (typesize 8)': {
    chain: [{ codec: 'blosc', cname: 'zstd', clevel: 5, shuffle: 'shuffle', typesize: 8 }],
  },
  'mmtape blosc lz4 clevel 5 shuffle (typesize 8)': {
    chain: [{ codec: 'blosc', cname: 'lz4', clevel: 5, shuffle: 'shuffle', typesize: 8 }],
  },
};

/** Chunked like packDataset (65,536 rows per frame), so numbers match what the cold copy costs. */
const CHUNK = 65_536;

const BAR_NAMES = ['open', 'high', 'low', 'close', 'volume'];

/** The bar codec on OHLCV chunks (one frame per chunk, decoded into reusable buffers) + ts auto chain. */
async function measureBars(columns) {
  const out = await measureChain({ ts: columns.ts }, { auto: {} });
  const n = columns.open.length;
  const chunks = [];
  for (let i = 0; i < n; i += CHUNK) {
    chunks.push(Object.fromEntries(BAR_NAMES.map((k) => [k, columns[k].subarray(i, i + CHUNK)])));
  }
  // As packDataset: one bar frame per chunk, or per-column auto chains when the codec declines it.
  const chains = Object.fromEntries(
    await Promise.all(
      BAR_NAMES.map(async (k) => [k, await C.chooseColumnChain(columns[k].subarray(0, CHUNK))]),
    ),
  );
  const encodeChunk = async (c) => {
    const bar = await C.encodeBars(c);
    if (bar !== undefined) return [bar];
    return Promise.all(BAR_NAMES.map((k) => C.encodeColumn(c[k], { chain: chains[k] })));
  };
  const enc = await timeIt(async () => Promise.all(chunks.map(encodeChunk)), { repeat: REPEAT });
  const frames = enc.result.flat();
  out.barDeclinedChunks = enc.result.filter((f) => f.length > 1).length;
  const buffers = Object.fromEntries(BAR_NAMES.map((k) => [k, new Float64Array(CHUNK)]));
  const decodeChunk = async (framesOfChunk) => {
    if (framesOfChunk.length === 1) return C.decodeBarsInto(framesOfChunk[0], buffers);
    let rows = 0;
    for (const [j, f] of framesOfChunk.entries()) {
      const col = await C.decodeColumn(f);
      buffers[BAR_NAMES[j]].set(col);
      rows = col.length;
    }
    return rows;
  };
  const dec = await timeIt(
    async () => {
      for (const f of enc.result) await decodeChunk(f);
    },
    { repeat: REPEAT },
  );
  const barOnly = enc.result.filter((f) => f.length === 1);
  const barDec = await timeBackends(() => {
    for (const [f] of barOnly) C.decodeBarsInto(f, buffers);
  });
  for (const [k, f] of enc.result.entries()) {
    const rows = await decodeChunk(f);
    for (const name of BAR_NAMES) {
      const got = bytesOf(buffers[name].subarray(0, rows));
      if (!Buffer.from(got).equals(Buffer.from(bytesOf(chunks[k][name]))))
        throw new Error(`not lossless: ${name}`);
    }
  }
  const packed = frames.reduce((a, f) => a + f.length, 0);
  const raw = BAR_NAMES.reduce((a, k) => a + columns[k].byteLength, 0);
  out.rawBytes += raw;
  out.packedBytes += packed;
  out.encodeMs += enc.medianMs;
  out.decodeMs += dec.medianMs;
  out.perColumn['open+high+low+close+volume'] = {
    ratio: raw / packed,
    chain: `bar, one frame per chunk; ${out.barDeclinedChunks} of ${chunks.length} chunks declined (NaN or non-decimal values) and use per-column chains`,
  };
  const barRaw = barOnly.reduce((a, [f]) => a + C.readFrameHeader(f).rawLengthBytes, 0);
  out.barDecodeMBs = barRaw / 1e6 / (barDec.nativeMs / 1000);
  out.barDecodeWasmMBs = barRaw / 1e6 / (barDec.wasmMs / 1000);
  out.barDecodeJsMBs = barRaw / 1e6 / (barDec.jsMs / 1000);
  return out;
}

async function measureChain(columns, spec) {
  if (spec.bars) return measureBars(columns);
  const out = { rawBytes: 0, packedBytes: 0, encodeMs: 0, decodeMs: 0, perColumn: {} };
  for (const [name, arr] of Object.entries(columns)) {
    const chunks = [];
    for (let i = 0; i < arr.length; i += CHUNK) chunks.push(arr.subarray(i, i + CHUNK));
    const chains = spec.auto
      ? await Promise.all(chunks.slice(0, 1).map((c) => C.chooseColumnChain(c, spec.auto)))
      : [spec.chain];
    const options = spec.auto ? { ...spec.auto, chain: chains[0] } : { chain: spec.chain };
    const enc = await timeIt(async () => Promise.all(chunks.map((c) => C.encodeColumn(c, options))), {
      repeat: REPEAT,
    });
    const frames = enc.result;
    const dec = await timeIt(
      async () => {
        for (const f of frames) await C.decodeColumn(f);
      },
      { repeat: REPEAT },
    );
    for (const [k, f] of frames.entries()) {
      const back = await C.decodeColumn(f);
      if (!Buffer.from(bytesOf(back)).equals(Buffer.from(bytesOf(chunks[k]))))
        throw new Error(`not lossless: ${name}`);
    }
    const packed = frames.reduce((a, f) => a + f.length, 0);
    out.rawBytes += arr.byteLength;
    out.packedBytes += packed;
    out.encodeMs += enc.medianMs;
    out.decodeMs += dec.medianMs;
    out.perColumn[name] = { ratio: arr.byteLength / packed, chain: C.describeChain(chains[0]) };
  }
  return out;
}

function pythonBlosc(columns) {
  const dir = join(tmp, `py-${Math.random().toString(36).slice(2)}`);
  mkdirSync(dir);
  for (const [name, arr] of Object.entries(columns)) writeFileSync(join(dir, `${name}.bin`), bytesOf(arr));
  const script = join(REPO, 'packages/compression/scripts/bench-python-blosc.py');
  try {
    return JSON.parse(
      execFileSync('/usr/bin/python3', [script, dir, String(REPEAT)], {
        encoding: 'utf8',
        maxBuffer: 1 << 26,
      }),
    );
  } catch (e) {
    return { error: String(e) };
  }
}

async function parquetZstd(columns) {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const csv = join(tmp, `t-${Math.random().toString(36).slice(2)}.csv`);
  const n = columns.ts.length;
  const lines = ['ts,open,high,low,close,volume'];
  for (let i = 0; i < n; i++) {
    lines.push(
      `${columns.ts[i]},${columns.open[i]},${columns.high[i]},${columns.low[i]},${columns.close[i]},${columns.volume[i]}`,
    );
  }
  writeFileSync(csv, lines.join('\n'));
  const parquet = csv.replace('.csv', '.parquet');
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  await con.run(
    `COPY (SELECT * FROM read_csv('${csv}', header=true, columns={'ts':'BIGINT','open':'DOUBLE','high':'DOUBLE','low':'DOUBLE','close':'DOUBLE','volume':'DOUBLE'})) TO '${parquet}' (FORMAT PARQUET, COMPRESSION ZSTD)`,
  );
  return statSync(parquet).size;
}

/** Replay CPU: sum close over every row, from the mmap-ed dataset vs chunk-wise from the packed copy. */
async function replayOverhead(src, label) {
  const packedDir = join(tmp, `packed-${label}`);
  const report = await PACK.packDataset(src, packedDir);
  const files = readdirSync(src).filter((f) => f.endsWith('.col'));
  const mmap = await timeIt(
    () => {
      let sum = 0;
      for (const f of files) {
        const cf = CF.ColumnFile.open(join(src, f));
        for (const name of COLUMNS.slice(1)) {
          const a = cf.f64(name);
          for (let i = 0; i < a.length; i++) sum += a[i];
        }
        cf.close();
      }
      return sum;
    },
    { repeat: REPEAT },
  );
  const packed = PACK.openPackedDataset(packedDir);
  const fromPacked = await timeIt(
    async () => {
      let sum = 0;
      for (const sym of packed.symbols) {
        const f = packed.open(sym);
        for (let c = 0; c < f.chunkCount; c++) {
          const chunk = await f.readChunk(c);
          for (const name of COLUMNS.slice(1)) {
            const a = chunk.columns[name];
            for (let i = 0; i < chunk.rows; i++) sum += a[i];
          }
        }
      }
      return sum;
    },
    { repeat: REPEAT },
  );
  // Decode only: every chunk of every file, all columns (ts included), into the reusable buffers;
  // default (native bar decoder), WebAssembly and TypeScript decoders alternating.
  const decodeOnly = await timeBackends(async () => {
    let rows = 0;
    for (const sym of packed.symbols) {
      const f = packed.open(sym);
      for (let c = 0; c < f.chunkCount; c++) rows += (await f.readChunk(c)).rows;
    }
    return rows;
  });
  packed.close();
  // Same values, summed in another order (chunk-major): equal up to float rounding.
  if (Math.abs(mmap.result - fromPacked.result) > 1e-9 * Math.abs(mmap.result)) {
    throw new Error(`packed replay sum ${fromPacked.result} differs from mmap replay sum ${mmap.result}`);
  }
  const hydrated = join(tmp, `hydrated-${label}`);
  const hyd = await timeIt(() => PACK.hydrateDataset(packedDir, hydrated, { overwrite: true }), {
    repeat: 1,
    warmup: 0,
  });
  return {
    packRatio: report.ratio,
    rawBytes: report.rawBytes,
    packedBytes: report.packedBytes,
    mmapMs: mmap.medianMs,
    packedMs: fromPacked.medianMs,
    decodeOnlyMs: decodeOnly.nativeMs,
    decodeOnlyWasmMs: decodeOnly.wasmMs,
    decodeOnlyJsMs: decodeOnly.jsMs,
    decodedRows: decodeOnly.result,
    hydrateMs: hyd.medianMs,
  };
}

/**
 * Before/after against the BENCH_BASELINE_ROOT build, on the same data in the same process: the OHLCV
 * bar frames of both builds (65,536-row chunks: bytes, and decodeBarsInto MB/s per backend) and a
 * packDataset copy of the replay dataset `src` by each build (bytes, and readChunk of every chunk, MB/s
 * of ts + OHLCV per backend). Within each repeat the two builds alternate, backend by backend, so that
 * both see the same machine load.
 */
async function baselineComparison(columns, src, label) {
  const builds = [
    ['baseline', B, BPACK],
    ['this build', C, PACK],
  ];
  const n = columns.open.length;
  const chunks = [];
  for (let i = 0; i < n; i += CHUNK) {
    chunks.push(Object.fromEntries(BAR_NAMES.map((k) => [k, columns[k].subarray(i, i + CHUNK)])));
  }
  const buffers = Object.fromEntries(BAR_NAMES.map((k) => [k, new Float64Array(CHUNK)]));
  const out = {};
  for (const [name, lib, pack] of builds) {
    const frames = (await Promise.all(chunks.map((c) => lib.encodeBars(c)))).filter((f) => f !== undefined);
    const packedDir = join(tmp, `packed-${label}-${name.replace(' ', '-')}`);
    const report = await pack.packDataset(src, packedDir);
    const ds = pack.openPackedDataset(packedDir);
    out[name] = {
      lib,
      frames,
      ds,
      barBytes: frames.reduce((a, f) => a + f.length, 0),
      barRawBytes: frames.reduce((a, f) => a + lib.readFrameHeader(f).rawLengthBytes, 0),
      packRawBytes: report.rawBytes,
      packedBytes: report.packedBytes,
      bar: { native: [], wasm: [], js: [] },
      pack: { native: [], wasm: [], js: [] },
    };
  }
  const [a, b] = [out.baseline, out['this build']];
  const same =
    a.frames.length === b.frames.length && a.frames.every((f, i) => Buffer.compare(f, b.frames[i]) === 0);
  let rows = 0;
  const time = (fn) => {
    const t0 = process.hrtime.bigint();
    fn();
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  const timeAsync = async (fn) => {
    const t0 = process.hrtime.bigint();
    await fn();
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  for (let i = 0; i <= REPEAT; i++) {
    for (const backend of BACKENDS) {
      for (const [name] of builds) {
        const m = out[name];
        m.lib.setDecodeBackend(backend);
        if (m.lib.decodeBackend() !== backend)
          throw new Error(`${name}: decode backend ${backend} unavailable`);
        const barMs = time(() => {
          for (const f of m.frames) m.lib.decodeBarsInto(f, buffers);
        });
        const packMs = await timeAsync(async () => {
          rows = 0;
          for (const sym of m.ds.symbols) {
            const f = m.ds.open(sym);
            for (let c = 0; c < f.chunkCount; c++) rows += (await f.readChunk(c)).rows;
          }
        });
        if (i > 0) {
          // i = 0: warm-up
          m.bar[backend].push(barMs);
          m.pack[backend].push(packMs);
        }
        m.lib.setDecodeBackend();
      }
    }
  }
  const median = (v) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)];
  const result = { framesIdentical: same, rows };
  for (const [name] of builds) {
    const m = out[name];
    m.ds.close();
    result[name] = {
      barRatio: m.barRawBytes / m.barBytes,
      barBytes: m.barBytes,
      packRatio: m.packRawBytes / m.packedBytes,
      packedBytes: m.packedBytes,
      barMBs: Object.fromEntries(BACKENDS.map((k) => [k, m.barRawBytes / 1e6 / (median(m.bar[k]) / 1000)])),
      packMBs: Object.fromEntries(BACKENDS.map((k) => [k, (rows * 48) / 1e6 / (median(m.pack[k]) / 1000)])),
    };
  }
  return result;
}

/** Writes `symbols` as mmtape column files into a new folder; returns it. */
function writeDataset(symbols, label) {
  const src = join(tmp, `ds-${label}`);
  mkdirSync(src);
  for (const s of symbols) {
    CF.writeColumnFile(join(src, `${s.symbol}.col`), {
      symbol: s.symbol,
      columns: COLUMNS.map((name) => ({ name, dtype: name === 'ts' ? 'i64' : 'f64', data: s[name] })),
    });
  }
  return src;
}

const backend = (await C.zstdBackend()).kind;
const tables = [];
const raw = { backend };
for (const [label, load] of [
  ['us-1min-2018q1-sample (40 symbols, 1-minute bars)', loadUs1min],
  ['sp500-5yr-daily (505 symbols, daily bars)', loadSp500],
]) {
  const symbols = await load();
  const columns = Object.fromEntries(COLUMNS.map((c) => [c, concat(symbols, c)]));
  const rawBytes = Object.values(columns).reduce((a, c) => a + c.byteLength, 0);
  const mb = rawBytes / 1e6;
  const rows = [];
  const rowBytes = []; // packed bytes per row, for the ratio vs Parquet column
  const results = {};
  for (const [name, spec] of Object.entries(CHAINS)) {
    const r = await measureChain(columns, spec);
    results[name] = r;
    rowBytes.push(r.packedBytes);
    rows.push([
      name,
      fmt(rawBytes / r.packedBytes, 2),
      fmt(r.packedBytes),
      fmt(mb / (r.encodeMs / 1000), 0),
      fmt(mb / (r.decodeMs / 1000), 0),
    ]);
  }
  const py = pythonBlosc(columns);
  if (!py.error) {
    for (const [cfg, cols] of Object.entries(py)) {
      const cbytes = Object.values(cols).reduce((a, c) => a + c.cbytes, 0);
      const enc = Object.values(cols).reduce((a, c) => a + c.encode_s, 0);
      const dec = Object.values(cols).reduce((a, c) => a + c.decode_s, 0);
      rowBytes.push(cbytes);
      rows.push([
        `peer: python-blosc ${cfg} (typesize 8, 1 thread)`,
        fmt(rawBytes / cbytes, 2),
        fmt(cbytes),
        fmt(mb / enc, 0),
        fmt(mb / dec, 0),
      ]);
    }
  } else {
    rowBytes.push(undefined);
    rows.push([`peer: python-blosc unavailable (${py.error.slice(0, 80)})`, '', '', '', '']);
  }
  let parquetBytes;
  try {
    parquetBytes = await parquetZstd(columns);
    rowBytes.push(parquetBytes);
    rows.push([
      'peer: DuckDB Parquet ZSTD (same table, 6 columns)',
      fmt(rawBytes / parquetBytes, 2),
      fmt(parquetBytes),
      '',
      '',
    ]);
  } catch (e) {
    rowBytes.push(undefined);
    rows.push([`peer: DuckDB Parquet unavailable (${String(e).slice(0, 80)})`, '', '', '', '']);
  }
  for (const [i, row] of rows.entries()) {
    const b = rowBytes[i];
    row.push(parquetBytes && b ? fmt(parquetBytes / b, 2) : '');
  }
  const [def, prev] = Object.keys(CHAINS)
    .slice(0, 2)
    .map((k) => results[k]);
  const notes = [
    `Bar codec (packDataset default for OHLC(V) partitions): ${fmt(rawBytes / def.packedBytes, 2)}x over raw vs ${fmt(rawBytes / prev.packedBytes, 2)}x for the per-column chains (${fmt(prev.packedBytes / def.packedBytes, 2)}x smaller); vs DuckDB Parquet ZSTD ${parquetBytes ? fmt(parquetBytes / def.packedBytes, 2) : 'n/a'}x smaller (per-column chains: ${parquetBytes ? fmt(parquetBytes / prev.packedBytes, 2) : 'n/a'}x). OHLCV bar frames alone decode at ${fmt(def.barDecodeMBs, 0)} MB/s of raw float64 output into reusable buffers (one thread, frame checksum included, native decoder; ${fmt(def.barDecodeWasmMBs, 0)} MB/s with the WebAssembly one, ${fmt(def.barDecodeJsMBs, 0)} MB/s with the TypeScript one).`,
    `Per column ratio, per-column chains: ${Object.entries(prev.perColumn)
      .map(([k, v]) => `${k} ${fmt(v.ratio, 1)}x (${v.chain})`)
      .join('; ')}.`,
    `Raw binary: ${fmt(rawBytes)} bytes (${fmt(columns.ts.length)} rows x 6 columns x 8 bytes). Frames of ${fmt(CHUNK)} rows, as packDataset writes them; every frame verified lossless.`,
    `Default (bar) vs Parquet ZSTD: ${parquetBytes ? fmt(parquetBytes / def.packedBytes, 2) : 'n/a'}x smaller. Per column ratio: ${Object.entries(
      def.perColumn,
    )
      .map(([k, v]) => `${k} ${fmt(v.ratio, 1)}x (${v.chain})`)
      .join('; ')}.`,
    `zstd backend: ${backend}. MB/s = raw MB / median wall time of ${REPEAT} runs, one thread, JS loops included; encode of mmtape chains excludes the chain choice.`,
  ];
  tables.push({
    title: `Compression ratio and speed: ${label}`,
    data: `../shared/data/${label.split(' ')[0]}: all OHLCV columns + ts (int64 ns) as raw little-endian binary columns`,
    peer: 'python-blosc 1.11 / c-blosc 1.21 (native, /usr/bin/python3) on the same bytes; DuckDB Parquet ZSTD of the same table',
    columns: [
      'codec chain',
      'ratio vs raw',
      'bytes',
      'encode MB/s',
      'decode MB/s',
      'x smaller than Parquet ZSTD',
    ],
    rows,
    notes,
  });
  const src = writeDataset(symbols, label.split(' ')[0]);
  const replay = await replayOverhead(src, label.split(' ')[0]);
  raw[label] = { rawBytes, results, python: py, parquetBytes, replay };
  if (BASELINE) {
    const cmp = await baselineComparison(columns, src, label.split(' ')[0]);
    raw[label].baseline = { root: BASELINE, ...cmp };
    const [was, now] = [cmp.baseline, cmp['this build']];
    const row = (what, x, y, digits) => [what, fmt(x, digits), fmt(y, digits), fmt(y / x, 3)];
    tables.push({
      title: `Before/after: ${label}`,
      data: 'OHLCV bar frames of all symbols concatenated (65,536-row chunks), and a packDataset copy of the column files above, written by each build',
      peer: `the build at BENCH_BASELINE_ROOT (${BASELINE}), timed alternately with this build in the same process`,
      columns: ['measure', 'baseline', 'this build', 'this / baseline'],
      rows: [
        row('bar frames: ratio over raw float64', was.barRatio, now.barRatio, 4),
        row('bar frames: decode MB/s, native', was.barMBs.native, now.barMBs.native, 0),
        row('bar frames: decode MB/s, wasm', was.barMBs.wasm, now.barMBs.wasm, 0),
        row('bar frames: decode MB/s, TypeScript', was.barMBs.js, now.barMBs.js, 0),
        row('packDataset copy: ratio incl. file headers', was.packRatio, now.packRatio, 4),
        row(
          'packDataset copy: readChunk of every chunk, MB/s, native',
          was.packMBs.native,
          now.packMBs.native,
          0,
        ),
        row('packDataset copy: readChunk of every chunk, MB/s, wasm', was.packMBs.wasm, now.packMBs.wasm, 0),
        row(
          'packDataset copy: readChunk of every chunk, MB/s, TypeScript',
          was.packMBs.js,
          now.packMBs.js,
          0,
        ),
      ],
      notes: [
        `Bar frames byte-identical between the builds: ${cmp.framesIdentical ? 'yes' : 'no'}. MB/s = raw output MB / median of ${REPEAT} runs after one warm-up, one thread.`,
      ],
    });
  }
  tables.push({
    title: `Replay from compressed storage vs mmap: ${label}`,
    data: 'the same table written as mmtape column files, then packDataset (65,536-row chunks, default: bar frames for OHLCV, auto chain for ts)',
    peer: 'replaying the mmap-ed column files (sum of all OHLCV values, row by row)',
    columns: ['path', 'ms (median)', 'ratio vs mmap'],
    rows: [
      ['mmap (ColumnFile.open + typed-array views)', fmt(replay.mmapMs, 1), '1.00'],
      [
        'packed (openPackedDataset + readChunk into reusable buffers)',
        fmt(replay.packedMs, 1),
        fmt(replay.packedMs / replay.mmapMs, 2),
      ],
      [
        'packed, decode only (readChunk of every chunk, ts + OHLCV, no summing)',
        fmt(replay.decodeOnlyMs, 1),
        fmt(replay.decodeOnlyMs / replay.mmapMs, 2),
      ],
      [
        'packed, decode only, WebAssembly decoders (setDecodeBackend("wasm"))',
        fmt(replay.decodeOnlyWasmMs, 1),
        fmt(replay.decodeOnlyWasmMs / replay.mmapMs, 2),
      ],
      [
        'packed, decode only, TypeScript decoders (setDecodeBackend("js"))',
        fmt(replay.decodeOnlyJsMs, 1),
        fmt(replay.decodeOnlyJsMs / replay.mmapMs, 2),
      ],
      ['hydrate (decode + SHA-256 verify + write every file)', fmt(replay.hydrateMs, 1), ''],
    ],
    notes: [
      `pack ratio incl. file headers: ${fmt(replay.packRatio, 2)}x (${fmt(replay.rawBytes)} -> ${fmt(replay.packedBytes)} bytes)`,
      `whole-pack decode: ${fmt((replay.decodedRows * 48) / 1e6 / (replay.decodeOnlyMs / 1000), 0)} MB/s of raw ts + OHLCV (48 bytes per row, one thread, median of ${REPEAT}) with the default decoders (native bar decoder), ${fmt((replay.decodedRows * 48) / 1e6 / (replay.decodeOnlyWasmMs / 1000), 0)} MB/s with the WebAssembly ones, ${fmt((replay.decodedRows * 48) / 1e6 / (replay.decodeOnlyJsMs / 1000), 0)} MB/s with the TypeScript ones`,
    ],
  });
  const wholeNative = (replay.decodedRows * 48) / 1e6 / (replay.decodeOnlyMs / 1000);
  const wholeWasm = (replay.decodedRows * 48) / 1e6 / (replay.decodeOnlyWasmMs / 1000);
  const wholeJs = (replay.decodedRows * 48) / 1e6 / (replay.decodeOnlyJsMs / 1000);
  tables.push({
    title: `Decode speed, native vs WebAssembly vs TypeScript decoders: ${label}`,
    data: 'the bar frames (65,536-row chunks of all symbols concatenated) and the packDataset copy above',
    peer: 'the same decoders in WebAssembly and TypeScript (setDecodeBackend("wasm" | "js") / MMTAPE_DECODE_BACKEND), timed alternately in the same run',
    columns: [
      'path (one thread, MB/s of raw output)',
      'native (default) MB/s',
      'wasm MB/s',
      'TypeScript MB/s',
      'native / wasm',
    ],
    rows: [
      [
        'OHLCV bar frames, decodeBarsInto (frame checksum included)',
        fmt(def.barDecodeMBs, 0),
        fmt(def.barDecodeWasmMBs, 0),
        fmt(def.barDecodeJsMBs, 0),
        fmt(def.barDecodeMBs / def.barDecodeWasmMBs, 2),
      ],
      [
        'whole packDataset copy, readChunk of every chunk (ts + OHLCV)',
        fmt(wholeNative, 0),
        fmt(wholeWasm, 0),
        fmt(wholeJs, 0),
        fmt(wholeNative / wholeWasm, 2),
      ],
    ],
    notes: [
      `Goal: 1,000 MB/s per core, one thread, default decoders: bar frames ${def.barDecodeMBs >= 1000 ? 'meet' : 'miss'} it (${fmt(def.barDecodeMBs, 0)} MB/s), the whole pack ${wholeNative >= 1000 ? 'meets' : 'misses'} it (${fmt(wholeNative, 0)} MB/s); WebAssembly only: ${fmt(def.barDecodeWasmMBs, 0)} / ${fmt(wholeWasm, 0)} MB/s. The frame CRC-32 covers the stored frame (~10x fewer bytes than the output) and is checked before decoding. See packages/compression/README.md.`,
    ],
  });
}
rmSync(tmp, { recursive: true, force: true });
writeResults('compression', {
  summary:
    'Lossless codec chains for market data vs python-blosc (native c-blosc) and DuckDB Parquet ZSTD on the same columns. Shared 2-core machine: speeds are noisy, ratios are exact.',
  tables,
  raw,
});
