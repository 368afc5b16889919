// Replay throughput: mmtape replayDataset (consumer reads ts and close of every event) vs DuckDB streaming
// the same rows from Parquet `ORDER BY ts, symbol` and reading the same two columns in JS.
// Data: ../shared/data us-1min-2018q1-sample and russell1000-30min-2days (ingested to a temp folder), and
// seeded synthetic sets of 100 / 1,000 / 3,000 symbols, bars and ticks (bench/synthetic.mjs).
// Env: REPLAY_ROWS (rows per synthetic symbol, default 2000), REPLAY_SKIP_DUCKDB=1, REPLAY_STAGE_ROWS
// (staging rows per stream, default the library's). To re-run a subset (rows of the table): REPLAY_SYMBOLS
// (synthetic symbol counts, default 100,1000,3000), REPLAY_KINDS (default bars,ticks), REPLAY_SKIP_SHARED=1
// (skip the two shared datasets), REPLAY_LAYOUTS (default files,segments: one column file per symbol, and
// the same data in 1 GiB segment files), REPLAY_PREFETCH (auto (default) | on | off), REPLAY_FORCED=0 (skip
// the forced strategies: only auto, verified and unverified), REPLAY_RESULTS (results name, default
// `replay`; a subset run should write elsewhere, e.g. `replay-verify`). The defaults give the full table.
// Chunk API: every row also measures replayChunks (auto, verified; the consumer reads ts and close of every
// event from the chunk's arrays). Synthetic rows also replay the same streams from memory (heap copies of
// ts and close): KWayMerge chunks and batches in JS, and the native ceiling, a C k-way merge
// (bench/native/merge-ceiling.c: loser tree with one packed 64-bit key, sorted blocks of packed keys, and for
// bars a sweep over the shared
// timestamps) built here with the system cc/gcc -O3 (skipped with a message when there is none).
// REPLAY_CHUNK_SWEEP=4096,16384,… also measures in-memory chunks at those capacities (the default's choice).
// Verified reads: every row measures auto twice, verified (the default: Dataset.open verify true, block
// checksums checked as the replay advances) and unverified (Dataset.open verify false, as --no-verify), in
// alternating runs so that load changes hit both alike; the forced strategies run verified.
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dataset } from '../../packages/columnar-format/dist/index.js';
import { KWayMerge, replayChunks, replayDataset } from '../../packages/merge-replay/dist/index.js';
import { duckdbReplayOnce, writeParquetOf } from '../duckdb-peer.mjs';
import { fmt, REPO, SHARED_DATA, writeResults } from '../lib.mjs';
import { writeSyntheticDataset } from '../synthetic.mjs';

const ROWS = Number(process.env.REPLAY_ROWS ?? 2000);
const SYMBOL_COUNTS = (process.env.REPLAY_SYMBOLS ?? '100,1000,3000').split(',').map(Number);
const KINDS = (process.env.REPLAY_KINDS ?? 'bars,ticks').split(',');
const SKIP_SHARED = process.env.REPLAY_SKIP_SHARED === '1';
// Best of REPEAT runs per strategy (5: the 2-vCPU VM's run-to-run spread is ~15 %; REPLAY_REPEAT overrides).
const REPEAT = Number(process.env.REPLAY_REPEAT ?? 5);
const STAGE_ROWS = process.env.REPLAY_STAGE_ROWS ? Number(process.env.REPLAY_STAGE_ROWS) : undefined;
// Prefetch mode of every run: 'auto' (the library default), or REPLAY_PREFETCH=on|off.
const PREFETCH = { on: true, off: false, auto: 'auto' }[process.env.REPLAY_PREFETCH ?? 'auto'];
// Dataset layouts measured: one column file per symbol ('files') and segment files ('segments', 1 GiB).
const LAYOUTS = (process.env.REPLAY_LAYOUTS ?? 'files,segments').split(',');
const SEGMENT_BYTES = 2 ** 30;
const FORCED = process.env.REPLAY_FORCED !== '0';
const RESULTS = process.env.REPLAY_RESULTS ?? 'replay';
const tmp = mkdtempSync(join(tmpdir(), 'mmtape-bench-replay-'));

