import { describe, expect, it } from 'vitest';
import {
  DEFAULT_AHEAD_ROWS,
  defaultAheadRows,
  MIN_DEFAULT_AHEAD_ROWS,
  type PrefetchStream,
  SlidingWindowPrefetcher,
  withDefaultWindow,
} from '../src/index.js';
import { RecordingFile } from './recording-file.js';

const GIB = 2 ** 30;

/** `count` streams of `rows` rows with two f64 columns (ts and close), as a replay prefetches them. */
function streams(count: number, rows: number): PrefetchStream[] {
  return Array.from({ length: count }, () => ({
    file: new RecordingFile(64 + rows * 48),
    columns: [
      { offsetBytes: 64, bytesPerRow: 8 },
      { offsetBytes: 64 + rows * 32, bytesPerRow: 8 },
    ],
    rowCount: rows,
  }));
}

describe('defaultAheadRows', () => {
  it('halves the window until every stream fits in half the available memory', () => {
    // 2,000 streams × 2 f64 columns: 32,000 bytes per row of window across all of them.
    const market = streams(2000, 333_333);
    expect(defaultAheadRows(market, 16 * GIB)).toBe(262_144); // 7.8 GiB ≤ 8 GiB
    expect(defaultAheadRows(market, 15.5 * GIB)).toBe(131_072);
    expect(defaultAheadRows(market, 8 * GIB)).toBe(131_072);
    expect(defaultAheadRows(market, 7.5 * GIB)).toBe(65_536);
    expect(defaultAheadRows(market, 0)).toBe(MIN_DEFAULT_AHEAD_ROWS); // never below the floor
  });

  it('counts a column shorter than the window by its rows', () => {
    // 1,000 rows × 16 bytes × 2,000 streams = 32 MB of page cache whatever the window.
    expect(defaultAheadRows(streams(2000, 1000), 64 * 2 ** 20)).toBe(DEFAULT_AHEAD_ROWS);
    expect(defaultAheadRows(streams(2000, 1000), 60 * 2 ** 20)).toBe(MIN_DEFAULT_AHEAD_ROWS);
    expect(defaultAheadRows([], 0)).toBe(DEFAULT_AHEAD_ROWS);
  });

  it('throws for an available size that is not a number of bytes', () => {
    expect(() => defaultAheadRows([], -1)).toThrow(/availableBytes/);
    expect(() => defaultAheadRows([], Number.NaN)).toThrow(/availableBytes/);
  });

  it('is the window of a prefetcher given neither aheadRows nor aheadBytes', () => {
    const few = streams(3, 1_000_000);
    expect(new SlidingWindowPrefetcher(few).aheadRows).toBe(defaultAheadRows(few));
    expect(new SlidingWindowPrefetcher(few, { aheadRows: 4096 }).aheadRows).toBe(4096);
  });
});

describe('withDefaultWindow', () => {
  it('sets the default window only when no window size is given', () => {
    const few = streams(3, 1_000_000);
    expect(withDefaultWindow({ stepRows: 1024 }, few)).toEqual({
      stepRows: 1024,
      aheadRows: defaultAheadRows(few),
    });
    const rows = { aheadRows: 4096 };
    expect(withDefaultWindow(rows, few)).toBe(rows);
    const bytes = { aheadBytes: 65_536 };
    expect(withDefaultWindow(bytes, few)).toBe(bytes);
  });
});
