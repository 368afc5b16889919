// Does the design's bounded map pool (`MmapPool`, once in @mmtape/mmap-core) or its symbol window
// (`SymbolWindowPrefetcher`, once in @mmtape/prefetch) help mmtape's own work on datasets stored one file
// per symbol? Each run is its own child process (peak RSS per run), every walk starts from a cold page
// cache. Both were measured here and removed (numbers and reasons: the READMEs of both packages); this suite keeps their policies as the two small functions `lruMaps` and
// `symbolWindow` below so the question can be asked again on other hardware.
//
// (a) open + read every symbol: `Dataset.open` + `ds.open(symbol)` (today: every file stays mapped until
//     `ds.close()`) against the same files mapped under `MmapPool`'s policy, 100 maps (cold maps released:
//     DONTNEED, then dropped). Time, peak RSS (VmHWM, RssFile), live mappings (lines of /proc/self/maps).
// (a') repeated open: ROUNDS x (open the dataset, read `close` of every symbol, close it) in one
//     synchronous loop, direct vs pool, then direct yielding to the event loop between rounds. Live
//     mappings after each round, and how the run ends (`vm.max_map_count` is read from /proc).
// (b) symbol-ordered walks from a cold page cache (drop_caches): read every column of every symbol,
//     export-like CSV formatting, and the walk-forward panel load (`buildPanel`, a timestamp merge),
//     without and with `SymbolWindowPrefetcher`'s policy (-50/+100 symbols) advising each file WILLNEED ahead.
//
// Data: synthetic bars (bench/synthetic.mjs, seed 42, one file per symbol) and
// ../shared/data/sp500-5yr-daily ingested through the CLI with `--segment-mb 0` (one file per symbol).
// Env: POOL_SYMBOLS (3000), POOL_ROWS (2000), POOL_ROUNDS (40), POOL_REPEAT (3, cold runs per cell),
// POOL_SKIP_SHARED=1, POOL_SECTIONS (default `read,repeat,walk`), POOL_RESULTS (results name, default
// `pool-window`).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, machine, REPO, SHARED_DATA, writeResults } from '../lib.mjs';

const SELF = fileURLToPath(import.meta.url);
const dist = (pkg) => join(REPO, 'packages', pkg, 'dist', 'index.js');

