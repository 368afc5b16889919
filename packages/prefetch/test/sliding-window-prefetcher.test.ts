import { describe, expect, it } from 'vitest';
import {
  DEFAULT_AHEAD_ROWS,
  DEFAULT_BEHIND_ROWS,
  DEFAULT_FAULT_AROUND_BYTES,
  DEFAULT_RAMP_ROWS,
  DEFAULT_STEP_ROWS,
  isPrefetchError,
  MIN_DEFAULT_AHEAD_ROWS,
  type PrefetchStream,
  SlidingWindowPrefetcher,
  WINDOW_MEMORY_FRACTION,
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

/**
 * The window mechanics tested here: every round advises whatever is new in the window (`requestRows: 1`)
 * and the mapping's access pattern is left alone (`accessPattern: 'keep'`); the defaults (MADV_RANDOM,
 * half-window requests) have their own tests ("I/O policy").
 */
const MECHANICS = { accessPattern: 'keep', requestRows: 1 } as const;

/** Small windows; `faultAroundBytes: 0` releases from the page holding each column's first row. */
const options = {
  ...MECHANICS,
  aheadRows: 20,
  behindRows: 10,
  stepRows: 5,
  pageSizeBytes: 64,
  faultAroundBytes: 0,
};

describe('SlidingWindowPrefetcher exact ranges', () => {
  it('advises only the new part of the window ahead and releases behind up to the cursor page', () => {
    const { file, stream } = smallStream();
    const p = new SlidingWindowPrefetcher([stream], options);

    p.update(0, 0);
    // First round, whole window: A rows [0, 20) = bytes [16, 176) -> [0, 192); B rows [0, 20) =
    // [816, 896) -> [768, 896).
    expect(file.take()).toEqual([
      ['willneed', 0, 192],
      ['willneed', 768, 128],
    ]);

    p.update(0, 4); // moved 4 < stepRows 5: hysteresis
    expect(file.take()).toEqual([]);

    p.update(0, 5);
    // A rows [5, 25) = [56, 216) -> [0, 256): only [192, 256) is new. B [836, 916) -> [832, 960): only
    // [896, 960) is new. Nothing is 10 rows behind yet.
    expect(file.take()).toEqual([
      ['willneed', 192, 64],
      ['willneed', 896, 64],
    ]);

    p.update(0, 30);
    // A rows [30, 50) = [256, 416) -> [256, 448), all new; release rows < 20 = bytes < 176 -> [0, 128)
    // (the page holding the header and row 0 included). B [936, 1016) -> [896, 1024), new from 960;
    // release bytes < 896 from 832: page [768, 832) holds A's last rows, so it is A's to release.
    expect(file.take()).toEqual([
      ['willneed', 256, 192],
      ['dontneed', 0, 128],
      ['willneed', 960, 64],
      ['dontneed', 832, 64],
    ]);

    p.update(0, 34);
    expect(file.take()).toEqual([]);

    p.update(0, 35);
    // A: [296, 456) -> [256, 512), new [448, 512); release < 216 -> [128, 192). B: [956, 1036) ->
    // [896, 1088), new [1024, 1088); release < 916 rounds down to 896, already released: nothing.
    expect(file.take()).toEqual([
      ['willneed', 448, 64],
      ['dontneed', 128, 64],
      ['willneed', 1024, 64],
    ]);

    p.update(0, 100);
    // At the end: nothing ahead. A release < 736 -> [192, 704); B release < 1176 -> [896, 1152).
    expect(file.take()).toEqual([
      ['dontneed', 192, 512],
      ['dontneed', 896, 256],
    ]);

    p.finish();
    // Remainders: A up to its page-rounded end [704, 832) (the page shared with B), B [1152, 1216).
    expect(file.take()).toEqual([
      ['dontneed', 704, 128],
      ['dontneed', 1152, 64],
    ]);
    p.finish();
    p.update(0, 50); // ignored after finish
    expect(file.take()).toEqual([]);

    expect(p.stats()).toEqual({
      willneedCalls: 8,
      willneedBytes: 192 + 128 + 64 + 64 + 192 + 64 + 64 + 64,
      dontneedCalls: 7,
      dontneedBytes: 1216, // every byte of the file, once
      calls: 8,
      advisedCalls: 5,
    });
  });

  it('releases the fault-around block around each column edge, never into another column', () => {
    // Page 64, fault-around 512. A [16, 816): first release from 0 (alignDown(16, 512)). B [816, 1216):
    // alignDown(816, 512) = 512 lies inside A, so B starts at A's page-rounded end, 832. A's finish stops at
    // B's start, 832; B's finish goes to alignUp(1216, 512) = 1536, clamped to the file, 1216. Later releases
    // start at the block of the last release end (A: 0; B: 512, clamped to B's first release start, 832).
    const { file, stream } = smallStream();
    const p = new SlidingWindowPrefetcher([stream], { ...options, faultAroundBytes: 512 });
    p.update(0, 0);
    file.take();
    p.update(0, 30);
    expect(file.take().filter(([advice]) => advice === 'dontneed')).toEqual([
      ['dontneed', 0, 128], // A: rows < 20 = bytes < 176 -> 128
      ['dontneed', 832, 64], // B: bytes < 896
    ]);
    p.finish();
    expect(file.take()).toEqual([
      ['dontneed', 0, 832],
      ['dontneed', 832, 384],
    ]);
  });

  it('releases the untouched bytes before and after a column within its fault-around block', () => {
    // Header [0, 100), unused bytes, then one f64 column of 1,000 rows at 5,000: [5000, 13000); file
    // 20,000 bytes; page 64, fault-around 4,096. First release starts at alignDown(5000, 4096) = 4096
    // (bytes a first fault at 5,000 maps); the finish ends at alignUp(13000, 4096) = 16384.
    const file = new RecordingFile(20_000);
    const p = new SlidingWindowPrefetcher(
      [{ file, columns: [{ offsetBytes: 5000, bytesPerRow: 8 }], rowCount: 1000 }],
      {
        ...MECHANICS,
        aheadRows: 100,
        behindRows: 0,
        stepRows: 50,
        pageSizeBytes: 64,
        faultAroundBytes: 4096,
      },
    );
    p.update(0, 0);
    expect(file.take()).toEqual([['willneed', 4992, 832]]); // [5000, 5800) -> [4992, 5824)
    p.update(0, 50);
    // Window [5400, 6200) -> [5376, 6208), new from 5824; release < 5400 -> [4096, 5376).
    expect(file.take()).toEqual([
      ['willneed', 5824, 384],
      ['dontneed', 4096, 1280],
    ]);
    p.finish();
    expect(file.take()).toEqual([['dontneed', 4096, 16384 - 4096]]); // from the block of 5,376
    expect(p.faultAroundBytes).toBe(4096);
  });

  it('adds a round when a cursor comes within 2 pages of a fault-around block boundary', () => {
    // One f64 column at 0, 200 rows = 1,600 bytes; page 64, fault-around 512: edges start 128 bytes before
    // 512, 1024 and 1536, at rows 48, 112 and 176. stepRows 100 alone would advise at rows 0 and 100 only.
    const file = new RecordingFile(1600);
    const p = new SlidingWindowPrefetcher(
      [{ file, columns: [{ offsetBytes: 0, bytesPerRow: 8 }], rowCount: 200 }],
      { ...MECHANICS, aheadRows: 8, behindRows: 0, stepRows: 100, pageSizeBytes: 64, faultAroundBytes: 512 },
    );
    p.update(0, 0);
    expect(file.take()).toEqual([['willneed', 0, 64]]);
    p.update(0, 47);
    expect(file.take()).toEqual([]);
    p.update(0, 48); // 1 row past the last round, but at the edge of block [0, 512)
    expect(file.take()).toEqual([
      ['willneed', 384, 64],
      ['dontneed', 0, 384],
    ]);
    p.update(0, 60);
    p.update(0, 50); // backwards: no edge round
    expect(file.take()).toEqual([]);
    p.update(0, 112);
    // The release starts at the block where the last one ended (384 -> 0): a fault in [0, 512) after the
    // first release mapped its released pages again.
    expect(file.take()).toEqual([
      ['willneed', 896, 64],
      ['dontneed', 0, 896],
    ]);
    p.finish();
    expect(file.take()).toEqual([['dontneed', 512, 1088]]);
  });

  it('clamps cursor rows past the end to rowCount', () => {
    const { file, stream } = smallStream();
    const p = new SlidingWindowPrefetcher([stream], options);
    p.update(0, 10_000);
    // Cursor 100: nothing ahead; A rows < 90 = bytes < 736 -> [0, 704); B bytes < 1176 -> [832, 1152).
    expect(file.take()).toEqual([
      ['dontneed', 0, 704],
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
      ['dontneed', 0, 832],
      ['dontneed', 832, 384],
    ]);
  });

  it('costs one round of advice per stepRows when called on every row, each byte advised once', () => {
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
    // One round per stepRows, plus at most one per 64 KiB block edge (8,192 rows) that falls between two.
    expect(stats.advisedCalls).toBeGreaterThanOrEqual(Math.ceil(rowCount / DEFAULT_STEP_ROWS));
    expect(stats.advisedCalls).toBeLessThanOrEqual(
      Math.ceil(rowCount / DEFAULT_STEP_ROWS) + rowCount / 8_192,
    );
    // Defaults: MADV_RANDOM over the file; the first call advises the ramp's first request (8,192 f64
    // rows = 64 KiB), and the next rounds (every 2,048 rows, or at a 64 KiB block edge) release what was
    // passed and double the request, each starting where the last ended, until a request would reach the
    // whole window (262,144 rows = 2 MiB ahead: a 4 MiB column leaves the default window unshrunk); then
    // WILLNEED waits until half the window (131,072 rows = 1 MiB) is new: each request is 1 MiB plus at
    // most the rows of one round.
    const calls = file.all();
    expect(calls.slice(0, 4)).toEqual([
      ['random', 0, file.byteLength],
      ['willneed', 0, DEFAULT_RAMP_ROWS * 8],
      ['willneed', DEFAULT_RAMP_ROWS * 8, DEFAULT_RAMP_ROWS * 8 * 2],
      ['dontneed', 0, DEFAULT_STEP_ROWS * 8],
    ]);
    const willneed = calls.filter(([advice]) => advice === 'willneed');
    let rampEnd = DEFAULT_RAMP_ROWS * 8;
    for (let i = 1; i <= 3; i++) {
      expect(willneed[i]).toEqual(['willneed', rampEnd, DEFAULT_RAMP_ROWS * 8 * 2 ** i]);
      rampEnd += DEFAULT_RAMP_ROWS * 8 * 2 ** i;
    }
    expect(willneed[4]![1]).toBe(rampEnd);
    for (const [, , length] of willneed.slice(4, -1)) {
      expect(length).toBeGreaterThanOrEqual((DEFAULT_AHEAD_ROWS / 2) * 8);
      expect(length).toBeLessThanOrEqual((DEFAULT_AHEAD_ROWS / 2 + DEFAULT_STEP_ROWS) * 8);
    }
    expect(stats.willneedBytes).toBe(file.byteLength);
    // The ramp's requests (8,192 · 2^i rows below the window: 5 for 262,144), then one per half window.
    const rampRequests = Math.log2(DEFAULT_AHEAD_ROWS / DEFAULT_RAMP_ROWS);
    expect(stats.willneedCalls).toBeLessThanOrEqual(
      rampRequests + 1 + (rowCount - DEFAULT_AHEAD_ROWS) / (DEFAULT_AHEAD_ROWS / 2),
    );
    p.finish();
    expect(p.stats().dontneedBytes).toBe(file.byteLength);
  });

  it('advises each byte WILLNEED once on a forward walk, and re-releases only the block of the last release (seeded random walk)', () => {
    const random = mulberry32(7);
    for (let trial = 0; trial < 60; trial++) {
      const page = [64, 128, 4096][trial % 3]!;
      // 0 and 2 pages: no edge rounds, so rounds come exactly every stepRows and are checked below.
      const faultAroundBytes = [0, page * 2, page * 4, 65_536][Math.floor(random() * 4)]!;
      const edgeRounds = faultAroundBytes > 2 * page;
      const rowCount = 1 + Math.floor(random() * 5000);
      const bytesPerRow = [1, 4, 8][Math.floor(random() * 3)]!;
      const header = Math.floor(random() * 200);
      // Three columns, the middle one left out (a column nobody reads), random gaps between them.
      const starts = [header, 0, 0];
      for (let c = 1; c < 3; c++) {
        starts[c] =
          starts[c - 1]! + rowCount * bytesPerRow + Math.floor(random() * 3) * Math.floor(random() * 5000);
      }
      const columns = [starts[0]!, starts[2]!].map((offsetBytes) => ({ offsetBytes, bytesPerRow }));
      const fileBytes = starts[2]! + rowCount * bytesPerRow + Math.floor(random() * 100);
      const file = new RecordingFile(fileBytes);
      const aheadRows = Math.floor(random() * 300);
      const behindRows = Math.floor(random() * 100);
      const stepRows = 1 + Math.floor(random() * 50);
      const p = new SlidingWindowPrefetcher([{ file, columns, rowCount }], {
        ...MECHANICS,
        aheadRows,
        behindRows,
        stepRows,
        pageSizeBytes: page,
        faultAroundBytes,
      });
      const released: [number, number][] = [];
      const advised: [number, number][] = [];
      const advisedPages = new Uint8Array(Math.ceil(fileBytes / page)); // 1 = advised WILLNEED
      let cursor = 0;
      let lastRound = -1;
      while (cursor < rowCount) {
        p.update(0, cursor);
        const round = !edgeRounds && (lastRound < 0 || cursor - lastRound >= stepRows);
        if (round) lastRound = cursor;
        for (const [advice, offset, length] of file.take()) {
          if (!edgeRounds) expect(round).toBe(true);
          expect(length).toBeGreaterThan(0);
          expect(offset % page).toBe(0);
          expect(offset + length).toBeLessThanOrEqual(fileBytes);
          (advice === 'willneed' ? advised : released).push([offset, offset + length]);
          if (advice === 'willneed') {
            advisedPages.fill(1, offset / page, Math.ceil((offset + length) / page));
            continue;
          }
          expect(advice).toBe('dontneed');
          expect((offset + length) % page).toBe(0);
          // Never a byte of any column's window [cursor - behindRows, cursor + aheadRows).
          for (const column of columns) {
            const windowStart = column.offsetBytes + Math.max(0, cursor - behindRows) * bytesPerRow;
            const windowEnd = column.offsetBytes + Math.min(rowCount, cursor + aheadRows) * bytesPerRow;
            expect(offset + length <= windowStart || offset >= windowEnd).toBe(true);
          }
          // Never before the fault-around block of the first column's start.
          expect(offset).toBeGreaterThanOrEqual(
            Math.floor(header / Math.max(page, faultAroundBytes)) * Math.max(page, faultAroundBytes),
          );
        }
        if (round) {
          // The window ahead of every column is covered by the WILLNEED issued so far.
          for (const column of columns) {
            const from = column.offsetBytes + cursor * bytesPerRow;
            const to = column.offsetBytes + Math.min(rowCount, cursor + aheadRows) * bytesPerRow;
            for (let at = Math.floor(from / page); from < to && at * page < to; at++) {
              expect(advisedPages[at]).toBe(1);
            }
          }
        }
        cursor += 1 + Math.floor(random() * 40);
      }
      p.finish();
      for (const [advice, offset, length] of file.take()) {
        expect(advice).toBe('dontneed');
        released.push([offset, offset + length]);
      }
      // Forward only: no byte is advised WILLNEED twice except the page that holds both the end of the
      // first column and the start of the second (each column advises it); a release goes back at most to
      // the start of the fault-around block where the column's previous release ended.
      const sharedFrom = Math.floor(columns[1]!.offsetBytes / page) * page;
      const sharedTo = Math.ceil((columns[0]!.offsetBytes + rowCount * bytesPerRow) / page) * page;
      const block = Math.ceil(Math.max(page, faultAroundBytes) / page) * page;
      for (const ranges of [advised, released]) {
        ranges.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
        for (let i = 1; i < ranges.length; i++) {
          const [start] = ranges[i]!;
          const previousEnd = ranges[i - 1]![1];
          if (start >= previousEnd) continue;
          if (ranges === released) {
            expect(start).toBeGreaterThanOrEqual(Math.floor(previousEnd / block) * block);
            continue;
          }
          expect(start).toBeGreaterThanOrEqual(sharedFrom);
          expect(previousEnd).toBeLessThanOrEqual(sharedTo);
        }
      }
      // After finish every byte of both columns has been released.
      for (const column of columns) {
        expect(covered(released, column.offsetBytes, column.offsetBytes + rowCount * bytesPerRow)).toBe(true);
      }
    }
  });
});

/** True when the union of `ranges` ([start, end) byte pairs) covers `[from, to)`. */
function covered(ranges: readonly [number, number][], from: number, to: number): boolean {
  let at = from;
  for (const [start, end] of [...ranges].sort((x, y) => x[0] - y[0])) {
    if (start > at) break;
    at = Math.max(at, end);
  }
  return at >= to;
}

describe('SlidingWindowPrefetcher byte windows', () => {
  it('converts byte windows to rows of the widest column and advises the exact ranges', () => {
    const { file, stream } = smallStream();
    // Widest column has 8 bytes per row: 160 B ahead = 20 rows, 80 B behind = 10 rows, 40 B step = 5 rows,
    // the same windows as `options`, so the ranges match the row-based test above.
    const p = new SlidingWindowPrefetcher([stream], {
      ...MECHANICS,
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
    // A: ahead rows [30, 50) = [256, 416) -> [256, 448); behind: rows < 20 = bytes < 176 -> [0, 128).
    // B: ahead rows [30, 50) = [936, 1016) -> [896, 1024); behind: rows < 20 = bytes < 896 -> [832, 896)
    // (page [768, 832) holds A's last rows; the 64 KiB fault-around default does not reach into A).
    expect(file.take()).toEqual([
      ['willneed', 256, 192],
      ['dontneed', 0, 128],
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
    expect([p.aheadRows, p.behindRows, p.stepRows, p.requestRows, p.faultAroundBytes]).toEqual([
      262_144, 0, 2_048, 131_072, 65_536,
    ]);
    expect(p.accessPattern).toBe('random');
    expect([DEFAULT_AHEAD_ROWS, DEFAULT_BEHIND_ROWS, DEFAULT_STEP_ROWS, DEFAULT_FAULT_AROUND_BYTES]).toEqual([
      262_144, 0, 2_048, 65_536,
    ]);
    expect([MIN_DEFAULT_AHEAD_ROWS, WINDOW_MEMORY_FRACTION]).toEqual([16_384, 0.5]);
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
    expect(errorOf(() => new SlidingWindowPrefetcher([stream], { faultAroundBytes: 0.5 }))).toMatchObject({
      argument: 'faultAroundBytes',
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
    expect(errorOf(() => p.advisedUpToBytes(0, 2))).toMatchObject({ argument: 'columnIndex' });
    expect(errorOf(() => new SlidingWindowPrefetcher([stream], { rampRows: 0 }))).toMatchObject({
      argument: 'rampRows',
    });
  });
});

describe('SlidingWindowPrefetcher ramp (the first requests of a window)', () => {
  /** One f64 column of 1,000 rows at offset 0 (pages of 64 bytes = 8 rows), window 100 rows. */
  const ramp = {
    accessPattern: 'keep',
    pageSizeBytes: 64,
    faultAroundBytes: 0,
    aheadRows: 100,
    stepRows: 5,
  } as const;
  const column = (): { file: RecordingFile; stream: PrefetchStream } => {
    const file = new RecordingFile(8000);
    return { file, stream: { file, columns: [{ offsetBytes: 0, bytesPerRow: 8 }], rowCount: 1000 } };
  };
  const willneeds = (file: RecordingFile) => file.take().filter(([advice]) => advice === 'willneed');

  it('starts with rampRows, doubles each forward round from the end of the last request, then waits for half a window', () => {
    const { file, stream } = column();
    const p = new SlidingWindowPrefetcher([stream], { ...ramp, rampRows: 10 });
    p.update(0, 0);
    expect(willneeds(file)).toEqual([['willneed', 0, 128]]); // rows [0, 10) -> bytes [0, 80) -> 2 pages
    expect(p.advisedUpToBytes(0, 0)).toBe(128);
    p.update(0, 5);
    expect(willneeds(file)).toEqual([['willneed', 128, 128]]); // to row 10 + 20 = 30 -> byte 256
    p.update(0, 10);
    expect(willneeds(file)).toEqual([['willneed', 256, 320]]); // to row 30 + 40 = 70 -> byte 576
    // 70 + 80 reaches the window (cursor + 100): the ramp is over, and the 48 new rows are below the
    // half-window request (50 rows), so nothing is advised until the cursor has moved on.
    p.update(0, 15);
    p.update(0, 20);
    expect(willneeds(file)).toEqual([]);
    p.update(0, 25);
    expect(willneeds(file)).toEqual([['willneed', 576, 448]]); // to row 125 -> byte 1024
    // A move back starts the ramp again from the new cursor.
    p.update(0, 3);
    expect(willneeds(file)).toEqual([['willneed', 0, 128]]);
    p.update(0, 8);
    expect(willneeds(file)).toEqual([['willneed', 128, 192]]); // to row 13 + 20 = 33 -> byte 320
  });

  it('is off with rampRows >= aheadRows, counts rampBytes in the widest column, and in willneed start mode issues only its first request', () => {
    const off = column();
    new SlidingWindowPrefetcher([off.stream], { ...ramp, rampRows: 100 }).update(0, 0);
    expect(willneeds(off.file)).toEqual([['willneed', 0, 832]]); // rows [0, 100) -> byte 800 -> 13 pages
    const bytes = column();
    new SlidingWindowPrefetcher([bytes.stream], { ...ramp, rampBytes: 160 }).update(0, 0);
    expect(willneeds(bytes.file)).toEqual([['willneed', 0, 192]]); // 20 rows -> byte 160 -> 3 pages
    const start = column();
    const p = new SlidingWindowPrefetcher([start.stream], { ...ramp, rampRows: 10, willneed: 'start' });
    for (let row = 0; row <= 200; row++) p.update(0, row);
    expect(willneeds(start.file)).toEqual([['willneed', 0, 128]]);
  });

  it('defaults to one checksum block of f64 rows (8,192 = 64 KiB)', () => {
    expect(DEFAULT_RAMP_ROWS).toBe(8_192);
    expect(new SlidingWindowPrefetcher([]).rampRows).toBe(DEFAULT_RAMP_ROWS);
  });
});
