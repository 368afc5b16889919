import { describe, expect, it } from 'vitest';
import {
  DEFAULT_AHEAD_ROWS,
  DEFAULT_BEHIND_ROWS,
  DEFAULT_STEP_ROWS,
  isPrefetchError,
  type PrefetchStream,
  SlidingWindowPrefetcher,
} from '../src/index.js';
import { mulberry32, RecordingFile } from './recording-file.js';

/**
 * Layout used by the exact-range tests (page = 64 bytes):
 * header [0, 16); column A: 100 rows x 8 bytes = [16, 816); column B: 100 rows x 4 bytes = [816, 1216).
 */
function smallStream(): { file: RecordingFile; stream: PrefetchStream } {
  const file = new RecordingFile(1216);
  const stream: PrefetchStream = {
    file,
    columns: [
      { offsetBytes: 16, bytesPerRow: 8 },
      { offsetBytes: 816, bytesPerRow: 4 },
    ],
    rowCount: 100,
  };
  return { file, stream };
}

const options = { aheadRows: 20, behindRows: 10, stepRows: 5, pageSizeBytes: 64 };

describe('SlidingWindowPrefetcher exact ranges', () => {
  it('advises WILLNEED ahead (rounded outward) and DONTNEED behind (whole pages only)', () => {
    const { file, stream } = smallStream();
    const p = new SlidingWindowPrefetcher([stream], options);

    p.update(0, 0);
    // A rows [0, 20) = bytes [16, 176) -> [0, 192); B rows [0, 20) = [816, 896) -> [768, 896).
    expect(file.take()).toEqual([
      ['willneed', 0, 192],
      ['willneed', 768, 128],
    ]);

    p.update(0, 4); // moved 4 < stepRows 5: hysteresis
    expect(file.take()).toEqual([]);

    p.update(0, 5);
    // A rows [5, 25) = [56, 216) -> [0, 256); B = [836, 916) -> [832, 960). Nothing is 10 rows behind yet.
    expect(file.take()).toEqual([
      ['willneed', 0, 256],
      ['willneed', 832, 128],
    ]);

    p.update(0, 30);
    // A rows [30, 50) = [256, 416) -> [256, 448); release rows < 20 = bytes < 176 -> whole pages [64, 128)
    // (page [0, 64) holds the header and is never released mid-stream).
    // B rows [30, 50) = [936, 1016) -> [896, 1024); release bytes < 896 from its first boundary 832.
    expect(file.take()).toEqual([
      ['willneed', 256, 192],
      ['dontneed', 64, 64],
      ['willneed', 896, 128],
      ['dontneed', 832, 64],
    ]);

    p.update(0, 34);
    expect(file.take()).toEqual([]);

    p.update(0, 35);
    // A: [296, 456) -> [256, 512); release < 216 -> [128, 192). B: [956, 1036) -> [896, 1088);
    // release < 916 rounds down to 896, already released: nothing.
    expect(file.take()).toEqual([
      ['willneed', 256, 256],
      ['dontneed', 128, 64],
      ['willneed', 896, 192],
    ]);

    p.update(0, 100);
    // At the end: nothing ahead. A release < 736 -> [192, 704); B release < 1176 -> [896, 1152).
    expect(file.take()).toEqual([
      ['dontneed', 192, 512],
      ['dontneed', 896, 256],
    ]);

    p.finish();
    // Remainders up to the page-rounded column ends: A [704, 832), B [1152, 1216) (file end).
    expect(file.take()).toEqual([
      ['dontneed', 704, 128],
      ['dontneed', 1152, 64],
    ]);
    p.finish();
    p.update(0, 50); // ignored after finish
    expect(file.take()).toEqual([]);

    expect(p.stats()).toEqual({
      willneedCalls: 8,
      willneedBytes: 192 + 128 + 256 + 128 + 192 + 128 + 256 + 192,
      dontneedCalls: 7,
      dontneedBytes: 1216 - 64,
      calls: 8,
      advisedCalls: 5,
    });
  });

  it('clamps cursor rows past the end to rowCount', () => {
    const { file, stream } = smallStream();
    const p = new SlidingWindowPrefetcher([stream], options);
    p.update(0, 10_000);
    expect(file.take()).toEqual([
      ['dontneed', 64, 640],
      ['dontneed', 832, 320],
    ]);
  });

  it('re-advises WILLNEED but never re-releases when the cursor moves back', () => {
    const { file, stream } = smallStream();
    const p = new SlidingWindowPrefetcher([stream], options);
    p.update(0, 60);
    file.take();
    p.update(0, 40);
    // A rows [40, 60) = [336, 496) -> [320, 512); B [976, 1056) -> [960, 1088); nothing new to release.
    expect(file.take()).toEqual([
      ['willneed', 320, 192],
      ['willneed', 960, 128],
    ]);
  });

  it('finish releases only streams that were updated', () => {
    const a = smallStream();
    const b = smallStream();
    const p = new SlidingWindowPrefetcher([a.stream, b.stream], options);
    p.update(1, 0);
    p.finish();
    expect(a.file.take()).toEqual([]);
    expect(b.file.take()).toEqual([
      ['willneed', 0, 192],
      ['willneed', 768, 128],
      ['dontneed', 64, 768],
      ['dontneed', 832, 384],
    ]);
  });

  it('costs one round of advice per stepRows when called on every row', () => {
    const file = new RecordingFile(4096 * 1024);
    const rowCount = (4096 * 1024) / 8;
    const p = new SlidingWindowPrefetcher(
      [{ file, columns: [{ offsetBytes: 0, bytesPerRow: 8 }], rowCount }],
      {
        pageSizeBytes: 4096,
      },
    );
    for (let row = 0; row < rowCount; row++) p.update(0, row);
    const stats = p.stats();
    expect(stats.calls).toBe(rowCount);
    expect(stats.advisedCalls).toBe(Math.ceil(rowCount / DEFAULT_STEP_ROWS));
    // Defaults: 16,384 f64 rows ahead = 128 KiB; first call advises exactly that.
    expect(file.all()[0]).toEqual(['willneed', 0, DEFAULT_AHEAD_ROWS * 8]);
  });

  it('never double-releases and never releases a page the window still needs (seeded random walk)', () => {
    const random = mulberry32(7);
    for (let trial = 0; trial < 30; trial++) {
      const page = [64, 128, 4096][trial % 3]!;
      const rowCount = 1 + Math.floor(random() * 5000);
      const bytesPerRow = [1, 4, 8][Math.floor(random() * 3)]!;
      const header = Math.floor(random() * 200);
      const columns = [0, 1, 2].map((c) => ({
        offsetBytes: header + c * rowCount * bytesPerRow,
        bytesPerRow,
      }));
      const fileBytes = header + 3 * rowCount * bytesPerRow + Math.floor(random() * 100);
      const file = new RecordingFile(fileBytes);
      const aheadRows = Math.floor(random() * 300);
      const behindRows = Math.floor(random() * 100);
      const stepRows = 1 + Math.floor(random() * 50);
      const p = new SlidingWindowPrefetcher([{ file, columns, rowCount }], {
        aheadRows,
        behindRows,
        stepRows,
        pageSizeBytes: page,
      });
      const released: [number, number][] = [];
      let cursor = 0;
      while (cursor < rowCount) {
        p.update(0, cursor);
        for (const [advice, offset, length] of file.take()) {
          expect(length).toBeGreaterThan(0);
          expect(offset % page).toBe(0);
          expect(offset + length).toBeLessThanOrEqual(fileBytes);
          if (advice === 'willneed') continue;
          expect((offset + length) % page).toBe(0);
          // Whole pages fully behind the window of the column they belong to.
          const column = columns.find(
            (c) => offset >= c.offsetBytes && offset < c.offsetBytes + rowCount * bytesPerRow,
          );
          expect(column).toBeDefined();
          expect(offset).toBeGreaterThanOrEqual(column!.offsetBytes);
          const windowStart = column!.offsetBytes + Math.max(0, cursor - behindRows) * bytesPerRow;
          expect(offset + length).toBeLessThanOrEqual(windowStart);
          released.push([offset, offset + length]);
        }
        cursor += 1 + Math.floor(random() * 40);
      }
      p.finish();
      for (const [advice, offset, length] of file.take()) {
        expect(advice).toBe('dontneed');
        released.push([offset, offset + length]);
      }
      released.sort((x, y) => x[0] - y[0]);
      for (let i = 1; i < released.length; i++) {
        expect(released[i]![0]).toBeGreaterThanOrEqual(released[i - 1]![1]);
      }
    }
  });
});

