import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MappedFile, pageSizeBytes } from '@mmtape/mmap-core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  PrefetchArgumentError,
  resolveWorkerEntry,
  SlidingWindowPrefetcher,
  WillneedWorker,
} from '../src/index.js';
import { RecordingFile } from './recording-file.js';

const dir = mkdtempSync(join(tmpdir(), 'mmtape-willneed-worker-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const page = pageSizeBytes();
const ROWS = 100_000;
const HEADER_BYTES = 64;

/** A file of a 64-byte header and one f64 column of ROWS rows. */
function columnFile(name: string): string {
  const path = join(dir, name);
  writeFileSync(path, Buffer.alloc(HEADER_BYTES + ROWS * 8, 1));
  return path;
}

describe('WillneedWorker', () => {
  it('advises the window ahead of each cursor from its own mappings, slices included', () => {
    expect(resolveWorkerEntry()).toMatch(/willneed-worker-process\.js$/);
    const a = columnFile('a.bin');
    const segment = join(dir, 'segment.bin');
    writeFileSync(segment, Buffer.alloc(2 * page + HEADER_BYTES + ROWS * 8, 2)); // a member at 2 pages
    const columns = [{ offsetBytes: HEADER_BYTES, bytesPerRow: 8 }];
    const worker = WillneedWorker.start(
      [
        { filePath: a, baseOffsetBytes: 0, byteLength: HEADER_BYTES + ROWS * 8, columns, rowCount: ROWS },
        {
          filePath: segment,
          baseOffsetBytes: 2 * page,
          byteLength: HEADER_BYTES + ROWS * 8,
          columns,
          rowCount: ROWS,
        },
      ],
      { aheadRows: 8192, requestRows: 4096 },
      { pollMs: 1, touch: 'always' },
    );
    try {
      expect(worker.flushSync(20_000)).toBe(true);
      expect(worker.ready).toBe(true);
      expect(worker.stats()).toEqual({ willneedCalls: 0, willneedBytes: 0, touchedBytes: 0 }); // no cursor yet
      worker.update(0, 0);
      worker.update(1, 0);
      expect(worker.flushSync(20_000)).toBe(true);
      // Each stream: its first window, 8,192 rows from row 0, rounded out to pages (one page past the
      // column's unaligned end of 64 + 65,536 bytes).
      const window = Math.ceil((HEADER_BYTES + 8192 * 8) / page) * page;
      // ... and it read each column from row 0 to the window's end: 8,192 rows of 8 bytes.
      expect(worker.stats()).toEqual({
        willneedCalls: 2,
        willneedBytes: 2 * window,
        touchedBytes: 2 * 8192 * 8,
      });
      // A process of its own: its peak RSS (a Node process, well over 10 MiB) and device reads are readable.
      if (existsSync('/proc/self/status')) {
        expect(worker.pid).toBeGreaterThan(0);
        const usage = worker.usage();
        expect(usage.peakRssBytes).toBeGreaterThan(10 * 2 ** 20);
        expect(usage.readBytes).toBeGreaterThanOrEqual(0);
        // Its private memory (its heap) is part of its RSS; the rest (the Node binary) is shared with us.
        expect(usage.privateBytes).toBeGreaterThan(2 ** 20);
        expect(usage.privateBytes).toBeLessThan(usage.peakRssBytes);
      }
      worker.update(0, 5000); // past requestRows: a request for what is new
      expect(worker.flushSync(20_000)).toBe(true);
      expect(worker.stats().willneedCalls).toBe(3);
      // Touched up to row 8,192 before; the window now ends at row 13,192: rows [8,192, 13,192), the
      // 5,000 new ones (more than half a window), not those behind.
      expect(worker.stats().touchedBytes).toBe(2 * 8192 * 8 + 5000 * 8);
      worker.update(0, 5001); // within stepRows: nothing
      expect(worker.flushSync(20_000)).toBe(true);
      expect(worker.stats().willneedCalls).toBe(3);
      expect(worker.error).toBeUndefined();
    } finally {
      worker.close();
    }
    expect(worker.flushSync(200)).toBe(false); // stopped: nobody answers
  });

  it("leaves forward windows to the worker with willneed: 'start' (first round and moves back only)", () => {
    const file = new RecordingFile(HEADER_BYTES + ROWS * 8);
    const prefetcher = new SlidingWindowPrefetcher(
      [{ file, columns: [{ offsetBytes: HEADER_BYTES, bytesPerRow: 8 }], rowCount: ROWS }],
      { aheadRows: 8192, stepRows: 1024, willneed: 'start', accessPattern: 'keep', pageSizeBytes: 4096 },
    );
    expect(prefetcher.willneed).toBe('start');
    prefetcher.update(0, 0);
    expect(file.take().filter(([advice]) => advice === 'willneed')).toEqual([['willneed', 0, 69_632]]);
    for (let row = 1024; row <= 50_000; row += 1024) prefetcher.update(0, row);
    const forward = file.take();
    expect(forward.some(([advice]) => advice === 'willneed')).toBe(false);
    expect(forward.some(([advice]) => advice === 'dontneed')).toBe(true);
    prefetcher.update(0, 10_000); // back: the window from there
    expect(file.take().filter(([advice]) => advice === 'willneed')).toEqual([['willneed', 77_824, 69_632]]);
    expect(() => new SlidingWindowPrefetcher([], { willneed: 'all' as 'start' })).toThrow(/willneed/);
  });

  it('rejects a stream, column or row without a shared word with PrefetchArgumentError (update, readerChecked)', () => {
    const path = columnFile('slots.bin');
    const columns = [{ offsetBytes: HEADER_BYTES, bytesPerRow: 8 }];
    const worker = WillneedWorker.start(
      [{ filePath: path, baseOffsetBytes: 0, byteLength: HEADER_BYTES + ROWS * 8, columns, rowCount: ROWS }],
      { aheadRows: 8192 },
      { pollMs: 1, touch: 'never' },
    );
    try {
      const bad: [() => void, string, unknown][] = [
        [() => worker.update(1, 0), 'streamIndex', 1],
        [() => worker.update(-1, 0), 'streamIndex', -1],
        [() => worker.update(0, 1.5), 'cursorRow', 1.5],
        [() => worker.update(0, 2 ** 31), 'cursorRow', 2 ** 31],
        [() => worker.readerChecked(0, 1, 10), 'column', 1],
        [() => worker.readerChecked(0, 0, -2), 'row', -2],
        [() => worker.readerChecked(0.5, 0, 10), 'streamIndex', 0.5],
      ];
      for (const [call, argument, actual] of bad) {
        let error: unknown;
        try {
          call();
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(PrefetchArgumentError);
        expect(error).toMatchObject({ kind: 'usage', argument, actual });
      }
      worker.update(0, 0); // in range: accepted
      worker.readerChecked(0, 0, 10);
      expect(worker.flushSync(20_000)).toBe(true);
    } finally {
      worker.close();
    }
  });

  it("reads ahead only streams that were not in the page cache (touch: 'cold', the default)", () => {
    const warm = columnFile('warm.bin'); // just written: every page is in the page cache
    const columns = [{ offsetBytes: HEADER_BYTES, bytesPerRow: 8 }];
    const worker = WillneedWorker.start(
      [{ filePath: warm, baseOffsetBytes: 0, byteLength: HEADER_BYTES + ROWS * 8, columns, rowCount: ROWS }],
      { aheadRows: 8192 },
      { pollMs: 1 },
    );
    try {
      worker.update(0, 0);
      expect(worker.flushSync(20_000)).toBe(true);
      worker.update(0, 6000);
      expect(worker.flushSync(20_000)).toBe(true);
      expect(worker.stats().willneedCalls).toBe(2);
      expect(worker.stats().touchedBytes).toBe(0);
    } finally {
      worker.close();
    }
  });

  it('reads ahead no further than its WILLNEED window, which starts with the ramp', () => {
    const path = columnFile('ramp.bin');
    const columns = [{ offsetBytes: HEADER_BYTES, bytesPerRow: 8 }];
    const worker = WillneedWorker.start(
      [{ filePath: path, baseOffsetBytes: 0, byteLength: HEADER_BYTES + ROWS * 8, columns, rowCount: ROWS }],
      { aheadRows: 8192, requestRows: 4096, rampRows: 1024, stepRows: 512 },
      { pollMs: 1, touch: 'always' },
    );
    try {
      // First round: the ramp's first request, 1,024 rows. Half the window (4,096 rows) would be read
      // ahead, but only 1,024 rows are requested: less than the 2,048 new rows a read waits for, so none.
      worker.update(0, 0);
      expect(worker.flushSync(20_000)).toBe(true);
      expect(worker.stats().willneedCalls).toBe(1);
      expect(worker.stats().touchedBytes).toBe(0);
      // The next rounds double the request (2,048 rows, then 4,096, to row 7,168); at row 1,536 the next one
      // would pass the window, the ramp ends, and the 2,560 new rows are below requestRows: no request.
      // The reads follow the window's end.
      let touched = 0;
      for (const row of [512, 1024, 1536]) {
        worker.update(0, row);
        expect(worker.flushSync(20_000)).toBe(true);
        const stats = worker.stats();
        expect(stats.touchedBytes).toBeGreaterThanOrEqual(touched);
        touched = stats.touchedBytes;
        // Never past the end of what was advised: row 0 to the window's end, from the column's start.
        expect(HEADER_BYTES + touched).toBeLessThanOrEqual(stats.willneedBytes);
      }
      expect(worker.stats().willneedCalls).toBe(3);
      expect(touched).toBeGreaterThan(0);
    } finally {
      worker.close();
    }
  });

  it('keeps a failure to itself: a missing file ends the worker, the caller goes on', async () => {
    const worker = WillneedWorker.start([
      {
        filePath: join(dir, 'missing.bin'),
        baseOffsetBytes: 0,
        byteLength: 8,
        columns: [{ offsetBytes: 0, bytesPerRow: 8 }],
        rowCount: 1,
      },
    ]);
    worker.update(0, 0);
    for (let i = 0; i < 200 && worker.error === undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(worker.error?.message).toMatch(/missing\.bin/);
    expect(worker.ready).toBe(false);
    worker.close();
  });

  it('rejects a bad poll interval', () => {
    expect(() => WillneedWorker.start([], {}, { pollMs: 0 })).toThrow(/pollMs/);
    expect(() => WillneedWorker.start([], {}, { touch: 'yes' as 'never' })).toThrow(/touch/);
    const file = MappedFile.open(columnFile('b.bin'));
    expect(file.filePath).toBe(join(dir, 'b.bin'));
    expect(file.slice(8, 16).filePath).toBe(join(dir, 'b.bin'));
    file.close();
  });
});