/** CPU time of this process (user + system), ms: the ceiling table uses CPU time (less skewed by load). */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

// The consumer reads ts and close of every event: ts is shared by the batch (batch.timestampNs, one
// BigInt per batch), close comes gathered and aligned with batch.symbolIds (batch.columns.close). Both
// consumers (this one and DuckDB's) keep their running sums in locals of the loop: a `let` captured by a
// closure and updated per event makes V8 box a heap number per addition (measured: ~14 ns/event, more
// than the merge).
function replayOnce(dir, strategy, verify = true) {
  const cpu0 = cpuMs();
  const dataset = Dataset.open(dir, { verify });
  let sum = 0;
  let tsXor = 0;
  try {
    const options = {
      columns: ['close'],
      strategy,
      memory: false,
      stageRows: STAGE_ROWS,
      prefetch: PREFETCH,
    };
    const stats = replayDataset(dataset, options, (batch) => {
      const close = batch.columns.close;
      const ts = Number(batch.timestampNs & 0xffffn);
      let s = 0;
      let x = 0;
      for (let i = 0; i < batch.length; i++) {
        s += close[i];
        x ^= ts;
      }
      sum += s;
      tsXor ^= x;
    });
    return {
      events: stats.events,
      batches: stats.batches,
      ms: stats.elapsedMs,
      cpuMs: cpuMs() - cpu0,
      openMs: stats.openMs,
      strategy: stats.strategy,
      sum,
      tsXor,
    };
  } finally {
    dataset.close();
  }
}

/**
 * The chunk consumer: close from the chunk's gathered column, ts of every event as its low 32 bits through
 * an Int32Array view of `timestampNs` (one view per chunk, no BigInt per event), xor of the low 16 bits
 * as the batch consumer and the native ceiling do.
 */
function consumeChunk(chunk, acc) {
  const close = chunk.columns.close;
  const ts = chunk.timestampNs;
  const ts32 = new Int32Array(ts.buffer, ts.byteOffset, 2 * chunk.length);
  let s = 0;
  let x = 0;
  for (let i = 0; i < chunk.length; i++) {
    s += close[i];
    x ^= ts32[2 * i] & 0xffff; // little-endian: the low half first
  }
  acc.sum += s;
  acc.tsXor ^= x;
}

function chunkReplayOnce(dir, verify = true) {
  const cpu0 = cpuMs();
  const dataset = Dataset.open(dir, { verify });
  const acc = { sum: 0, tsXor: 0 };
  try {
    const replay = replayChunks(dataset, {
      columns: ['close'],
      memory: false,
      stageRows: STAGE_ROWS,
      prefetch: PREFETCH,
    });
    for (const chunk of replay) consumeChunk(chunk, acc);
    const stats = replay.stats();
    return {
      events: stats.events,
      batches: stats.batches,
      ms: stats.elapsedMs,
      cpuMs: cpuMs() - cpu0,
      openMs: stats.openMs,
      strategy: stats.strategy,
      ...acc,
    };
  } finally {
    dataset.close();
  }
}

/** Yields to the event loop: Node unmaps dropped mappings from an immediate (see MappedFile in mmap-core). */
const yieldToLoop = () => new Promise((resolve) => setImmediate(resolve));

/** Best of REPEAT runs each of auto verified and auto unverified, alternating. */
async function bestVerifiedAndUnverified(dir) {
  let verified;
  let unverified;
  for (let i = 0; i < REPEAT; i++) {
    const v = replayOnce(dir, 'auto', true);
    const cpuBest = Math.min(v.cpuMs, verified?.cpuBestMs ?? Number.POSITIVE_INFINITY);
    if (!verified || v.ms < verified.ms) verified = v;
    verified.cpuBestMs = cpuBest;
    await yieldToLoop();
    const u = replayOnce(dir, 'auto', false);
    if (!unverified || u.ms < unverified.ms) unverified = u;
    await yieldToLoop();
  }
  if (verified.sum !== unverified.sum || verified.tsXor !== unverified.tsXor) {
    throw new Error(`verified and unverified replays of ${dir} differ`);
  }
  return { verified, unverified };
}