// ---------------------------------------------------------------------------------------------- child
if (process.argv[2] === '--child') {
  const job = JSON.parse(process.argv[3]);
  const { ColumnFile, Dataset, formatTimestampNs } = await import(dist('columnar-format'));
  const { MappedFile } = await import(dist('mmap-core'));
  const { buildPanel } = await import(dist('walk-forward'));

  const liveMaps = () => readFileSync('/proc/self/maps', 'utf8').split('\n').length - 1;
  const status = () => {
    const s = readFileSync('/proc/self/status', 'utf8');
    const kib = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? -1) * 1024;
    return { peakRssBytes: kib('VmHWM'), rssFileBytes: kib('RssFile'), rssAnonBytes: kib('RssAnon') };
  };
  let peakRssFileBytes = 0;
  let peakMaps = 0;
  const sample = () => {
    peakRssFileBytes = Math.max(peakRssFileBytes, status().rssFileBytes);
    peakMaps = Math.max(peakMaps, liveMaps());
  };
  const pathOf = (ds, s) => join(ds.generationDir, ds.partitions(s)[0].file);
  let sink = 0;
  const readAll = (file) => {
    for (const c of file.columns) {
      const v = c.dtype === 'i64' ? file.i64(c.name) : file.f64(c.name);
      for (let i = 0; i < v.length; i += 1) sink += Number(v[i]);
    }
  };
  const toCsv = (file) => {
    const ts = file.timestampsNs();
    const cols = file.columns.filter((c) => c.name !== 'ts').map((c) => file.f64(c.name));
    let text = '';
    for (let i = 0; i < ts.length; i++) {
      text += `${file.symbol},${formatTimestampNs(ts[i])}`;
      for (const c of cols) text += `,${c[i]}`;
      text += '\n';
    }
    sink += text.length;
  };
  /**
   * The policy of the removed `MmapPool`: at most `maxActiveMaps` files mapped; mapping one more first
   * releases the least recently used (DONTNEED over the whole file, then the reference dropped).
   */
  const lruMaps = (maxActiveMaps) => {
    const lru = new Map();
    const stats = { maps: 0, releases: 0 };
    return {
      stats,
      map(path) {
        const hit = lru.get(path);
        if (hit) {
          lru.delete(path);
          lru.set(path, hit);
          return hit;
        }
        while (lru.size >= maxActiveMaps) {
          const [victimPath, victim] = lru.entries().next().value;
          lru.delete(victimPath);
          victim.advise('dontneed');
          victim.close();
          stats.releases++;
        }
        const mapped = MappedFile.open(path);
        stats.maps++;
        lru.set(path, mapped);
        return mapped;
      },
      close() {
        for (const m of lru.values()) m.close();
        lru.clear();
      },
    };
  };
  /** A whole file advised through its own mapping, made (untouched: PROT_READ, MADV_RANDOM) at first advice. */
  const lazyFile = (path) => {
    let mapped;
    return (advice) => {
      mapped ??= MappedFile.open(path, { accessPattern: 'random' });
      mapped.advise(advice);
      if (advice === 'dontneed') {
        mapped.close();
        mapped = undefined;
      }
    };
  };
  /**
   * The policy of the removed `SymbolWindowPrefetcher` over whole files: `visit(i)` advises WILLNEED
   * files `i … i + aheadSymbols` not advised yet and DONTNEED advised files before `i - behindSymbols`.
   */
  const symbolWindow = (advisers, aheadSymbols = 100, behindSymbols = 50) => {
    const state = new Uint8Array(advisers.length); // 0 never advised, 1 WILLNEED, 2 released
    const stats = { willneedCalls: 0, dontneedCalls: 0 };
    let releaseCursor = 0;
    const release = (i) => {
      if (state[i] !== 1) return;
      advisers[i]('dontneed');
      state[i] = 2;
      stats.dontneedCalls++;
    };
    return {
      stats,
      visit(index) {
        for (let i = index; i <= Math.min(index + aheadSymbols, advisers.length - 1); i++) {
          if (state[i] === 1) continue;
          advisers[i]('willneed');
          state[i] = 1;
          stats.willneedCalls++;
        }
        for (; releaseCursor < index - behindSymbols; releaseCursor++) release(releaseCursor);
      },
      finish() {
        for (let i = 0; i < advisers.length; i++) release(i);
      },
    };
  };

  const t0 = process.hrtime.bigint();
  const out = { job };
  try {
    if (job.mode === 'read-all') {
      const ds = Dataset.open(job.dir);
      const pool = job.via === 'pool' ? lruMaps(100) : undefined;
      for (const [i, s] of ds.symbols.entries()) {
        if (pool) {
          const path = pathOf(ds, s);
          readAll(ColumnFile.fromMapping(path, pool.map(path)));
        } else readAll(ds.open(s));
        if (i % 50 === 0) sample();
      }
      sample();
      out.mapsBeforeClose = liveMaps();
      out.pool = pool?.stats;
      pool?.close();
      ds.close();
      // Page-cache residency (mincore through a fresh, untouched mapping) of the first 100 files: what a
      // release (DONTNEED) gives back is the process's page-table entries, not the cached pages.
      let resident = 0;
      let total = 0;
      for (const s of ds.symbols.slice(0, 100)) {
        const m = MappedFile.open(pathOf(ds, s), { accessPattern: 'random' });
        const r = m.residency();
        resident += r.residentBytes;
        total += r.totalBytes;
        m.close();
      }
      out.firstFilesCachedFraction = total > 0 ? resident / total : Number.NaN;
    } else if (job.mode === 'repeat-open') {
      out.mapsPerRound = [];
      const pool = job.via === 'pool' ? lruMaps(100) : undefined;
      for (let r = 0; r < job.rounds; r++) {
        const ds = Dataset.open(job.dir);
        for (const s of ds.symbols) {
          if (pool) {
            const path = pathOf(ds, s);
            sink += ColumnFile.fromMapping(path, pool.map(path)).f64('close')[0];
          } else sink += ds.open(s).f64('close')[0];
        }
        ds.close();
        if (job.yieldBetweenRounds) await new Promise((resolve) => setImmediate(resolve));
        const maps = liveMaps();
        out.mapsPerRound.push(maps);
        peakMaps = Math.max(peakMaps, maps);
        out.roundsDone = r + 1;
        process.stderr.write(`ROUND ${r + 1} ${maps}\n`);
      }
      out.pool = pool?.stats;
    } else if (job.mode === 'walk') {
      const ds = Dataset.open(job.dir, { accessPattern: job.accessPattern });
      let prefetcher;
      if (job.prefetch) {
        const advisers = ds.symbols.map((s) => lazyFile(pathOf(ds, s)));
        prefetcher = job.work === 'panel' ? symbolWindow(advisers, advisers.length) : symbolWindow(advisers);
      }
      if (job.work === 'panel') {
        prefetcher?.visit(0);
        sink += buildPanel(ds).timestampsNs.length;
      } else {
        for (const [i, s] of ds.symbols.entries()) {
          prefetcher?.visit(i);
          const file = ds.open(s);
          if (job.work === 'csv') toCsv(file);
          else readAll(file);
          if (i % 50 === 0) sample();
        }
      }
      prefetcher?.finish();
      out.prefetch = prefetcher?.stats;
      sample();
      ds.close();
    }
    out.ok = true;
  } catch (e) {
    out.ok = false;
    out.error = `${e?.code ?? e?.name}: ${String(e?.message).split('\n')[0]}`;
  }
  out.ms = Number(process.hrtime.bigint() - t0) / 1e6;
  out.peakMaps = peakMaps;
  out.peakRssFileBytes = peakRssFileBytes;
  Object.assign(out, status());
  out.sink = sink;
  console.log(`RESULT ${JSON.stringify(out)}`);
  process.exit(0);
}

