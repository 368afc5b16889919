import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Dataset, DatasetWriter, isMmtapeError, MANIFEST_FILE_NAME } from '../src/index.js';
import { catchError, currentGenerationDir, tempDir } from './helpers.js';

const { dir, cleanup } = tempDir('mmtape-xcheck-');
afterAll(cleanup);

const MINUTE = 60_000_000_000n;
const T0 = 1_514_764_800_000_000_000n; // 2018-01-01T00:00:00Z

function series(rows: number, start = T0) {
  return [
    {
      name: 'ts',
      dtype: 'i64' as const,
      data: BigInt64Array.from({ length: rows }, (_, i) => start + BigInt(i) * MINUTE),
    },
    { name: 'close', dtype: 'f64' as const, data: Float64Array.from({ length: rows }, (_, i) => 100 + i) },
  ];
}

function writeDataset(name: string, partition: 'none' | 'day' = 'none'): string {
  const out = join(dir, name);
  const w = DatasetWriter.create(out, { partition });
  // 3,000 one-minute rows: a bit over two days (day partitions 2018-01-01, -02, -03).
  w.writeSymbol('AAA', series(3000));
  w.writeSymbol('BBB', series(3000, T0 + 30n * MINUTE));
  w.finish();
  return out;
}

type Manifest = {
  symbols: {
    symbol: string;
    rows: number;
    file: string;
    firstTimestampNs: string;
    lastTimestampNs: string;
    partitions?: {
      key: string;
      file: string;
      rows: number;
      firstTimestampNs: string;
      lastTimestampNs: string;
    }[];
  }[];
  schema: { name: string; dtype: string }[];
  totalRows: number;
};

/** A copy of `src` whose manifest is edited by `edit`. */
function edited(src: string, name: string, edit: (m: Manifest) => void): string {
  const out = join(dir, name);
  cpSync(src, out, { recursive: true });
  const path = join(currentGenerationDir(out), MANIFEST_FILE_NAME);
  const m = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  edit(m);
  writeFileSync(path, JSON.stringify(m));
  return out;
}

/**
 * Rows a replay of `[startNs, endNs)` reads (`Dataset.openRange`, which `replayDataset` uses), or the error
 * thrown (at open or while opening the files).
 */
function replayEvents(path: string, startNs?: bigint, endNs?: bigint): number | unknown {
  try {
    const ds = Dataset.open(path);
    try {
      return ds.openRange({ startNs, endNs }).reduce((n, r) => n + r.rows, 0);
    } finally {
      ds.close();
    }
  } catch (e) {
    return e;
  }
}

