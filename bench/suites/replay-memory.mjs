// Replay memory and I/O: peak RSS (anon and file-backed), page-cache residency, the bytes the replay needs
// and the bytes it read from the block device while replaying synthetic datasets of several sizes with
// prefetch on and off. Each (size, prefetch) runs in its own child process so peak RSS (VmHWM) and
// /proc/self/io read_bytes are per run. Env: MEMORY_SIZES_GB (default "1,8,16"), MEMORY_SYMBOLS (default
// 2000), MEMORY_DIR (default os.tmpdir()), MEMORY_PREFETCH (JSON window options of @mmtape/prefetch for the
// "on" runs, e.g. '{"aheadRows":65536}'; default the library defaults), MEMORY_MODES (default "on,off":
// which prefetch settings to run), MEMORY_ACCESS ("random", the default: the dataset is opened with
// accessPattern 'random' as `mmtape replay` does; "none": opened with the kernel default, to measure the
// read-around), MEMORY_SEGMENT_MB (segment files of this many MiB, 0 = one file per symbol; default the
// layout `mmtape ingest` writes for MEMORY_SYMBOLS symbols: 1,024 MiB segments from AUTO_SEGMENT_MIN_FILES
// (500) column files, so 2,000 symbols are replayed as a user's ingest would store them; the layout replayed
// is read from the dataset and named in the results), MEMORY_RESULTS (results name, default replay-memory), MEMORY_DATASET (replay this existing dataset, written by bench/synthetic.mjs with
// MEMORY_SYMBOLS bar symbols, instead of writing one per size; it is not deleted), MEMORY_RUNS (default 1:
// rounds per size; each round measures dd again, then runs every mode; with more than one, a second table
// gives the median and range of each (size, mode) over the rounds: on a VM whose CPU and disk speeds drift
// from minute to minute, one run is one sample). Needs free disk of the largest size; data is removed afterwards.
//
// Device bandwidth: before the replays of each size, the suite reads column files of the dataset with
// `dd iflag=direct bs=4M` (O_DIRECT, no page cache), evenly spread, at least 2 GB or the whole dataset,
// and reports that sequential bandwidth; "of seq." is the replay's needed bytes per second over it.
//
// Page cache: the dataset is evicted from the page cache before every run (as a dataset written earlier
// and read from disk would be). Right after writing, the page cache holds the large folios of the write
// path, and the kernel maps a whole folio on a page fault (~0.5 MiB per file measured on Linux 6.18), so
// a replay of a just-written dataset shows a file RSS of ~0.5 MiB per stream whatever the prefetch window.
// Read back from disk the page cache holds order-0 folios (measured with /proc/self/pagemap and
// /proc/kpageflags), and a fault maps its 64 KiB fault-around block: that block per column read is the
// floor of the file RSS with prefetch on (packages/prefetch/README.md).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AUTO_SEGMENT_MIN_FILES } from '../../packages/columnar-format/dist/index.js';
import { fmt, writeResults } from '../lib.mjs';
import { writeSyntheticDataset } from '../synthetic.mjs';

const BYTES_PER_ROW = 48; // ts + OHLCV, 6 × 8 bytes