// --------------------------------------------------------------------------------------------- parent
const SYMBOLS = Number(process.env.POOL_SYMBOLS ?? 3000);
const ROWS = Number(process.env.POOL_ROWS ?? 2000);
const ROUNDS = Number(process.env.POOL_ROUNDS ?? 40);
const REPEAT = Number(process.env.POOL_REPEAT ?? 3);
const SECTIONS = (process.env.POOL_SECTIONS ?? 'read,repeat,walk').split(',');
const RESULTS_NAME = process.env.POOL_RESULTS ?? 'pool-window';
const maxMapCount = Number(readFileSync('/proc/sys/vm/max_map_count', 'utf8'));

function dropCaches() {
  spawnSync('sync');
  try {
    writeFileSync('/proc/sys/vm/drop_caches', '3');
    return true;
  } catch {
    return false;
  }
}

/** Runs one job in a child process; returns its RESULT, or { ok: false, crashed } with the exit status. */
function run(job, { cold = false } = {}) {
  if (cold && !dropCaches()) throw new Error('cannot drop caches (needs root): cold runs impossible');
  const r = spawnSync(process.execPath, ['--expose-gc', SELF, '--child', JSON.stringify(job)], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (line) return JSON.parse(line.slice(7));
  // A crash loses the RESULT line: the rounds completed and the live maps after each come from stderr.
  const rounds = [...(r.stderr || '').matchAll(/^ROUND (\d+) (\d+)$/gm)].map((m) => Number(m[2]));
  const progress =
    rounds.length > 0
      ? { roundsDone: rounds.length, mapsPerRound: rounds, peakMaps: Math.max(...rounds) }
      : {};
  const tail = (r.stderr || '')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('ROUND '))
    .slice(0, 3)
    .join(' / ')
    .slice(0, 300);
  return { job, ok: false, crashed: true, status: r.status, signal: r.signal, error: tail, ...progress };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mb = (b) => fmt(b / 2 ** 20, 0);

const tmp = mkdtempSync(join(tmpdir(), 'mmtape-bench-pool-'));
const datasets = [];
const raw = { maxMapCount, runs: [] };
const tables = [];
try {
  const { writeSyntheticDataset } = await import(join(REPO, 'bench', 'synthetic.mjs'));
  const synth = join(tmp, 'synth');
  const w = writeSyntheticDataset(synth, { symbols: SYMBOLS, rowsPerSymbol: ROWS, kind: 'bars', seed: 42 });
  datasets.push({
    name: `synthetic ${fmt(SYMBOLS)} symbols x ${fmt(ROWS)} bars`,
    dir: synth,
    bytes: w.bytes,
  });
  if (process.env.POOL_SKIP_SHARED !== '1') {
    const sp = join(tmp, 'sp500');
    execFileSync(
      process.execPath,
      [
        join(REPO, 'apps/cli/dist/bin.js'),
        'ingest',
        join(SHARED_DATA, 'sp500-5yr-daily'),
        '--out',
        sp,
        '--quiet',
        '--segment-mb',
        '0',
      ],
      { stdio: 'inherit' },
    );
    const du = Number(execFileSync('du', ['-sb', sp], { encoding: 'utf8' }).split('\t')[0]);
    datasets.push({ name: 'sp500-5yr-daily (ingested, one file per symbol)', dir: sp, bytes: du });
  }

  // (a) open + read every symbol, warm and cold
  const aRows = [];
  for (const d of SECTIONS.includes('read') ? datasets : []) {
    for (const cold of [false, true]) {
      for (const via of ['direct', 'pool']) {
        const runs = [];
        for (let k = 0; k < REPEAT; k++) runs.push(run({ mode: 'read-all', dir: d.dir, via }, { cold }));
        raw.runs.push(...runs);
        const ok = runs.filter((x) => x.ok);
        aRows.push([
          d.name,
          cold ? 'cold' : 'warm',
          via === 'pool' ? 'MmapPool policy (100 maps)' : 'Dataset (today)',
          fmt(median(ok.map((x) => x.ms)), 0),
          mb(median(ok.map((x) => x.peakRssBytes))),
          mb(median(ok.map((x) => x.peakRssFileBytes))),
          fmt(median(ok.map((x) => x.peakMaps))),
          fmt(100 * median(ok.map((x) => x.firstFilesCachedFraction)), 0),
          `${ok.length}/${runs.length}`,
        ]);
        console.log(aRows.at(-1).join(' | '));
      }
    }
  }
  tables.push({
    title: 'Open and read every column of every symbol (one process per run, median of runs)',
    data: datasets.map((d) => `${d.name}: ${mb(d.bytes)} MiB`).join('; '),
    peer: 'Dataset.open + ds.open(symbol) (today) vs the same files mapped under the policy of MmapPool({ maxActiveMaps: 100 }) (lruMaps)',
    columns: [
      'dataset',
      'cache',
      'open via',
      'ms',
      'peak RSS MiB',
      'peak RssFile MiB',
      'peak live maps',
      'first 100 files in page cache after, %',
      'ok',
    ],
    rows: aRows,
    notes: [
      'peak live maps: most lines of /proc/self/maps seen (sampled every 50 symbols), the whole process (Node itself has ~100-200).',
      'RssFile is page cache mapped into the process: reclaimable, but it is what VmHWM (peak RSS) reports.',
      'first 100 files in page cache after: mincore over a fresh mapping of the first 100 files once the walk is done; the pool released (DONTNEED) those files long before, yet their pages are still cached.',
    ],
  });

  // (a') repeated open
  const bRows = [];
  const d0 = datasets[0];
  const repeatCells = [
    ['direct', false],
    ['pool', false],
    ['direct', true],
  ];
  for (const [via, yieldBetweenRounds] of SECTIONS.includes('repeat') ? repeatCells : []) {
    const r = run({ mode: 'repeat-open', dir: d0.dir, via, rounds: ROUNDS, yieldBetweenRounds });
    raw.runs.push(r);
    bRows.push([
      via === 'pool' ? 'MmapPool policy (100 maps)' : 'Dataset (today)',
      yieldBetweenRounds ? 'yes (setImmediate)' : 'no',
      `${r.roundsDone ?? '?'}/${ROUNDS}`,
      fmt(r.peakMaps ?? Number.NaN),
      r.mapsPerRound ? r.mapsPerRound.filter((_, i) => i % 5 === 4).join(', ') : '',
      r.ok
        ? 'finished'
        : `${r.crashed ? `crashed (status ${r.status}, ${r.signal ?? 'no signal'})` : 'threw'}: ${r.error ?? ''}`,
      fmt(r.ms ?? Number.NaN, 0),
    ]);
    console.log(bRows.at(-1).join(' | '));
  }
  tables.push({
    title: `Repeated open: ${ROUNDS} rounds of (Dataset.open, read close[0] of every symbol, close) in one process`,
    data: `${d0.name}; vm.max_map_count = ${fmt(maxMapCount)}`,
    peer: 'Dataset (today) vs the policy of MmapPool({ maxActiveMaps: 100 }) (lruMaps) shared across rounds; and today with a yield to the event loop between rounds',
    columns: [
      'open via',
      'yield between rounds',
      'rounds done',
      'peak live maps',
      'live maps after rounds 5, 10, ...',
      'outcome',
      'ms',
    ],
    rows: bRows,
    notes: [
      "The native binding (`@riaskov/mmap-io`) has no explicit munmap: a mapping is unmapped when its Buffer is garbage collected, and Node runs that finalizer from an immediate. A pool's release (DONTNEED + drop) therefore frees pages at once but the mapping itself only when the event loop turns, like today's close.",
      'rounds done counts rounds completed before the process ended; "crashed" is the child dying (abort), "threw" an error caught in JavaScript.',
    ],
  });

  // (b) cold symbol-ordered walks, with and without the symbol window
  const cRows = [];
  for (const d of SECTIONS.includes('walk') ? datasets : []) {
    for (const work of ['read', 'csv', 'panel']) {
      for (const accessPattern of [undefined, 'random']) {
        const cell = {};
        for (const prefetch of [false, true]) {
          const runs = [];
          for (let k = 0; k < REPEAT; k++) {
            runs.push(run({ mode: 'walk', dir: d.dir, work, prefetch, accessPattern }, { cold: true }));
          }
          raw.runs.push(...runs);
          const ok = runs.filter((x) => x.ok);
          cell[prefetch] = {
            ms: median(ok.map((x) => x.ms)),
            rss: median(ok.map((x) => x.peakRssBytes)),
            runs,
          };
        }
        cRows.push([
          d.name,
          work,
          accessPattern ?? 'kernel default',
          fmt(cell.false.ms, 0),
          fmt(cell.true.ms, 0),
          fmt(cell.true.ms / cell.false.ms, 2),
          mb(cell.false.rss),
          mb(cell.true.rss),
          cell.false.runs.map((x) => fmt(x.ms, 0)).join(' / '),
          cell.true.runs.map((x) => fmt(x.ms, 0)).join(' / '),
        ]);
        console.log(cRows.at(-1).join(' | '));
      }
    }
  }
  tables.push({
    title: `Cold symbol-ordered walks without / with SymbolWindowPrefetcher (-50/+100), median of ${REPEAT} cold runs (loaded)`,
    data: datasets.map((d) => `${d.name}: ${mb(d.bytes)} MiB`).join('; '),
    peer: 'the same walk without the prefetcher, same run, page cache dropped before every run',
    columns: [
      'dataset',
      'work',
      'access pattern',
      'ms without',
      'ms with',
      'with / without',
      'peak RSS MiB without',
      'peak RSS MiB with',
      'runs without',
      'runs with',
    ],
    rows: cRows,
    notes: [
      'read: every column of every symbol summed, symbols in manifest order. csv: every row formatted as CSV text (ISO timestamps), as `mmtape export --format csv` does. panel: `buildPanel` of @mmtape/walk-forward (a timestamp-ordered merge over every symbol, not a symbol walk): with the prefetcher every file is advised WILLNEED before the merge opens them (window = all symbols).',
      'with: each file is advised WILLNEED as a whole, through its own mapping made at advice time and released (DONTNEED) 50 symbols behind, without touching a page (PROT_READ map, MADV_RANDOM).',
      'loaded: other jobs shared the 2 cores and the disk during the runs; spread shown in the runs columns.',
    ],
  });
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

writeResults(RESULTS_NAME, {
  summary: `Machine ${machine().cpu}; vm.max_map_count ${fmt(maxMapCount)}; read_ahead_kb of the data disk ${(() => {
    try {
      return readFileSync('/sys/block/vda/queue/read_ahead_kb', 'utf8').trim();
    } catch {
      return 'unknown';
    }
  })()}. Command: \`pnpm bench pool-window\` (POOL_SYMBOLS=${SYMBOLS}, POOL_ROWS=${ROWS}, POOL_ROUNDS=${ROUNDS}, POOL_REPEAT=${REPEAT}, POOL_SECTIONS=${SECTIONS.join(',')}).`,
  tables: tables.filter((t) => t.rows.length > 0),
  raw,
});
