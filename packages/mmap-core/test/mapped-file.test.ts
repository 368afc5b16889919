import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulberry32 } from '@mmtape/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADVICE_VALUES,
  isMmapError,
  isMmtapeError,
  MappedFile,
  MappedFileClosedError,
  mmapStatus,
  pageSizeBytes,
} from '../src/index.js';

let dir: string;
let dataPath: string;
let data: Buffer;
const page = pageSizeBytes();

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mmtape-mmap-core-'));
  dataPath = join(dir, 'data.bin');
  // 37 pages plus a partial page; a multiple of 8 bytes so it is also a Float64 array.
  const values = new Float64Array((37 * page + 1024) / 8);
  const random = mulberry32(42);
  for (let i = 0; i < values.length; i++) values[i] = random() * 1000 - 500;
  data = Buffer.from(values.buffer);
  writeFileSync(dataPath, data);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('MappedFile (mmap backend)', () => {
  it('uses the native backend in this environment', () => {
    expect(mmapStatus().backend).toBe('mmap');
    expect(page).toBeGreaterThanOrEqual(4096);
    expect(page % 4096).toBe(0);
  });

  it('maps a file whose bytes equal the file contents', () => {
    const file = MappedFile.open(dataPath);
    expect(file.backend).toBe('mmap');
    expect(file.byteLength).toBe(data.length);
    expect(file.path).toBe(dataPath);
    expect(file.closed).toBe(false);
    expect(Buffer.compare(file.buffer, data)).toBe(0);
    file.close();
  });

  it('gives zero-copy typed views over buffer.buffer at buffer.byteOffset', () => {
    const file = MappedFile.open(dataPath);
    const buf = file.buffer;
    expect(buf.byteOffset % 8).toBe(0);
    const view = new Float64Array(buf.buffer, buf.byteOffset, buf.length / 8);
    const expected = new Float64Array(data.buffer, data.byteOffset, data.length / 8);
    expect(view.length).toBe(expected.length);
    expect(view[0]).toBe(expected[0]);
    expect(view[view.length - 1]).toBe(expected[expected.length - 1]);
    expect(Array.from(view.subarray(100, 110))).toEqual(Array.from(expected.subarray(100, 110)));
    // Same memory: a second view sees the same ArrayBuffer, not a copy.
    expect(view.buffer).toBe(buf.buffer);
    file.close();
  });

  it('accepts every advice over aligned, unaligned, clamped and empty ranges', () => {
    const file = MappedFile.open(dataPath);
    for (const advice of ADVICE_VALUES) {
      expect(() => file.advise(advice)).not.toThrow();
      expect(() => file.advise(advice, 0, page)).not.toThrow();
      expect(() => file.advise(advice, 1, 10)).not.toThrow();
      expect(() => file.advise(advice, page + 123, 3 * page + 7)).not.toThrow();
      expect(() => file.advise(advice, data.length - 5, 1_000_000)).not.toThrow();
      expect(() => file.advise(advice, data.length + 10 * page, page)).not.toThrow();
      expect(() => file.advise(advice, 100, 0)).not.toThrow();
    }
    file.advise('normal');
    file.close();
  });

  it('rejects negative or fractional ranges with a typed error', () => {
    const file = MappedFile.open(dataPath);
    let caught: unknown;
    try {
      file.advise('willneed', -1, 10);
    } catch (error) {
      caught = error;
    }
    expect(isMmapError(caught, 'MMTAPE_MMAP_INVALID_RANGE')).toBe(true);
    expect(() => file.residency(0.5, 10)).toThrow(/non-negative integers/);
    file.close();
  });

  it('reports every page resident after touching all pages', () => {
    const file = MappedFile.open(dataPath);
    const buf = file.buffer;
    let sum = 0;
    for (let i = 0; i < buf.length; i += page) sum += buf[i] ?? 0;
    sum += buf[buf.length - 1] ?? 0;
    expect(sum).toBeGreaterThanOrEqual(0);
    const totalPages = Math.ceil(data.length / page);
    expect(file.residency()).toEqual({
      residentPages: totalPages,
      totalPages,
      residentBytes: data.length,
      totalBytes: data.length,
    });
    file.close();
  });

  it('page-aligns residency ranges and clamps them to the file', () => {
    const file = MappedFile.open(dataPath);
    file.buffer.readUInt8(0);
    // [page + 10, page + 10 + 2 * page) aligns down to [page, 3 * page + 10): 3 pages, 2 * page + 10 bytes.
    const r = file.residency(page + 10, 2 * page);
    expect(r.totalPages).toBe(3);
    expect(r.totalBytes).toBe(2 * page + 10);
    expect(r.residentPages).toBeLessThanOrEqual(3);
    const tail = file.residency(data.length - 10, 1_000_000);
    expect(tail.totalBytes).toBe(data.length - Math.floor((data.length - 10) / page) * page);
    expect(tail.totalPages).toBe(1);
    expect(file.residency(data.length + page, 10)).toEqual({
      residentPages: 0,
      totalPages: 0,
      residentBytes: 0,
      totalBytes: 0,
    });
    file.close();
  });

  it('keeps residency sane after DONTNEED and the bytes readable', () => {
    const file = MappedFile.open(dataPath);
    const buf = file.buffer;
    for (let i = 0; i < buf.length; i += page) buf.readUInt8(i);
    file.advise('dontneed', 4 * page, 8 * page);
    const after = file.residency(4 * page, 8 * page);
    // File-backed shared mapping: DONTNEED drops this process's page-table entries but mincore reports
    // page-cache residency, which DONTNEED does not evict. Observed here: all 8 pages still resident.
    expect(after.totalPages).toBe(8);
    expect(after.residentPages).toBeGreaterThanOrEqual(0);
    expect(after.residentPages).toBeLessThanOrEqual(8);
    // Re-reading after DONTNEED refaults the same bytes.
    expect(Buffer.compare(buf.subarray(4 * page, 12 * page), data.subarray(4 * page, 12 * page))).toBe(0);
    file.close();
  });

  it('throws MappedFileClosedError from buffer, advise and residency after close', () => {
    const file = MappedFile.open(dataPath);
    const view = file.buffer;
    file.close();
    file.close(); // idempotent
    expect(file.closed).toBe(true);
    expect(() => file.buffer).toThrow(MappedFileClosedError);
    expect(() => file.advise('willneed')).toThrow(/closed/);
    let caught: unknown;
    try {
      file.residency();
    } catch (error) {
      caught = error;
    }
    expect(isMmtapeError(caught)).toBe(true);
    expect(isMmapError(caught, 'MMTAPE_MMAP_FILE_CLOSED')).toBe(true);
    expect((caught as MappedFileClosedError).path).toBe(dataPath);
    // Views taken before close stay valid (the mapping lives until GC).
    expect(view[0]).toBe(data[0]);
  });

  it('wraps open failures in a typed error naming the path', () => {
    const missing = join(dir, 'missing.bin');
    let caught: unknown;
    try {
      MappedFile.open(missing);
    } catch (error) {
      caught = error;
    }
    expect(isMmapError(caught, 'MMTAPE_MMAP_OPEN_FAILED')).toBe(true);
    expect((caught as { kind: string }).kind).toBe('usage');
    expect((caught as Error).message).toContain(missing);
    expect((caught as Error).cause).toBeDefined();
    expect(() => MappedFile.open(dir)).toThrow(/not a regular file/);
    expect(() => MappedFile.open(dir)).toThrow(expect.objectContaining({ kind: 'data' }));
  });

  it('opens empty files as an empty buffer without mapping', () => {
    const emptyPath = join(dir, 'empty.bin');
    writeFileSync(emptyPath, Buffer.alloc(0));
    const file = MappedFile.open(emptyPath);
    expect(file.byteLength).toBe(0);
    expect(file.buffer.length).toBe(0);
    expect(file.backend).toBe('mmap');
    expect(() => file.advise('willneed')).not.toThrow();
    expect(file.residency()).toEqual({ residentPages: 0, totalPages: 0, residentBytes: 0, totalBytes: 0 });
    file.close();
  });
});