describe('SlidingWindowPrefetcher byte windows', () => {
  it('converts byte windows to rows of the widest column and advises the exact ranges', () => {
    const { file, stream } = smallStream();
    // Widest column has 8 bytes per row: 160 B ahead = 20 rows, 80 B behind = 10 rows, 40 B step = 5 rows,
    // the same windows as `options`, so the ranges match the row-based test above.
    const p = new SlidingWindowPrefetcher([stream], {
      aheadBytes: 160,
      behindBytes: 80,
      stepBytes: 40,
      pageSizeBytes: 64,
    });
    p.update(0, 0);
    expect(file.take()).toEqual([
      ['willneed', 0, 192],
      ['willneed', 768, 128],
    ]);
    p.update(0, 4); // moved 4 < 5 rows: nothing
    expect(file.take()).toEqual([]);
    p.update(0, 30);
    // A: ahead rows [30, 50) = [256, 416) -> [256, 448); behind: rows < 20 = bytes < 176 -> pages [64, 128).
    // B: ahead rows [30, 50) = [936, 1016) -> [896, 1024); behind: rows < 20 = bytes < 896 -> [832, 896).
    expect(file.take()).toEqual([
      ['willneed', 256, 192],
      ['dontneed', 64, 64],
      ['willneed', 896, 128],
      ['dontneed', 832, 64],
    ]);
  });

  it('rejects negative or fractional byte windows', () => {
    expect(() => new SlidingWindowPrefetcher([], { aheadBytes: -1 })).toThrow(/aheadBytes/);
    expect(() => new SlidingWindowPrefetcher([], { stepBytes: 0 })).toThrow(/stepBytes/);
    expect(() => new SlidingWindowPrefetcher([], { behindBytes: 1.5 })).toThrow(/behindBytes/);
  });
});

