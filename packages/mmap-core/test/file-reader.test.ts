import {
  existsSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mappedRssKb, mulberry32 } from '@mmtape/test-utils';
import { afterAll, describe, expect, it } from 'vitest';
import {
  InvalidRangeError,
  MappedFile,
  MappedFileChangedError,
  MappedFileClosedError,
  mmapStatus,
  pageSizeBytes,
} from '../src/index.js';
import { randomFile } from './random-file.js';

const dir = mkdtempSync(join(tmpdir(), 'mmtape-file-reader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const page = pageSizeBytes();
const linux = existsSync('/proc/self/fd') && mmapStatus().backend === 'mmap';

const openFds = (): number => readdirSync('/proc/self/fd').length;

describe('MappedFile.openReader', () => {
  it('copies the same bytes as the mapping into any offset of the target, for files and slices, on both backends', () => {
    const { path, bytes } = randomFile(dir, 'bytes.bin', 9, 7);
    for (const forceFallback of [false, true]) {
      const file = MappedFile.open(path, { forceFallback });
      const reader = file.openReader();
      const random = mulberry32(11);
      for (let i = 0; i < 50; i++) {
        const offset = Math.floor(random() * bytes.length);
        const length = Math.floor(random() * (bytes.length - offset + 1));
        const at = Math.floor(random() * 64);
        const target = new Uint8Array(length + at + 3).fill(0xaa);
        reader.read(target, at, length, offset);
        expect(
          Buffer.from(target.subarray(at, at + length)).equals(bytes.subarray(offset, offset + length)),
        ).toBe(true);
        expect(target.subarray(0, at).every((b) => b === 0xaa)).toBe(true);
        expect(target.subarray(at + length).every((b) => b === 0xaa)).toBe(true);
      }
      const slice = file.slice(page + 13, 3 * page);
      const sliceReader = slice.openReader();
      const target = new Uint8Array(page);
      sliceReader.read(target, 0, page, 5);
      expect(Buffer.from(target).equals(bytes.subarray(page + 18, 2 * page + 18))).toBe(true);
      reader.close();
      sliceReader.close();
      file.close();
    }
  });

  it('maps no page of the file, and the slices of one file share one descriptor, closed with the last reader', () => {
    if (!linux) return expect(linux).toBe(false);
    const { path, bytes } = randomFile(dir, 'shared.bin', 64, 3);
    const file = MappedFile.open(path, { accessPattern: 'random' });
    const before = openFds();
    const readers = Array.from({ length: 10 }, (_, i) => file.slice(i * page, page).openReader());
    expect(openFds()).toBe(before + 1);
    const target = new Uint8Array(page);
    for (let i = 0; i < readers.length; i++) {
      readers[i]!.read(target, 0, page, 0);
      expect(Buffer.from(target).equals(bytes.subarray(i * page, (i + 1) * page))).toBe(true);
    }
    expect(mappedRssKb(path)).toBe(0);
    for (const reader of readers.slice(1)) reader.close();
    expect(openFds()).toBe(before + 1);
    readers[0]!.close();
    readers[0]!.close(); // idempotent
    expect(openFds()).toBe(before);
    // A reader opened after the last one closed gets a descriptor again.
    const again = file.openReader();
    again.read(target, 0, page, page);
    expect(Buffer.from(target).equals(bytes.subarray(page, 2 * page))).toBe(true);
    again.close();
    file.close();
  });

  it('reads the mapped bytes when the path holds another file, and throws a typed error when the file was truncated', () => {
    const { path, bytes } = randomFile(dir, 'replaced.bin', 4, 5);
    const file = MappedFile.open(path);
    writeFileSync(`${path}.new`, Buffer.alloc(bytes.length, 1));
    renameSync(`${path}.new`, path); // another inode at the same path
    const reader = file.openReader();
    const target = new Uint8Array(page);
    reader.read(target, 0, page, page);
    expect(Buffer.from(target).equals(bytes.subarray(page, 2 * page))).toBe(true);
    reader.close();
    file.close();

    if (!linux) return;
    const short = randomFile(dir, 'short.bin', 4, 6);
    const mapped = MappedFile.open(short.path);
    const shortReader = mapped.openReader();
    truncateSync(short.path, page);
    const error = (() => {
      try {
        shortReader.read(new Uint8Array(page), 0, page, 2 * page);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(MappedFileChangedError);
    expect((error as MappedFileChangedError).offsetBytes).toBe(2 * page);
    expect((error as MappedFileChangedError).kind).toBe('data');
    expect(String((error as Error).message)).toContain(short.path);
    shortReader.close();
    mapped.close();
  });

  it('rejects ranges past the file or the target, and reads after close, with typed errors', () => {
    const { path, bytes } = randomFile(dir, 'ranges.bin', 2, 8);
    const file = MappedFile.open(path);
    const reader = file.openReader();
    const target = new Uint8Array(16);
    expect(() => reader.read(target, 0, 16, bytes.length - 8)).toThrow(InvalidRangeError);
    expect(() => reader.read(target, 8, 16, 0)).toThrow(InvalidRangeError);
    expect(() => reader.read(target, -1, 4, 0)).toThrow(InvalidRangeError);
    expect(() => reader.read(target, 0, 4, 0.5)).toThrow(InvalidRangeError);
    reader.close();
    expect(() => reader.read(target, 0, 4, 0)).toThrow(MappedFileClosedError);
    file.close();
    expect(() => file.openReader()).toThrow(MappedFileClosedError);
  });
});