if (process.argv[2] === '--child') {
  // Child: replay one dataset, print the stats as JSON.
  const { Dataset } = await import('../../packages/columnar-format/dist/index.js');
  const { replayChunks } = await import('../../packages/merge-replay/dist/index.js');
  const access = process.env.MEMORY_ACCESS ?? 'random';
  const dataset = Dataset.open(process.argv[3], access === 'none' ? {} : { accessPattern: access });
  let sum = 0;
  const prefetch = process.argv[4] === 'on' ? JSON.parse(process.env.MEMORY_PREFETCH ?? 'true') : false;
  // Main thread's time on CPU and waiting for one (runqueue) in ns (/proc/thread-self/schedstat): with
  // other processes competing for the CPUs, wall time minus both is the time the replay was blocked
  // (I/O, page locks), which a cold page cache adds.
  const schedstat = () => {
    try {
      const [run, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ').map(Number);
      return { run, wait };
    } catch {
      return null;
    }
  };
  const sched0 = schedstat();
  const usage0 = process.cpuUsage();
  const wall0 = performance.now();
  // The chunk API (the fastest way to read a replay); the consumer sums close in a local per chunk (a
  // `let` captured by a closure and updated per event would box a heap number per event).
  const replay = replayChunks(dataset, { columns: ['close'], prefetch, memory: { intervalMs: 1000 } });
  for (const chunk of replay) {
    const close = chunk.columns.close;
    let s = 0;
    for (let i = 0; i < chunk.length; i++) s += close[i];
    sum += s;
  }
  const stats = replay.stats();
  const wallMs = performance.now() - wall0;
  const usage = process.cpuUsage(usage0);
  const sched1 = schedstat();
  // Page-cache residency of the dataset at the end, measured after the clock stopped: the replay's own
  // sampler measures mincore within 1 % of its time (~19 ms per GiB mapped), so on a large dataset it
  // measures rarely.
  const { MemorySampler } = await import('../../packages/prefetch/dist/index.js');
  const residentAtEnd = new MemorySampler(dataset.symbols.map((s) => dataset.open(s).file)).sample()
    .residentFraction;
  const cpu =
    sched0 === null || sched1 === null
      ? null
      : {
          wallMs,
          onCpuMs: (sched1.run - sched0.run) / 1e6,
          runqueueMs: (sched1.wait - sched0.wait) / 1e6,
          blockedMs: wallMs - (sched1.run - sched0.run + sched1.wait - sched0.wait) / 1e6,
          // CPU time of the process split into user (merge, checksums, consumer) and system (page
          // faults, madvise, reads), ms.
          userMs: usage.user / 1000,
          systemMs: usage.system / 1000,
        };
  dataset.close();
  const { memorySamples, ...rest } = stats;
  console.log(
    JSON.stringify({ ...rest, cpu, residentAtEnd, samples: memorySamples.length, sum }, (_key, value) =>
      typeof value === 'bigint' ? String(value) : value,
    ),
  );
  process.exit(0);
}

const sizesGb = (process.env.MEMORY_SIZES_GB ?? '1,8,16').split(',').map(Number);
const symbols = Number(process.env.MEMORY_SYMBOLS ?? 2000);
const prefetchOptions = process.env.MEMORY_PREFETCH ?? 'library defaults';
/**
 * Segment size of the datasets this suite writes, MiB; undefined = one column file per symbol. Default: the
 * layout of `mmtape ingest` (`segmentMb: 'auto'`) for MEMORY_SYMBOLS symbols.
 */
const segmentMb = (() => {
  const env = process.env.MEMORY_SEGMENT_MB;
  if (env === undefined || env === '') return symbols >= AUTO_SEGMENT_MIN_FILES ? 1024 : undefined;
  const mb = Number(env);
  if (!(Number.isInteger(mb) && mb >= 0))
    throw new Error(`MEMORY_SEGMENT_MB must be an integer >= 0, got ${env}`);
  return mb === 0 ? undefined : mb;
})();
/** The layouts of the datasets replayed, as read from their files (see {@link layoutOf}). */
const layouts = new Set();
const modes = (process.env.MEMORY_MODES ?? 'on,off').split(',');
const access = process.env.MEMORY_ACCESS ?? 'random';
/** An existing dataset written by bench/synthetic.mjs (bars, MEMORY_SYMBOLS symbols) to replay instead. */
const existing = process.env.MEMORY_DATASET;
const runs = Number(process.env.MEMORY_RUNS ?? 1);
if (!(Number.isInteger(runs) && runs >= 1))
  throw new Error(`MEMORY_RUNS must be an integer >= 1, got ${runs}`);
const resultsName = process.env.MEMORY_RESULTS ?? 'replay-memory';

/** The layout of the dataset in `dir`, from its files: segment files (count, largest) or one file per symbol. */
function layoutOf(dir) {
  const names = readdirSync(dir, { recursive: true }).map(String);
  const segments = names.filter((name) => name.endsWith('.mmseg'));
  if (segments.length === 0) {
    return `one column file per symbol (${names.filter((name) => name.endsWith('.col')).length} files)`;
  }
  const largest = Math.max(...segments.map((name) => statSync(join(dir, name)).size));
  const byDefault = symbols >= AUTO_SEGMENT_MIN_FILES && process.env.MEMORY_SEGMENT_MB === undefined;
  return `${segments.length} segment file${segments.length === 1 ? '' : 's'} of at most ${fmt(largest / 2 ** 20, 0)} MiB${byDefault ? ` (the default of \`mmtape ingest\` from ${AUTO_SEGMENT_MIN_FILES} column files)` : ''}`;
}

/**
 * Sequential read bandwidth of the device under `dir`, bytes/s: `dd iflag=direct bs=4M` (O_DIRECT, so
 * the page cache neither helps nor is filled) over the dataset's files, evenly spread, until at least
 * `minBytes` (or every file) was read. Returns { bytes, seconds, bytesPerSecond, files }.
 */
function directReadBandwidth(dir, minBytes) {
  const files = readdirSync(dir, { recursive: true })
    .map(String)
    .filter((name) => name.endsWith('.col') || name.endsWith('.mmseg'))
    .sort()
    .map((name) => join(dir, name));
  const total = files.reduce((sum, f) => sum + statSync(f).size, 0);
  const every = Math.max(1, Math.floor(total / Math.max(minBytes, 1)));
  const chosen = files.filter((_, i) => i % every === 0);
  let bytes = 0;
  const t0 = performance.now();
  for (const f of chosen) {
    const r = spawnSync('dd', [`if=${f}`, 'of=/dev/null', 'iflag=direct', 'bs=4M', 'status=none']);
    if (r.status !== 0) throw new Error(`dd iflag=direct failed on ${f}: ${r.stderr}`);
    bytes += statSync(f).size;
  }
  const seconds = (performance.now() - t0) / 1000;
  return { bytes, seconds, bytesPerSecond: bytes / seconds, files: chosen.length };
}

/**
 * What the VM does with freed memory: with virtio-balloon free page reporting (Linux
 * `page_reporting`), free blocks of 2^order pages are handed back to the host, so a page-cache page
 * allocated from them costs a host fault on its first touch (measured here: ~10 s of a 49 s cold
 * replay of 32 GB). Order above 10 means reporting is paused (no block is that large).
 */
function pageReporting() {
  try {
    const order = Number(readFileSync('/sys/module/page_reporting/parameters/page_reporting_order', 'utf8'));
    return order > 10
      ? 'Free page reporting (virtio-balloon) paused for this run (page_reporting_order > 10): freed page-cache pages stay backed by the host.'
      : `Free page reporting (virtio-balloon) on, order ${order}: the cold page cache is built from pages the host must fault in on first touch.`;
  } catch {
    return 'No free page reporting (bare metal or no virtio-balloon).';
  }
}

/**
 * Evicts `dir`'s files from the page cache: `sync`, then drop_caches when writable (root), else
 * posix_fadvise(DONTNEED) on every file through `dd iflag=nocache count=0`. Returns the method used.
 */
function evictPageCache(dir) {
  spawnSync('sync');
  try {
    writeFileSync('/proc/sys/vm/drop_caches', '1');
    return 'drop_caches';
  } catch {
    for (const name of readdirSync(dir, { recursive: true })) {
      if (String(name).endsWith('.col') || String(name).endsWith('.mmseg'))
        spawnSync('dd', [`if=${join(dir, String(name))}`, 'iflag=nocache', 'count=0', 'status=none']);
    }
    return 'fadvise DONTNEED';
  }
}
function saveResults() {
  writeResults(resultsName, {
    summary:
      'Full replay of synthetic bar datasets (ts + OHLCV, consumer reads close) with the sliding-window prefetcher on and off, ' +
      `dataset opened with ${access === 'none' ? 'the kernel default access pattern (read-around)' : `accessPattern '${access}'`}, ` +
      'needed bytes = replayed rows of ts + close × 8 bytes; device bytes = /proc/self/io read_bytes of the replay process over the run; ' +
      'MB/s = needed bytes / wall time of the replay (open included); seq. MB/s = dd iflag=direct bs=4M over the dataset files in the same run; ' +
      "on CPU / waiting for CPU = the replay thread's run and runqueue time (/proc/thread-self/schedstat), blocked = wall - both (I/O and page-lock waits); " +
      'CPU user / system = process.cpuUsage() of the replay process (user: merge, checksums, consumer; system: pread, page faults, madvise); ' +
      "rows read = ReplayStats.reads: 'windows' when the merge copies rows out with pread into windows of its own while the helper reads ahead (no page of the data mapped), 'mapping' through the mapped files; " +
      'the replay reads chunks (replayChunks), the consumer sums close; ' +
      'MB/s without CPU wait = needed bytes / (on CPU + blocked), the rate on a CPU not shared with other processes; ' +
      `starting from a cold page cache (dataset evicted before each run: ${eviction}). ` +
      'Peak RSS is VmHWM of a fresh process per run; anon/file peaks are sampled every second from /proc/self/status; ' +
      'helper peak RSS = VmHWM of the WILLNEED helper process (prefetch on, cold data); helper private = its Private_Clean + Private_Dirty (smaps_rollup, when it stopped: its heap; the rest of its RSS is the Node binary and libraries, pages the replay process maps too), added to the replay\'s peak RSS in "peak RSS / dataset" (the physical footprint of both; "with helper RSS" adds its whole peak RSS instead); its device reads are in "device GB"; ' +
      'resident at end = mincore over all files after the replay (page cache, which DONTNEED does not empty for shared file mappings). ' +
      `${pageReporting()} ` +
      `Prefetch window options: ${prefetchOptions}. Layout: ${[...layouts].join('; ')}.`,
    tables: [
      {
        title: 'Replay memory vs dataset size',
        data: `synthetic bars, ${symbols} symbols (bench/synthetic.mjs, seed 42), ${existing === undefined ? `sizes ${sizesGb.join(', ')} GB` : `the dataset ${existing}`}`,
        peer: 'none (prefetch off is the baseline)',
        columns: [
          'dataset',
          'round',
          'prefetch',
          'rows read',
          'needed GB',
          'device GB',
          'amplification',
          'MB/s',
          'seq. MB/s',
          'of seq.',
          'replay s',
          'on CPU s',
          'CPU user / system s',
          'waiting for CPU s',
          'blocked s',
          'MB/s without CPU wait',
          'M events/s',
          'peak RSS MiB',
          'peak anon MiB',
          'peak file MiB',
          'helper peak RSS MiB',
          'helper private MiB',
          'peak RSS / dataset',
          'with helper RSS',
          'resident at end (page cache)',
          'madvise calls',
        ],
        rows,
      },
      ...(runs > 1 ? [medianTable()] : []),
    ],
    raw,
  });
}

/**
 * Peak RSS of the replay plus the memory only its prefetch helper process holds (the physical footprint of
 * both: the rest of the helper's RSS is the Node binary and libraries, which the replay maps too), bytes.
 */
function footprintBytes(r) {
  return r.peakRssBytes + Math.max(0, r.prefetchWorkerPrivateBytes ?? 0);
}

/** Median and range over the rounds of each (dataset, prefetch): MB/s, its share of that round's dd, RSS. */
function medianTable() {
  const median = (xs) => {
    const sorted = [...xs].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  };
  const range = (xs, digits = 0) => `${fmt(Math.min(...xs), digits)}–${fmt(Math.max(...xs), digits)}`;
  const groups = new Map();
  for (const r of raw) {
    const key = `${r.datasetBytes} ${r.mode}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(r);
  }
  const out = [];
  for (const group of groups.values()) {
    const mbs = group.map((r) => r.neededBytesPerSecond / 1e6);
    const dd = group.map((r) => r.sequentialRead.bytesPerSecond / 1e6);
    const share = group.map((r) => (100 * r.neededBytesPerSecond) / r.sequentialRead.bytesPerSecond);
    const ampl = group.map((r) => r.readAmplification);
    const rss = group.map((r) => (100 * footprintBytes(r)) / r.datasetBytes);
    out.push([
      `${fmt(group[0].datasetBytes / 1e9, 1)} GB`,
      group[0].mode,
      String(group.length),
      `${fmt(median(mbs))} (${range(mbs)})`,
      `${fmt(median(dd))} (${range(dd)})`,
      `${fmt(median(share))} % (${range(share)} %)`,
      `${fmt(median(ampl), 2)}× (${range(ampl, 2)}×)`,
      `${fmt(median(rss), 2)} % (${range(rss, 2)} %)`,
    ]);
  }
  return {
    title: 'Median over the rounds (range in brackets)',
    data: 'the runs of the first table; "of seq." is each run against the dd of its own round',
    peer: 'none',
    columns: [
      'dataset',
      'prefetch',
      'runs',
      'MB/s',
      'seq. MB/s',
      'of seq.',
      'amplification',
      'peak RSS / dataset',
    ],
    rows: out,
  };
}
let eviction = 'none';
const base = mkdtempSync(join(process.env.MEMORY_DIR ?? tmpdir(), 'mmtape-bench-memory-'));
const rows = [];
const raw = [];
try {
  for (const gb of existing === undefined ? sizesGb : [Number.NaN]) {
    let dir = existing;
    let rowsPerSymbol;
    if (dir === undefined) {
      const free = statfsSync(base).bavail * statfsSync(base).bsize;
      const bytes = gb * 1e9;
      if (bytes > free * 0.8) throw new Error(`need ${gb} GB on ${base}, ${(free / 1e9).toFixed(1)} GB free`);
      dir = join(base, `synth-${gb}gb`);
      rowsPerSymbol = Math.floor(bytes / BYTES_PER_ROW / symbols);
      const t0 = performance.now();
      writeSyntheticDataset(dir, {
        symbols,
        rowsPerSymbol,
        kind: 'bars',
        seed: 42,
        segmentBytes: segmentMb === undefined ? undefined : segmentMb * 2 ** 20,
      });
      console.log(
        `wrote ${gb} GB (${symbols} × ${rowsPerSymbol} rows) in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
      );
    } else {
      // Through Dataset.open: a dataset root with generations (CURRENT) or a folder with manifest.json.
      const { Dataset } = await import('../../packages/columnar-format/dist/index.js');
      const dataset = Dataset.open(dir);
      try {
        if (dataset.symbols.length !== symbols) {
          throw new Error(
            `MEMORY_DATASET has ${dataset.symbols.length} symbols, MEMORY_SYMBOLS says ${symbols}`,
          );
        }
        rowsPerSymbol = dataset.open(dataset.symbols[0]).rowCount;
      } finally {
        dataset.close();
      }
      console.log(`using ${dir} (${symbols} × ${rowsPerSymbol} rows), kept afterwards`);
    }
    const datasetBytes = symbols * rowsPerSymbol * BYTES_PER_ROW;
    layouts.add(layoutOf(dir));
    for (let round = 1; round <= runs; round++) {
      const seq = directReadBandwidth(dir, 2e9);
      console.log(
        `dd iflag=direct: ${fmt(seq.bytes / 1e9, 2)} GB in ${seq.files} files, ${fmt(seq.bytesPerSecond / 1e6)} MB/s`,
      );
      for (const prefetch of modes) {
        eviction = evictPageCache(dir);
        const out = execFileSync(
          process.execPath,
          [fileURLToPath(import.meta.url), '--child', dir, prefetch],
          {
            encoding: 'utf8',
            maxBuffer: 1 << 26,
          },
        );
        const r = JSON.parse(out.trim().split('\n').pop());
        const neededPerSecond = r.neededBytes / (r.elapsedMs / 1000);
        raw.push({
          gb,
          round,
          mode: prefetch,
          prefetch,
          access,
          datasetBytes,
          sequentialRead: seq,
          neededBytesPerSecond: neededPerSecond,
          ...r,
        });
        rows.push([
          `${fmt(datasetBytes / 1e9, 1)} GB`,
          String(round),
          prefetch,
          r.reads === 'windows' ? 'windows (pread)' : 'mapping',
          fmt(r.neededBytes / 1e9, 2),
          fmt(r.deviceReadBytes / 1e9, 2),
          `${fmt(r.readAmplification, 2)}×`,
          fmt(neededPerSecond / 1e6),
          fmt(seq.bytesPerSecond / 1e6),
          `${fmt((100 * neededPerSecond) / seq.bytesPerSecond)} %`,
          fmt(r.elapsedMs / 1000, 1),
          r.cpu === null ? '–' : fmt(r.cpu.onCpuMs / 1000, 1),
          r.cpu === null ? '–' : `${fmt(r.cpu.userMs / 1000, 1)} / ${fmt(r.cpu.systemMs / 1000, 1)}`,
          r.cpu === null ? '–' : fmt(r.cpu.runqueueMs / 1000, 1),
          r.cpu === null ? '–' : fmt(r.cpu.blockedMs / 1000, 1),
          r.cpu === null ? '–' : fmt(r.neededBytes / 1e3 / (r.cpu.onCpuMs + r.cpu.blockedMs)),
          fmt(r.eventsPerSecond / 1e6, 2),
          fmt(r.peakRssBytes / 2 ** 20),
          fmt(r.peakRssAnonBytes / 2 ** 20),
          fmt(r.peakRssFileBytes / 2 ** 20),
          r.prefetchWorkerPeakRssBytes > 0 ? fmt(r.prefetchWorkerPeakRssBytes / 2 ** 20) : '–',
          r.prefetchWorkerPrivateBytes > 0 ? fmt(r.prefetchWorkerPrivateBytes / 2 ** 20) : '–',
          `${fmt((100 * footprintBytes(r)) / datasetBytes, 2)} %`,
          `${fmt((100 * (r.peakRssBytes + Math.max(0, r.prefetchWorkerPeakRssBytes))) / datasetBytes, 2)} %`,
          `${fmt(100 * r.residentAtEnd, 1)} %`,
          r.prefetch === null ? '–' : fmt(r.prefetch.willneedCalls + r.prefetch.dontneedCalls),
        ]);
        console.log(rows.at(-1).join(' | '));
        saveResults(); // after every run: a long run that is stopped keeps the rows measured so far
      }
    }
    if (existing === undefined) rmSync(dir, { recursive: true, force: true });
  }
} finally {
  rmSync(base, { recursive: true, force: true });
}
