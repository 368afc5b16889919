import { readdirSync, rmSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { MappedFile, mmapStatus } from '@mmtape/mmap-core';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { Dataset, DatasetWriter, isMmtapeError } from '../src/index.js';
import { catchError, currentGenerationDir, tempDir } from './helpers.js';

const { dir, cleanup } = tempDir('mmtape-open-range-');
afterAll(cleanup);
afterEach(() => {
  vi.restoreAllMocks();
});

const MINUTE = 60_000_000_000n;
const T0 = 1_514_764_800_000_000_000n; // 2018-01-01T00:00:00Z
const SYMBOLS = ['A0', 'A1', 'A2', 'A3', 'A4'];

/** Five symbols of 500 one-minute rows each, symbol `i` starting `i` minutes after T0. */
function writeDataset(name: string, segments = false): string {
  const out = join(dir, name);
  const w = DatasetWriter.create(out, segments ? { segmentBytes: 1 << 20 } : {});
  SYMBOLS.forEach((symbol, i) => {
    const start = T0 + BigInt(i) * MINUTE;
    w.writeSymbol(symbol, [
      {
        name: 'ts',
        dtype: 'i64',
        data: BigInt64Array.from({ length: 500 }, (_, r) => start + BigInt(r) * MINUTE),
      },
      { name: 'close', dtype: 'f64', data: Float64Array.from({ length: 500 }, (_, r) => i * 1000 + r) },
    ]);
  });
  w.finish();
  return out;
}

/** Path of symbol `symbol`'s column file in the current generation. */
function fileOf(datasetDir: string, symbol: string): string {
  const gen = currentGenerationDir(datasetDir);
  const name = readdirSync(gen).find((f) => f.startsWith(symbol));
  if (name === undefined) throw new Error(`no file for ${symbol} in ${gen}`);
  return join(gen, name);
}

describe('Dataset.openRange (headers advised ahead, files opened in order)', () => {
  it.each([false, true])(
    'gives the same files and rows as opening each symbol alone (segments: %s)',
    (segments) => {
      const path = writeDataset(`same-${segments}`, segments);
      const startNs = T0 + 100n * MINUTE;
      const endNs = T0 + 300n * MINUTE;
      const ds = Dataset.open(path, { accessPattern: 'random' });
      const ranges = ds.openRange({ startNs, endNs });
      const alone = Dataset.open(path);
      expect(ranges.map((r) => r.symbol)).toEqual(SYMBOLS);
      ranges.forEach((range, i) => {
        const file = alone.openPartitions(SYMBOLS[i]!)[0]!;
        const [slice] = range.slices;
        expect(slice!.startRow).toBe(file.lowerBoundRow(startNs));
        expect(slice!.endRow).toBe(file.lowerBoundRow(endNs));
        expect(range.rows).toBe(slice!.endRow - slice!.startRow);
        expect(Array.from(slice!.file.f64('close'))).toEqual(Array.from(file.f64('close')));
      });
      expect(ds.openFileCount).toBe(SYMBOLS.length);
      ds.close();
      alone.close();
    },
  );

  it('reports a truncated file in the middle by name, after opening the files before it, and recovers', () => {
    const path = writeDataset('truncated');
    const broken = fileOf(path, 'A2');
    truncateSync(broken, 40);
    const ds = Dataset.open(path);
    const error = catchError(() => ds.openRange());
    expect(isMmtapeError(error)).toBe(true);
    expect((error as Error).message).toContain(broken);
    // A0 and A1 were opened (and cached) before A2 failed; the files mapped ahead after A2 were released.
    expect(ds.openFileCount).toBe(2);
    const rest = ds.openRange({ symbols: ['A3', 'A4', 'A0'] });
    expect(rest.map((r) => r.rows)).toEqual([500, 500, 500]);
    expect(ds.openFileCount).toBe(4);
    ds.close();
  });

  it('reports a missing file with the same error as opening that symbol alone', () => {
    const path = writeDataset('missing');
    const gone = fileOf(path, 'A3');
    rmSync(gone);
    const alone = catchError(() => Dataset.open(path).open('A3'));
    const ranged = catchError(() => Dataset.open(path).openRange());
    expect((ranged as Error).constructor).toBe((alone as Error).constructor);
    expect((ranged as Error).message).toBe((alone as Error).message);
    expect((ranged as Error).message).toContain(gone);
  });

  it.each([false, true])(
    'advises every header WILLNEED when sampled headers are not in the page cache, none when they are (segments: %s)',
    (segments) => {
      if (mmapStatus().backend !== 'mmap') return expect(mmapStatus().backend).toBe('fallback');
      const path = writeDataset(`advise-${segments}`, segments);
      const advise = vi.spyOn(MappedFile.prototype, 'advise');
      const willneed = () => advise.mock.calls.filter(([advice]) => advice === 'willneed');
      // Just written: every header page is in the page cache, so no header is advised.
      const warm = Dataset.open(path);
      const residency = vi.spyOn(MappedFile.prototype, 'residency');
      warm.openRange();
      expect(residency).toHaveBeenCalled();
      expect(willneed()).toEqual([]);
      warm.close();
      // The same files reported cold: one WILLNEED per file, at its header (the member's offset in a segment).
      residency.mockImplementation(() => ({
        residentPages: 0,
        totalPages: 1,
        residentBytes: 0,
        totalBytes: 4096,
      }));
      const cold = Dataset.open(path);
      const ranges = cold.openRange();
      const offsets = ranges.map((r) => r.slices[0]!.partition.offsetBytes ?? 0);
      expect(willneed().map(([, offset]) => offset)).toEqual(offsets);
      expect(new Set(offsets).size).toBe(segments ? SYMBOLS.length : 1);
      cold.close();
    },
  );
});
