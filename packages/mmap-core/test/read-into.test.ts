import { existsSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mappedRssKb, mulberry32 } from '@mmtape/test-utils';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { MappedFile, MappedFileClosedError, mmapStatus, pageSizeBytes } from '../src/index.js';
import { randomFile } from './random-file.js';

const dir = mkdtempSync(join(tmpdir(), 'mmtape-read-into-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const page = pageSizeBytes();
const linux = existsSync('/proc/self/smaps') && mmapStatus().backend === 'mmap';

describe('MappedFile.readInto', () => {
  it('copies the same bytes as the mapping, for files and unaligned slices, on both backends', () => {
    const { path, bytes } = randomFile(dir, 'bytes.bin', 9, 7);
    for (const forceFallback of [false, true]) {
      const file = MappedFile.open(path, { forceFallback });
      const random = mulberry32(11);
      for (let i = 0; i < 50; i++) {
        const offset = Math.floor(random() * bytes.length);
        const length = Math.floor(random() * (bytes.length - offset + 1));
        const target = new Uint8Array(length);
        expect(file.readInto(target, offset)).toBe(true);
        expect(Buffer.from(target).equals(bytes.subarray(offset, offset + length))).toBe(true);
      }
      const slice = file.slice(page + 13, 3 * page);
      const target = new Uint8Array(page);
      expect(slice.readInto(target, 5)).toBe(true);
      expect(Buffer.from(target).equals(bytes.subarray(page + 18, 2 * page + 18))).toBe(true);
      file.close();
    }
  });

  it('maps no page of the file (RSS of the mapping stays 0 kB)', () => {
    if (!linux) return expect(linux).toBe(false);
    const { path, bytes } = randomFile(dir, 'unmapped.bin', 64, 3);
    const file = MappedFile.open(path, { accessPattern: 'random' });
    const target = new Uint8Array(bytes.length);
    expect(file.readInto(target, 0)).toBe(true);
    expect(mappedRssKb(path)).toBe(0);
    // Reading through the mapping does map pages: the measure can fail.
    expect(file.buffer[30 * page]).toBe(bytes[30 * page]);
    expect(mappedRssKb(path)).toBeGreaterThan(0);
    file.close();
  });

  it('advises exactly its range WILLNEED before reading it (no read-ahead around a cold range)', () => {
    if (!linux) return expect(linux).toBe(false);
    const { path } = randomFile(dir, 'advised.bin', 16, 9);
    const file = MappedFile.open(path, { accessPattern: 'random' });
    const slice = file.slice(3 * page, 10 * page);
    const advise = vi.spyOn(MappedFile.prototype, 'advise');
    try {
      expect(file.readInto(new Uint8Array(2 * page + 5), 4 * page + 7)).toBe(true);
      expect(slice.readInto(new Uint8Array(page), 2 * page)).toBe(true);
      expect(advise.mock.calls).toEqual([
        ['willneed', 4 * page + 7, 2 * page + 5],
        ['willneed', 2 * page, page],
      ]);
    } finally {
      advise.mockRestore();
      file.close();
    }
  });

  it('returns false, copying nothing, once the path holds another file, is gone or is shorter', () => {
    if (!linux) return expect(linux).toBe(false);
    const { path, bytes } = randomFile(dir, 'replaced.bin', 4, 5);
    const file = MappedFile.open(path);
    const target = new Uint8Array(100).fill(9);
    writeFileSync(`${path}.new`, Buffer.alloc(bytes.length, 1));
    renameSync(`${path}.new`, path); // another inode at the same path
    expect(file.readInto(target, 0)).toBe(false);
    expect([...target].every((b) => b === 9)).toBe(true);
    expect(file.buffer[0]).toBe(bytes[0]); // the mapping still holds the old file
    rmSync(path);
    expect(file.readInto(target, 0)).toBe(false);
    file.close();

    const short = randomFile(dir, 'short.bin', 4, 6);
    const shrunk = MappedFile.open(short.path);
    truncateSync(short.path, page);
    expect(shrunk.readInto(target, 2 * page)).toBe(false);
    expect(shrunk.readInto(target, 0)).toBe(true);
    expect(Buffer.from(target).equals(short.bytes.subarray(0, 100))).toBe(true);
  });

  it('rejects ranges past the end and reads after close with typed errors', () => {
    const { path } = randomFile(dir, 'range.bin', 1, 9);
    const file = MappedFile.open(path);
    expect(() => file.readInto(new Uint8Array(200), page)).toThrow(/range/i);
    expect(() => file.readInto(new Uint8Array(1), -1)).toThrow(/range/i);
    file.close();
    expect(() => file.readInto(new Uint8Array(1), 0)).toThrow(MappedFileClosedError);
  });
});