describe('manifest cross-checked against each file header', () => {
  const plain = writeDataset('plain');
  const daily = writeDataset('daily', 'day');
  const mid = T0 + 1500n * MINUTE;

  it('the clean datasets replay every event of a range', () => {
    expect(replayEvents(plain, mid)).toBe(1500 + 1530);
    expect(replayEvents(daily, mid)).toBe(1500 + 1530);
  });

  it('an edited first timestamp (symbol and partition alike) is a DATASET_MISMATCH, not half the events', () => {
    // Each edit makes the old pruning (by the manifest's time range) skip rows that are in the range:
    // plain: first moved past the range end; daily: first moved later inside day 1 (key still valid).
    for (const [src, name, firstNs, endNs] of [
      [plain, 'first-plain', T0 + 2000n * MINUTE, mid],
      [daily, 'first-daily', T0 + 60n * MINUTE, T0 + 30n * MINUTE],
    ] as const) {
      expect(replayEvents(src, T0, endNs)).toBeGreaterThan(0);
      const path = edited(src, name, (m) => {
        const e = m.symbols[0]!;
        e.partitions![0]!.firstTimestampNs = firstNs.toString();
        e.firstTimestampNs = firstNs.toString();
      });
      const e = replayEvents(path, T0, endNs);
      expect(isMmtapeError(e, 'MMTAPE_DATASET_MISMATCH')).toBe(true);
      expect((e as Error).message).toMatch(
        /firstTimestampNs is "\d+" in the file but the manifest says "\d+"/,
      );
      expect((e as { field?: string }).field).toBe('firstTimestampNs');
    }
  });

  it('a symbol time range that differs from its partitions is refused at open', () => {
    const path = edited(plain, 'symbol-first', (m) => {
      m.symbols[1]!.firstTimestampNs = (T0 + 999n * MINUTE).toString();
    });
    const e = catchError(() => Dataset.open(path));
    expect(isMmtapeError(e, 'MMTAPE_DATASET_MISMATCH')).toBe(true);
    expect((e as Error).message).toContain('symbols[1].firstTimestampNs');
  });

  it('edited rows (consistently in symbol, partition and total) -> DATASET_MISMATCH naming rows', () => {
    const path = edited(plain, 'rows', (m) => {
      m.symbols[0]!.rows = 1500;
      m.symbols[0]!.partitions![0]!.rows = 1500;
      m.totalRows -= 1500;
    });
    const e = replayEvents(path);
    expect(isMmtapeError(e, 'MMTAPE_DATASET_MISMATCH')).toBe(true);
    expect((e as { field?: string; expected?: unknown; actual?: unknown }).field).toBe('rows');
    expect((e as { expected?: unknown }).expected).toBe(1500);
    expect((e as { actual?: unknown }).actual).toBe(3000);
  });

  it('rows 0 for a file that has rows -> DATASET_MISMATCH (the file is opened, not skipped)', () => {
    for (const [src, name] of [
      [plain, 'rows0-plain'],
      [daily, 'rows0-daily'],
    ] as const) {
      const path = edited(src, name, (m) => {
        const p = m.symbols[1]!.partitions![0]!;
        m.totalRows -= p.rows;
        m.symbols[1]!.rows -= p.rows;
        p.rows = 0;
      });
      const e = replayEvents(path);
      expect(isMmtapeError(e, 'MMTAPE_DATASET_MISMATCH')).toBe(true);
    }
  });

  it('a dtype changed in the manifest schema -> DATASET_MISMATCH naming the schema', () => {
    const path = edited(plain, 'dtype', (m) => {
      m.schema[1]!.dtype = 'i64';
    });
    const e = replayEvents(path);
    expect(isMmtapeError(e, 'MMTAPE_DATASET_MISMATCH')).toBe(true);
    expect((e as { field?: string }).field).toBe('schema');
    expect((e as Error).message).toContain('ts:i64, close:f64');
  });

  it('an empty symbol list beside column files -> DATASET_MISMATCH at open', () => {
    const path = edited(plain, 'empty', (m) => {
      m.symbols = [];
      m.totalRows = 0;
    });
    const e = catchError(() => Dataset.open(path));
    expect(isMmtapeError(e, 'MMTAPE_DATASET_MISMATCH')).toBe(true);
    expect((e as Error).message).toContain(
      'the symbol list is empty but the folder holds 2 column/segment files',
    );
  });

  it('a duplicated partition -> DATASET_MISMATCH at open', () => {
    const path = edited(daily, 'dup', (m) => {
      const parts = m.symbols[0]!.partitions!;
      parts.push({ ...parts[parts.length - 1]! });
      m.symbols[0]!.rows += parts[parts.length - 1]!.rows;
      m.totalRows += parts[parts.length - 1]!.rows;
    });
    const e = catchError(() => Dataset.open(path));
    expect(isMmtapeError(e, 'MMTAPE_DATASET_MISMATCH')).toBe(true);
    expect((e as Error).message).toMatch(/is also symbols\[0\]\.partitions\[\d\]|key 2018-01-03 repeats/);
  });

  it('a day partition whose manifest time range leaves its key -> DATASET_MISMATCH at open', () => {
    const path = edited(daily, 'outside-key', (m) => {
      const p = m.symbols[0]!.partitions![1]!;
      p.lastTimestampNs = (BigInt(p.lastTimestampNs) + 2n * 86_400_000_000_000n).toString();
    });
    const e = catchError(() => Dataset.open(path));
    expect(isMmtapeError(e, 'MMTAPE_DATASET_MISMATCH')).toBe(true);
  });

  it('with verify: false the manifest still prunes by its own time ranges (documented opt-out)', () => {
    const ds = Dataset.open(daily, { verify: false });
    const ranges = ds.openRange({ startNs: mid });
    expect(ranges.map((r) => r.rows)).toEqual([1500, 1530]);
    ds.close();
  });
});
