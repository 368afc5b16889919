// Checksum block size of the column file (FORMAT.md, "Block checksums"): what verified reads cost per
// block size. One seeded file of ROWS rows (ts i64 + close f64, 16 bytes a row) written with each block
// size; for each: (1) a full check (ColumnFile.verify(): XXH64 of every block), (2) the replay's lazy
// pattern (verifyRows of ts and close, 64 rows at a time, as the merge stages rows), (3) a fresh open plus
// one binary search (lowerBoundRow: only the probed rows' blocks are hashed), reported as bytes hashed.
// Best of REPEAT runs, page cache warm. Env: BLOCKS_ROWS (default 4,194,304 = 64 MiB of columns).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ColumnFile, writeColumnFile } from '../../packages/columnar-format/dist/index.js';
import { fmt, writeResults } from '../lib.mjs';
import { mulberry32 } from '../synthetic.mjs';

const ROWS = Number(process.env.BLOCKS_ROWS ?? 4 * 2 ** 20);
const REPEAT = 7;
const BLOCK_SIZES = [4096, 16_384, 65_536, 262_144, 1_048_576];
const tmp = mkdtempSync(join(tmpdir(), 'mmtape-bench-blocks-'));

const rand = mulberry32(42);
const ts = BigInt64Array.from(
  { length: ROWS },
  (_, i) => 1_700_000_000_000_000_000n + BigInt(i) * 1_000_000n,
);
let price = 100;
const close = Float64Array.from({ length: ROWS }, () => {
  price *= 1 + (rand() - 0.5) * 1e-3;
  return price;
});
const columnBytes = ROWS * 16;

function bestMs(fn) {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < REPEAT; i++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

const rows = [];
const raw = [];
try {
  // Reference: reading the same bytes without any check (a sum over both columns, as a consumer would).
  const path0 = join(tmp, 'plain.col');
  writeColumnFile(
    path0,
    {
      symbol: 'X',
      columns: [
        { name: 'ts', dtype: 'i64', data: ts },
        { name: 'close', dtype: 'f64', data: close },
      ],
    },
    { fsync: false },
  );
  const readMs = bestMs(() => {
    const f = ColumnFile.open(path0, { verify: false });
    const t = f.timestampsNs();
    const c = f.f64('close');
    let s = 0;
    let x = 0n;
    for (let i = 0; i < c.length; i++) s += c[i];
    for (let i = 0; i < t.length; i += 64) x ^= t[i];
    f.close();
    if (Number.isNaN(s) && x === 1n) console.log('');
  });
  for (const blockBytes of BLOCK_SIZES) {
    const path = join(tmp, `b${blockBytes}.col`);
    writeColumnFile(
      path,
      {
        symbol: 'X',
        columns: [
          { name: 'ts', dtype: 'i64', data: ts },
          { name: 'close', dtype: 'f64', data: close },
        ],
      },
      { checksumBlockBytes: blockBytes, fsync: false },
    );
    const fullMs = bestMs(() => {
      const f = ColumnFile.open(path);
      f.verify();
      f.close();
    });
    const lazyMs = bestMs(() => {
      const f = ColumnFile.open(path);
      let ready = 0;
      for (let row = 0; row < ROWS; row += 64) {
        const end = Math.min(ROWS, row + 64);
        if (end > ready) ready = Math.min(f.verifyRows('ts', ready, end), f.verifyRows('close', ready, end));
      }
      f.close();
    });
    // Bytes hashed by one open + binary search: the probed rows' blocks of ts.
    const probes = Math.ceil(Math.log2(ROWS + 1));
    const searchBytes = Math.min(ROWS * 8, probes * blockBytes);
    const searchMs = bestMs(() => {
      const f = ColumnFile.open(path);
      f.lowerBoundRow(1_700_000_000_000_000_000n + BigInt(Math.floor(ROWS / 3)) * 1_000_000n);
      f.close();
    });
    const gbps = (ms) => columnBytes / 2 ** 30 / (ms / 1000);
    rows.push([
      fmt(blockBytes / 1024, 0),
      fmt(2 * Math.ceil((ROWS * 8) / blockBytes)),
      fmt(gbps(fullMs), 2),
      fmt(gbps(lazyMs), 2),
      fmt(searchBytes / 1024, 0),
      fmt(searchMs, 3),
      fmt(gbps(readMs), 2),
    ]);
    raw.push({ blockBytes, fullMs, lazyMs, searchMs, searchBytes, readMs });
    console.log(rows.at(-1).join(' | '));
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

writeResults('replay-checksum-blocks', {
  summary:
    `Cost of verified reads by checksum block size, on one column file of ${fmt(ROWS)} rows (ts i64 + close f64, ${fmt(columnBytes / 2 ** 20, 0)} MiB of columns), page cache warm, best of ${REPEAT}. ` +
    'Checksums are XXH64 (hash-wasm). "full check" = ColumnFile.verify(); "replay pattern" = verifyRows of ts and close every 64 rows, as the merge stages them (calls skipped while inside checked blocks); ' +
    '"binary search" = open + one lowerBoundRow (only the probed rows\' blocks are hashed); "plain read" = summing the same columns without any check, for scale. Command: `pnpm bench replay-checksum-blocks`.',
  tables: [
    {
      title: 'Verified reads by checksum block size',
      data: `seeded synthetic column file, ${fmt(ROWS)} rows`,
      peer: 'plain read of the same bytes (no check)',
      columns: [
        'block KiB',
        'blocks',
        'full check GiB/s',
        'replay pattern GiB/s',
        'binary search: KiB hashed',
        'open + binary search ms',
        'plain read GiB/s',
      ],
      rows,
    },
  ],
  raw,
});
