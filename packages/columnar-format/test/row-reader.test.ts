import { chmodSync, closeSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { MappedFile } from '@mmtape/mmap-core';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { BlockChecksumMismatchError, ColumnFile, RowRangeError, writeColumnFile } from '../src/index.js';
import { catchError, mulberry32, tempDir } from './helpers.js';

/** ColumnFile.openRowReader: row ranges copied out with pread, checked first, nothing mapped. */
const dir = tempDir('mmtape-row-reader-');
afterAll(() => dir.cleanup());

const ROWS = 30_000; // 240,000 bytes of an 8-byte column: 4 checksum blocks of 64 KiB

function writeFile(name: string): { path: string; close: Float64Array; ts: BigInt64Array } {
  const rand = mulberry32(5);
  const ts = BigInt64Array.from(
    { length: ROWS },
    (_, i) => 1_700_000_000_000_000_000n + BigInt(i) * 60_000_000_000n,
  );
  const close = Float64Array.from({ length: ROWS }, () => rand() * 100);
  const path = join(dir.dir, name);
  writeColumnFile(path, {
    symbol: 'KO',
    columns: [
      { name: 'ts', dtype: 'i64', data: ts },
      { name: 'close', dtype: 'f64', data: close },
    ],
  });
  return { path, close, ts };
}

describe('ColumnFile.openRowReader', () => {
  it('copies exactly the rows asked, at any offset of the target, for every column', () => {
    const { path, close, ts } = writeFile('rows.col');
    const file = ColumnFile.open(path);
    const reader = file.openRowReader();
    const rand = mulberry32(9);
    for (let i = 0; i < 40; i++) {
      const start = Math.floor(rand() * ROWS);
      const count = Math.floor(rand() * Math.min(5000, ROWS - start + 1));
      const at = 8 * Math.floor(rand() * 10);
      const into = new Uint8Array(at + 8 * count);
      reader.readRows('close', start, count, into, at);
      expect(new Float64Array(into.buffer, at, count)).toEqual(close.subarray(start, start + count));
      reader.readRows('ts', start, count, into, at);
      expect(new BigInt64Array(into.buffer, at, count)).toEqual(ts.subarray(start, start + count));
    }
    reader.close();
    reader.close(); // idempotent
    file.close();
  });

  it('checks the blocks of the rows first: a flipped byte throws the typed error, verify: false copies it', () => {
    const { path } = writeFile('corrupt.col');
    const probe = ColumnFile.open(path);
    const closeColumn = probe.columns.find((c) => c.name === 'close')!;
    probe.close();
    const flipAt = closeColumn.offsetBytes + 2 * 65_536 + 17; // block 2 of close
    chmodSync(path, 0o644);
    const fd = openSync(path, 'r+');
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, flipAt);
    b[0]! ^= 4;
    writeSync(fd, b, 0, 1, flipAt);
    closeSync(fd);
    const file = ColumnFile.open(path);
    const reader = file.openRowReader();
    const into = new Uint8Array(8 * 1000);
    reader.readRows('close', 0, 1000, into, 0); // block 0: good
    const error = catchError(() => reader.readRows('close', 2 * 8192 + 10, 1000, into, 0));
    expect(error).toBeInstanceOf(BlockChecksumMismatchError);
    expect(error).toMatchObject({ path, field: 'close', blockIndex: 2 });
    reader.close();
    const unchecked = file.openRowReader({ verify: false });
    unchecked.readRows('close', 2 * 8192 + 10, 1000, into, 0);
    unchecked.close();
    file.close();
  });

  it('returns how far the column is known good, and reads the blocks it checks through its own descriptor', () => {
    const { path, close } = writeFile('good-rows.col');
    const file = ColumnFile.open(path);
    const reader = file.openRowReader();
    // The file's own readInto opens the file for each read: the reader must not use it.
    const readInto = vi.spyOn(MappedFile.prototype, 'readInto');
    try {
      const into = new Uint8Array(8 * 100);
      // Rows [10, 110) lie in block 0 (rows [0, 8,192)): checked, then known good to its end.
      expect(reader.readRows('close', 10, 100, into, 0)).toBe(8_192);
      expect(new Float64Array(into.buffer, 0, 100)).toEqual(close.subarray(10, 110));
      // Rows [8,000, 8,300) reach into block 1: known good to its end (16,384).
      expect(reader.readRows('close', 8_000, 100, into, 0)).toBe(8_192);
      expect(reader.readRows('close', 8_150, 100, into, 0)).toBe(16_384);
      // The last, short block: good to the column's end.
      expect(reader.readRows('close', ROWS - 100, 100, into, 0)).toBe(ROWS);
      expect(readInto).not.toHaveBeenCalled();
    } finally {
      readInto.mockRestore();
      reader.close();
    }
    // Not checking: the whole column counts as known good.
    const unchecked = file.openRowReader({ verify: false });
    expect(unchecked.readRows('close', 0, 10, new Uint8Array(80), 0)).toBe(ROWS);
    unchecked.close();
    file.close();
  });

  it('rejects rows outside the column with RowRangeError naming file, column, rows asked and rows held', () => {
    const { path } = writeFile('range.col');
    const file = ColumnFile.open(path);
    const reader = file.openRowReader();
    const into = new Uint8Array(800);
    for (const [start, count] of [
      [ROWS - 5, 10],
      [-1, 2],
      [0.5, 2],
    ] as const) {
      const error = catchError(() => reader.readRows('close', start, count, into, 0));
      expect(error).toBeInstanceOf(RowRangeError);
      expect(error).toMatchObject({
        kind: 'usage',
        path,
        field: 'close',
        expected: `rows within [0, ${ROWS})`,
      });
    }
    reader.close();
    file.close();
  });
});