describe('SlidingWindowPrefetcher validation', () => {
  it('documents its defaults', () => {
    const p = new SlidingWindowPrefetcher([]);
    expect([p.aheadRows, p.behindRows, p.stepRows]).toEqual([16_384, 512, 2_048]);
    expect([DEFAULT_AHEAD_ROWS, DEFAULT_BEHIND_ROWS, DEFAULT_STEP_ROWS]).toEqual([16_384, 512, 2_048]);
    expect(p.pageSizeBytes).toBeGreaterThan(0);
  });

  it('rejects bad options, streams and arguments with a typed error', () => {
    const { stream } = smallStream();
    const errorOf = (fn: () => unknown): unknown => {
      try {
        fn();
      } catch (error) {
        return error;
      }
      return undefined;
    };
    expect(isPrefetchError(errorOf(() => new SlidingWindowPrefetcher([stream], { stepRows: 0 })))).toBe(true);
    expect(errorOf(() => new SlidingWindowPrefetcher([stream], { aheadRows: -1 }))).toMatchObject({
      code: 'MMTAPE_PREFETCH_INVALID_ARGUMENT',
      argument: 'aheadRows',
    });
    const tooLong = { ...stream, rowCount: 101 };
    expect(errorOf(() => new SlidingWindowPrefetcher([tooLong]))).toMatchObject({
      argument: 'streams[0].columns[1]',
    });
    const p = new SlidingWindowPrefetcher([stream], options);
    expect(
      isPrefetchError(
        errorOf(() => p.update(1, 0)),
        'MMTAPE_PREFETCH_INVALID_ARGUMENT',
      ),
    ).toBe(true);
    expect(errorOf(() => p.update(0, -1))).toMatchObject({ argument: 'cursorRow' });
    expect(errorOf(() => p.finishStream(2))).toMatchObject({ argument: 'streamIndex' });
  });
});