async function best(dir, strategy) {
  let top;
  for (let i = 0; i < REPEAT; i++) {
    const r = strategy === 'chunks' ? chunkReplayOnce(dir) : replayOnce(dir, strategy);
    const cpuBest = Math.min(r.cpuMs, top?.cpuBestMs ?? Number.POSITIVE_INFINITY);
    if (!top || r.ms < top.ms) top = r;
    top.cpuBestMs = cpuBest;
    await yieldToLoop();
  }
  return top;
}

/** DuckDB's best of REPEAT replays of the dataset's rows from Parquet (bench/duckdb-peer.mjs). */
async function duckdbPeer(dir) {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const parquet = join(tmp, 'rows.parquet');
  await writeParquetOf(dir, parquet, tmp);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  let bestMs = Number.POSITIVE_INFINITY;
  let events = 0;
  for (let i = 0; i < REPEAT; i++) {
    const run = await duckdbReplayOnce(connection, parquet);
    bestMs = Math.min(bestMs, run.ms);
    events = run.events;
  }
  connection.closeSync?.();
  rmSync(parquet);
  return { events, ms: bestMs };
}

const rows = [];
const raw = [];
const chunkRows = [];
const CHUNK_SWEEP = (process.env.REPLAY_CHUNK_SWEEP ?? '').split(',').filter(Boolean).map(Number);

/** Builds bench/native/merge-ceiling.c with the system compiler; null (and a message) when there is none. */
function buildNative() {
  const source = join(REPO, 'bench', 'native', 'merge-ceiling.c');
  const binary = join(tmp, 'merge-ceiling');
  for (const cc of ['cc', 'gcc']) {
    const r = spawnSync(cc, ['-O3', '-o', binary, source], { stdio: 'inherit' });
    if (r.status === 0) return binary;
  }
  console.log('native ceiling skipped: no C compiler (cc or gcc -O3 failed or is missing)');
  return null;
}
let nativeBinary;

/**
 * Replays heap copies of the dataset's ts and close streams: KWayMerge chunks and batches (auto, same
 * consumers) and the native ceiling over the same arrays (written to a file the C program reads).
 */
