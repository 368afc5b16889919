import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MappedFile, pageSizeBytes } from '@mmtape/mmap-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlidingWindowPrefetcher } from '../src/index.js';
import { RecordingFile } from './recording-file.js';

const HEADER_BYTES = 64;
const ROWS = 300_000;
let dir: string;
let path: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mmtape-prefetch-'));
  path = join(dir, 'stream.bin');
  // header, then an f64 column, then an f32 column.
  const bytes = Buffer.alloc(HEADER_BYTES + ROWS * 12);
  const f64 = new Float64Array(bytes.buffer, bytes.byteOffset + HEADER_BYTES, ROWS);
  const f32 = new Float32Array(bytes.buffer, bytes.byteOffset + HEADER_BYTES + ROWS * 8, ROWS);
  for (let i = 0; i < ROWS; i++) {
    f64[i] = i * 0.5;
    f32[i] = i % 1000;
  }
  writeFileSync(path, bytes);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('prefetchers over a real MappedFile', () => {
  it('advise real pages while a replay reads every row, with identical results', () => {
    const file = MappedFile.open(path);
    expect(file.backend).toBe('mmap');
    const recorder = new RecordingFile(file.byteLength, file); // forwards to the real madvise
    const columns = [
      { offsetBytes: HEADER_BYTES, bytesPerRow: 8 },
      { offsetBytes: HEADER_BYTES + ROWS * 8, bytesPerRow: 4 },
    ];
    const prefetcher = new SlidingWindowPrefetcher([{ file: recorder, columns, rowCount: ROWS }]);
    const buf = file.buffer;
    const f64 = new Float64Array(buf.buffer, buf.byteOffset + HEADER_BYTES, ROWS);
    const f32 = new Float32Array(buf.buffer, buf.byteOffset + HEADER_BYTES + ROWS * 8, ROWS);
    let sum = 0;
    for (let row = 0; row < ROWS; row++) {
      prefetcher.update(0, row);
      sum += (f64[row] ?? 0) + (f32[row] ?? 0);
    }
    prefetcher.finish();
    let expected = 0;
    for (let i = 0; i < ROWS; i++) expected += i * 0.5 + (i % 1000);
    expect(sum).toBe(expected);

    const page = pageSizeBytes();
    const stats = prefetcher.stats();
    // One round per stepRows, plus at most one per fault-around block edge of each column.
    const rounds = Math.ceil(ROWS / prefetcher.stepRows);
    expect(stats.advisedCalls).toBeGreaterThanOrEqual(rounds);
    expect(stats.advisedCalls).toBeLessThanOrEqual(rounds + 2 * Math.ceil(file.byteLength / 65_536));
    // Every byte, the header page included, is released exactly once (the last range ends at the file end).
    expect(stats.dontneedBytes).toBe(file.byteLength);
    expect(stats.willneedBytes).toBeLessThanOrEqual(file.byteLength + page); // each byte advised once
    for (const call of recorder.calls) expect(call.offsetBytes % page).toBe(0);
    // Data is still readable after DONTNEED (refaulted from the page cache).
    expect(f64[ROWS - 1]).toBe((ROWS - 1) * 0.5);
    expect(file.residency().totalBytes).toBe(file.byteLength);
    file.close();
  });
});