describe('MappedFile.slice (segment members)', () => {
  it('views a sub-range without copying, with offsets relative to the slice', () => {
    const file = MappedFile.open(dataPath);
    const offset = 3 * page + 200; // deliberately not page aligned
    const slice = file.slice(offset, 5 * page);
    expect(slice.byteLength).toBe(5 * page);
    expect(slice.baseOffsetBytes).toBe(offset);
    expect(slice.path).toBe(`${dataPath}@${offset}`);
    expect(slice.buffer.buffer).toBe(file.buffer.buffer);
    expect(slice.buffer.byteOffset).toBe(file.buffer.byteOffset + offset);
    expect(Buffer.compare(slice.buffer, data.subarray(offset, offset + 5 * page))).toBe(0);
    const inner = slice.slice(page, 8, 'label');
    expect(inner.baseOffsetBytes).toBe(offset + page);
    expect(inner.path).toBe('label');
    expect(Buffer.compare(inner.buffer, data.subarray(offset + page, offset + page + 8))).toBe(0);
    file.close();
  });

  it('advises and measures residency on whole pages of the mapping even when the slice is unaligned', () => {
    const file = MappedFile.open(dataPath);
    const offset = 2 * page + 64;
    const slice = file.slice(offset, 4 * page);
    // madvise needs a page-aligned address: passing the slice's own (unaligned) address would fail.
    for (const advice of ADVICE_VALUES) expect(() => slice.advise(advice, 100, page)).not.toThrow();
    expect(() => slice.advise('willneed')).not.toThrow();
    const whole = slice.residency();
    // The range is widened down to the page holding the slice start: 64 bytes before it.
    expect(whole.totalBytes).toBe(4 * page + 64);
    expect(whole.totalPages).toBe(5);
    expect(whole.residentPages).toBe(5); // just read through the mapping above and in beforeAll's write
    const part = slice.residency(page, 10);
    expect(part.totalBytes).toBe(64 + 10);
    expect(part.totalPages).toBe(1);
    file.close();
  });

  it('rejects ranges past the end and slices of a closed file', () => {
    const file = MappedFile.open(dataPath);
    expect(() => file.slice(file.byteLength - 8, 16)).toThrowError(/ending within/);
    try {
      file.slice(-1, 8);
      expect.unreachable();
    } catch (error) {
      expect(isMmapError(error, 'MMTAPE_MMAP_INVALID_RANGE')).toBe(true);
    }
    expect(file.slice(file.byteLength, 0).byteLength).toBe(0);
    file.close();
    expect(() => file.slice(0, 8)).toThrow(MappedFileClosedError);
  });

  it('slices the fallback backend too (advise is a no-op there)', () => {
    const file = MappedFile.open(dataPath, { forceFallback: true });
    const slice = file.slice(page + 8, 64);
    expect(slice.backend).toBe('fallback');
    expect(Buffer.compare(slice.buffer, data.subarray(page + 8, page + 72))).toBe(0);
    expect(() => slice.advise('dontneed')).not.toThrow();
    expect(slice.residency().residentBytes).toBe(slice.residency().totalBytes);
    file.close();
  });
});