async function measureInMemory(dir, kind) {
  const dataset = Dataset.open(dir);
  const streams = [];
  const closes = [];
  for (const symbol of dataset.symbols) {
    for (const file of dataset.openPartitions(symbol)) {
      streams.push(file.timestampsNs().slice());
      closes.push(file.f64('close').slice());
    }
  }
  dataset.close();
  const events = streams.reduce((n, s) => n + s.length, 0);
  const chunkMs = (chunkEvents) => {
    const acc = { sum: 0, tsXor: 0 };
    const t0 = cpuMs();
    const merge = new KWayMerge(streams, { columns: { close: closes }, chunkEvents });
    for (let c = merge.nextChunk(); c !== null; c = merge.nextChunk()) consumeChunk(c, acc);
    return cpuMs() - t0;
  };
  const batchMs = () => {
    const t0 = cpuMs();
    const merge = new KWayMerge(streams, { columns: { close: closes } });
    let sum = 0;
    let tsXor = 0;
    for (let b = merge.next(); b !== null; b = merge.next()) {
      const close = b.columns.close;
      const ts = Number(b.timestampNs & 0xffffn);
      let s = 0;
      let x = 0;
      for (let k = 0; k < b.length; k++) {
        s += close[k];
        x ^= ts;
      }
      sum += s;
      tsXor ^= x;
    }
    if (Number.isNaN(sum + tsXor)) console.log('(NaN)');
    return cpuMs() - t0;
  };
  if (nativeBinary === undefined) nativeBinary = buildNative();
  const file = join(tmp, 'streams.bin');
  if (nativeBinary !== null) {
    const fd = openSync(file, 'w');
    const header = new BigUint64Array(1 + streams.length);
    header[0] = BigInt(streams.length);
    streams.forEach((s, i) => {
      header[i + 1] = BigInt(s.length);
    });
    writeSync(fd, header);
    for (const s of streams) writeSync(fd, s);
    for (const c of closes) writeSync(fd, c);
    closeSync(fd);
  }
  const native = (mode) => {
    const r = JSON.parse(execFileSync(nativeBinary, [file, mode, '1'], { encoding: 'utf8' }).trim());
    if (r.events !== events) throw new Error(`native ${mode} replayed ${r.events} of ${events} events`);
    return r.seconds * 1000;
  };
  // Rounds alternate the contenders (JS chunks, JS batches, native tree, blocks and sweep), so that load
  // changes hit them alike; best of REPEAT each.
  const best = { chunks: Infinity, batches: Infinity, tree: Infinity, sweep: Infinity, block: Infinity };
  for (let i = 0; i < REPEAT; i++) {
    best.chunks = Math.min(best.chunks, chunkMs(undefined));
    best.batches = Math.min(best.batches, batchMs());
    if (nativeBinary !== null) {
      best.tree = Math.min(best.tree, native('tree'));
      best.block = Math.min(best.block, native('block'));
      if (kind === 'bars') best.sweep = Math.min(best.sweep, native('sweep'));
    }
  }
  if (nativeBinary !== null) rmSync(file);
  const sweepRates = {};
  for (const n of CHUNK_SWEEP) {
    let ms = Infinity;
    for (let i = 0; i < REPEAT; i++) ms = Math.min(ms, chunkMs(n));
    sweepRates[n] = events / (ms / 1000);
  }
  if (CHUNK_SWEEP.length > 0)
    console.log(
      `in-memory chunks by capacity (M events/s): ${CHUNK_SWEEP.map((n) => `${n}: ${fmt(sweepRates[n] / 1e6, 2)}`).join(', ')}`,
    );
  const perSecond = (ms) => events / (ms / 1000);
  const chunks = perSecond(best.chunks);
  const nativeTree = best.tree < Infinity ? { mode: 'tree', eventsPerSecond: perSecond(best.tree) } : null;
  const nativeSweep =
    best.sweep < Infinity ? { mode: 'sweep', eventsPerSecond: perSecond(best.sweep) } : null;
  const nativeBlock =
    best.block < Infinity ? { mode: 'block', eventsPerSecond: perSecond(best.block) } : null;
  return {
    events,
    chunks,
    chunkSweep: sweepRates,
    batches: perSecond(best.batches),
    nativeTree,
    nativeSweep,
    nativeBlock,
  };
}
/** One table row; `forced: false` runs only `auto` (the segment rows), `peer` reuses a DuckDB result. */
async function measure(label, dir, { forced = true, peer: knownPeer, inMemory = null } = {}) {
  // The dataset was just written: flush it so that writeback does not run during the timed replays, and
  // replay once untimed (the page cache and the JIT as in the runs that follow).
  spawnSync('sync');
  replayOnce(dir, 'auto');
  await yieldToLoop();
  const { verified: auto, unverified } = await bestVerifiedAndUnverified(dir);
  const chunks = await best(dir, 'chunks');
  if (Math.abs(chunks.sum - auto.sum) > 1e-6 * Math.abs(auto.sum) || chunks.events !== auto.events) {
    throw new Error(`chunk and batch replays of ${dir} differ`);
  }
  const runForced = forced && FORCED;
  const tree = runForced ? await best(dir, 'tree') : null;
  const buckets = runForced ? await best(dir, 'buckets') : null;
  const block = runForced ? await best(dir, 'block') : null;
  const peer =
    knownPeer !== undefined ? knownPeer : process.env.REPLAY_SKIP_DUCKDB ? null : await duckdbPeer(dir);
  const rate = (r) => r.events / (r.ms / 1000);
  const mergeRate = (r) => r.events / ((r.ms - r.openMs) / 1000);
  rows.push([
    label,
    fmt(auto.events),
    fmt(auto.batches),
    fmt(auto.openMs, 0),
    `${fmt(rate(auto) / 1e6, 2)} (${auto.strategy})`,
    fmt(rate(unverified) / 1e6, 2),
    `${fmt((100 * rate(auto)) / rate(unverified), 1)} %`,
    fmt(mergeRate(auto) / 1e6, 2),
    tree ? fmt(rate(tree) / 1e6, 2) : '-',
    buckets ? fmt(rate(buckets) / 1e6, 2) : '-',
    block ? fmt(rate(block) / 1e6, 2) : '-',
    peer ? fmt(rate(peer) / 1e6, 2) : '-',
    peer ? `${fmt(rate(auto) / rate(peer), 1)}×` : '-',
    fmt(rate(chunks) / 1e6, 2),
    peer ? `${fmt(rate(chunks) / rate(peer), 1)}×` : '-',
  ]);
  raw.push({ label, auto, unverified, tree, buckets, block, peer, chunks });
  const memory = inMemory ? await measureInMemory(dir, inMemory) : null;
  if (memory !== null) {
    const ceiling = Math.max(
      memory.nativeTree?.eventsPerSecond ?? 0,
      memory.nativeSweep?.eventsPerSecond ?? 0,
      memory.nativeBlock?.eventsPerSecond ?? 0,
    );
    const ofCeiling = (r) => (ceiling > 0 ? `${fmt((100 * r) / ceiling, 0)} %` : '-');
    const cpuRate = (r) => r.events / (r.cpuBestMs / 1000);
    chunkRows.push([
      label,
      fmt(cpuRate(chunks) / 1e6, 2),
      ofCeiling(cpuRate(chunks)),
      fmt(cpuRate(auto) / 1e6, 2),
      ofCeiling(cpuRate(auto)),
      fmt(memory.chunks / 1e6, 2),
      ofCeiling(memory.chunks),
      fmt(memory.batches / 1e6, 2),
      ofCeiling(memory.batches),
      memory.nativeTree ? fmt(memory.nativeTree.eventsPerSecond / 1e6, 2) : '-',
      memory.nativeSweep ? fmt(memory.nativeSweep.eventsPerSecond / 1e6, 2) : '-',
      memory.nativeBlock ? fmt(memory.nativeBlock.eventsPerSecond / 1e6, 2) : '-',
      peer ? fmt(rate(peer) / 1e6, 2) : '-',
      peer ? `${fmt(rate(chunks) / rate(peer), 1)}×` : '-',
    ]);
    raw.at(-1).inMemory = memory;
    console.log(chunkRows.at(-1).join(' | '));
  }
  console.log(rows.at(-1).join(' | '));
  return peer;
}

try {
  const shared = [
    ['us-1min-2018q1-sample (40 symbols, 1-min bars)', join('us-1min-2018q1-sample', 'intraday')],
    ['russell1000-30min-2days (1,006 streams, 30-min bars)', join('russell1000-30min-2days', 'stock_data')],
  ];
  for (const [name, sub] of SKIP_SHARED ? [] : shared) {
    const out = join(tmp, sub.split('/')[0]);
    try {
      // The CLI's ingest knows each shared folder's layout (time zones, column names).
      const ingestTo = (dir, extra) =>
        execFileSync(
          process.execPath,
          [
            join(REPO, 'apps/cli/dist/bin.js'),
            'ingest',
            join(SHARED_DATA, sub),
            '--out',
            dir,
            '--quiet',
            ...extra,
          ],
          { stdio: 'inherit' },
        );
      let peer;
      if (LAYOUTS.includes('files')) {
        ingestTo(out, ['--segment-mb', '0']);
        peer = await measure(name, out);
      }
      if (LAYOUTS.includes('segments')) {
        ingestTo(`${out}-seg`, ['--segment-mb', String(SEGMENT_BYTES / 2 ** 20)]);
        await measure(`${name}, segments`, `${out}-seg`, { forced: !LAYOUTS.includes('files'), peer });
      }
    } catch (error) {
      console.error(`skipped ${name}: ${error.message}`);
    }
    rmSync(out, { recursive: true, force: true });
    rmSync(`${out}-seg`, { recursive: true, force: true });
  }
  for (const kind of KINDS) {
    for (const symbols of SYMBOL_COUNTS) {
      const out = join(tmp, `synth-${kind}-${symbols}`);
      const label = `synthetic ${kind}, ${fmt(symbols)} symbols × ${fmt(ROWS)} rows (seed 42)`;
      let peer;
      if (LAYOUTS.includes('files')) {
        writeSyntheticDataset(out, { symbols, rowsPerSymbol: ROWS, kind, seed: 42 });
        peer = await measure(label, out, { inMemory: kind });
        rmSync(out, { recursive: true, force: true });
      }
      if (LAYOUTS.includes('segments')) {
        writeSyntheticDataset(out, {
          symbols,
          rowsPerSymbol: ROWS,
          kind,
          seed: 42,
          segmentBytes: SEGMENT_BYTES,
        });
        await measure(`${label}, segments`, out, {
          forced: !LAYOUTS.includes('files'),
          peer,
        });
        rmSync(out, { recursive: true, force: true });
      }
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

writeResults(RESULTS, {
  summary:
    `Full-market replay throughput, best of ${REPEAT} runs (after sync and one untimed replay), in M events/s; the consumer reads ts and close of every event. ` +
    'Verified reads: "mmtape auto" is the default (header and block XXH64 checksums checked as the replay reads, `Dataset.open(dir)`), ' +
    '"auto, unverified" the same with `Dataset.open(dir, { verify: false })` (`--no-verify`), runs alternating; "verified / unverified" is the throughput ratio. ' +
    'mmtape columns: strategy auto (the algorithm it ended with), then each strategy forced; the time includes opening ' +
    'the column files (a fresh Dataset per run; reading manifest.json in `Dataset.open` is not timed) and the consumer, except "merge only" (auto without the time to ' +
    'the first batch: opening files, views, staging). ' +
    'Datasets are warm in the page cache. Rows ending in ", segments" replay the same data stored in 1 GiB ' +
    "segment files, the layout `mmtape ingest` and DatasetWriter write by default from 500 column files (`segmentBytes: 'auto'`); the other synthetic rows store one file per symbol (`segmentBytes: false`, `--segment-mb 0`) (segments: strategy auto only, same " +
    `DuckDB figure). Prefetch: ${process.env.REPLAY_PREFETCH ?? 'auto (the library default: on above 256 MiB of ts + close; every dataset here is below)'}.`,
  tables: [
    {
      title: 'Replay throughput (M events/s)',
      data: 'us-1min-2018q1-sample, russell1000-30min-2days (ingested), synthetic bars/ticks (bench/synthetic.mjs, seed 42)',
      peer: 'DuckDB (@duckdb/node-api) `SELECT ts, close FROM parquet ORDER BY ts, symbol`, streamed chunks read in JS',
      columns: [
        'data',
        'events',
        'batches',
        'auto: opening files, ms',
        'mmtape auto (incl. open), verified',
        'auto, unverified',
        'verified / unverified',
        'auto, merge only',
        'tree',
        'buckets',
        'block',
        'DuckDB',
        'auto / DuckDB',
        'chunk API (auto, incl. open)',
        'chunks / DuckDB',
      ],
      rows,
    },
    {
      title: 'Chunk API vs the native ceiling (M events/s, % of the ceiling)',
      notes: [
        'Every rate in this table except DuckDB is CPU time of the process (process.cpuUsage, CLOCK_PROCESS_CPUTIME_ID), best of the runs, so load from other processes skews it less than wall time: the dataset rows (chunk and batch API, including opening the files and verified reads) are the runs of the first table timed in CPU time; the in-memory rows replay heap copies. "chunk API / DuckDB" compares wall times, as the first table.',
      ],
      data: 'synthetic bars/ticks (bench/synthetic.mjs, seed 42); "in memory" = heap copies of the same ts and close streams',
      peer: 'native ceiling: bench/native/merge-ceiling.c (cc -O3) over the same in-memory arrays, same consumer; ceiling = the fastest of its loser tree (packed 64-bit key), its sorted blocks of packed keys (the scheme of the mmtape block strategy: 262,144 events per block, counting pass on the top 16 bits, insertion sort per bucket) and, for bars, its sweep over shared timestamps. DuckDB as in the first table',
      columns: [
        'data',
        'chunk API (incl. open, verified), CPU time',
        '% of ceiling',
        'batch API (auto, incl. open, verified), CPU time',
        '% of ceiling',
        'KWayMerge chunks, in memory',
        '% of ceiling',
        'KWayMerge batches, in memory',
        '% of ceiling',
        'native loser tree',
        'native sweep',
        'native blocks',
        'DuckDB',
        'chunk API / DuckDB',
      ],
      rows: chunkRows,
    },
  ],
  raw,
});
