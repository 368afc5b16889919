import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  COLUMN_ALIGNMENT_BYTES,
  type ColumnData,
  ColumnFile,
  DTYPE_SIZE_BYTES,
  type DType,
  isMmtapeError,
  writeColumnFile,
} from '../src/index.js';
import { catchError, mulberry32, resealHeader, tempDir } from './helpers.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

const DTYPES: DType[] = ['i64', 'f64', 'f32', 'i32', 'u8'];

function randomColumn(dtype: DType, rows: number, rand: () => number): ColumnData {
  switch (dtype) {
    case 'i64':
      return BigInt64Array.from({ length: rows }, () => BigInt(Math.floor((rand() - 0.5) * 2 ** 52)) * 1000n);
    case 'f64':
      return Float64Array.from({ length: rows }, () => (rand() < 0.05 ? Number.NaN : (rand() - 0.5) * 1e6));
    case 'f32':
      return Float32Array.from({ length: rows }, () => (rand() - 0.5) * 1e3);
    case 'i32':
      return Int32Array.from({ length: rows }, () => Math.floor((rand() - 0.5) * 2 ** 31));
    case 'u8':
      return Uint8Array.from({ length: rows }, () => Math.floor(rand() * 256));
  }
}

function writeSample(name: string, symbol = 'AAPL', rows = 100): string {
  const path = join(dir, name);
  const ts = BigInt64Array.from(
    { length: rows },
    (_, i) => 1_500_000_000_000_000_000n + BigInt(i) * 60_000_000_000n,
  );
  const close = Float64Array.from({ length: rows }, (_, i) => 100 + i / 10);
  const volume = Float64Array.from({ length: rows }, (_, i) => i * 1000);
  writeColumnFile(path, {
    symbol,
    columns: [
      { name: 'ts', dtype: 'i64', data: ts },
      { name: 'close', dtype: 'f64', data: close },
      { name: 'volume', dtype: 'f64', data: volume },
    ],
  });
  return path;
}

describe('writeColumnFile / ColumnFile round trip', () => {
  const rand = mulberry32(20240611);
  const rowCounts = [0, 1, 2, 7, 64, 1000, 25_001];
  for (const forceFallback of [false, true]) {
    for (const rows of rowCounts) {
      it(`random schema with ${rows} rows (forceFallback=${forceFallback})`, () => {
        const nCols = 1 + Math.floor(rand() * 6);
        const columns = Array.from({ length: nCols }, (_, i) => {
          const dtype = DTYPES[Math.floor(rand() * DTYPES.length)]!;
          return { name: `c${i}_${dtype}`, dtype, data: randomColumn(dtype, rows, rand) };
        });
        columns.push(
          ...DTYPES.map((dtype) => ({ name: `all_${dtype}`, dtype, data: randomColumn(dtype, rows, rand) })),
        );
        const path = join(dir, `rt-${rows}-${forceFallback}.col`);
        writeColumnFile(path, { symbol: 'BRK.B ü', columns });
        const f = ColumnFile.open(path, { forceFallback });
        try {
          expect(f.file.backend).toBe(forceFallback ? 'fallback' : 'mmap');
          expect(f.rowCount).toBe(rows);
          expect(f.symbol).toBe('BRK.B ü');
          expect(f.columns.map((c) => [c.name, c.dtype])).toEqual(columns.map((c) => [c.name, c.dtype]));
          for (const c of columns) {
            const view = f.column(c.name);
            expect(view.constructor).toBe(c.data.constructor);
            expect(Array.from(view as ArrayLike<unknown>)).toEqual(Array.from(c.data as ArrayLike<unknown>));
            const d = f.columns.find((x) => x.name === c.name)!;
            expect(d.offsetBytes % COLUMN_ALIGNMENT_BYTES).toBe(0);
            expect(d.lengthBytes).toBe(rows * DTYPE_SIZE_BYTES[c.dtype]);
            if (!forceFallback || !f.copiedForAlignment) expect(view.buffer).toBe(f.file.buffer.buffer);
          }
        } finally {
          f.close();
        }
      });
    }
  }

  it('mmap views are zero-copy over the mapped buffer and cached', () => {
    const f = ColumnFile.open(writeSample('zc.col'));
    try {
      expect(f.file.backend).toBe('mmap');
      const ts = f.timestampsNs();
      expect(ts.buffer).toBe(f.file.buffer.buffer);
      expect(f.file.buffer.byteOffset).toBe(0);
      expect(f.copiedForAlignment).toBe(false);
      expect(f.f64('close')).toBe(f.f64('close'));
      expect(f.sortedByTimestamp).toBe(true);
      expect(ts[1]! - ts[0]!).toBe(60_000_000_000n);
      expect(f.f64('close')[10]).toBeCloseTo(101, 12);
    } finally {
      f.close();
    }
  });

  it('accessors check names and dtypes; closed files throw', () => {
    const f = ColumnFile.open(writeSample('acc.col'));
    expect(
      isMmtapeError(
        catchError(() => f.f64('ts')),
        'MMTAPE_FORMAT_COLUMN_DTYPE_MISMATCH',
      ),
    ).toBe(true);
    expect(
      isMmtapeError(
        catchError(() => f.column('nope')),
        'MMTAPE_FORMAT_COLUMN_NOT_FOUND',
      ),
    ).toBe(true);
    f.close();
    expect(f.closed).toBe(true);
    expect(
      isMmtapeError(
        catchError(() => f.column('close')),
        'MMTAPE_FORMAT_FILE_CLOSED',
      ),
    ).toBe(true);
    f.close(); // idempotent
  });

  it('writer rejects columns of different lengths, dtype mismatches and duplicate names', () => {
    const path = join(dir, 'bad-write.col');
    const e = catchError(() =>
      writeColumnFile(path, {
        symbol: 'X',
        columns: [
          { name: 'ts', dtype: 'i64', data: new BigInt64Array(3) },
          { name: 'close', dtype: 'f64', data: new Float64Array(2) },
        ],
      }),
    );
    expect(isMmtapeError(e, 'MMTAPE_FORMAT_INVALID_WRITE_INPUT')).toBe(true);
    expect((e as Error).message).toContain('column "close" has 2 rows, expected 3');
    const e2 = catchError(() =>
      writeColumnFile(path, {
        symbol: 'X',
        columns: [{ name: 'a', dtype: 'f64', data: new Float32Array(2) }],
      }),
    );
    expect((e2 as Error).message).toContain('declared f64 but data is f32');
    const e3 = catchError(() =>
      writeColumnFile(path, {
        symbol: 'X',
        columns: [
          { name: 'a', dtype: 'f64', data: new Float64Array(2) },
          { name: 'a', dtype: 'f64', data: new Float64Array(2) },
        ],
      }),
    );
    expect(isMmtapeError(e3, 'MMTAPE_FORMAT_INVALID_WRITE_INPUT')).toBe(true);
    expect(() => readFileSync(path)).toThrow(); // nothing written, no temp left behind
  });

  it('sorted flag is cleared for unsorted ts', () => {
    const path = join(dir, 'unsorted.col');
    writeColumnFile(path, {
      symbol: 'X',
      columns: [{ name: 'ts', dtype: 'i64', data: BigInt64Array.of(5n, 3n) }],
    });
    const f = ColumnFile.open(path);
    expect(f.sortedByTimestamp).toBe(false);
    f.close();
  });
});

describe('corrupt files give typed errors naming the file', () => {
  const base = readFileSync(writeSample('base.col', 'AAPL', 100));
  // Layout for symbol "AAPL": fixed header (34 bytes) + 4 symbol bytes; descriptor 0 ("ts") starts at 38:
  // u16 name length (38), "ts" (40), u8 dtype (42), u8 statsFlags (43), u64 offsetBytes (44),
  // u64 lengthBytes (52), min (60), max (68).
  const DESC0_OFFSET_FIELD = 44;

  /** Writes the mutated bytes with the header checksum recomputed (to reach the validation behind it). */
  function corrupt(name: string, mutate: (b: Buffer) => Buffer): unknown {
    const path = join(dir, name);
    writeFileSync(path, resealHeader(mutate(Buffer.from(base))));
    for (const forceFallback of [false, true]) {
      const e = catchError(() => ColumnFile.open(path, { forceFallback }));
      expect(isMmtapeError(e)).toBe(true);
      expect((e as Error).message).toContain(path);
      expect((e as { path?: string }).path).toBe(path);
    }
    return catchError(() => ColumnFile.open(path));
  }

  it('truncated inside the data: column ends past EOF', () => {
    const e = corrupt('trunc-data.col', (b) => b.subarray(0, b.byteLength - 100));
    expect(isMmtapeError(e, 'MMTAPE_FORMAT_COLUMN_OUT_OF_BOUNDS')).toBe(true);
    expect((e as Error).message).toMatch(/column "volume" ends at byte \d+ but file has \d+ bytes/);
  });

  it('truncated inside the header', () => {
    const e = corrupt('trunc-head.col', (b) => b.subarray(0, 20));
    expect(isMmtapeError(e, 'MMTAPE_FORMAT_TRUNCATED_FILE')).toBe(true);
    expect((e as Error).message).toContain('file has 20 bytes but the fixed header needs 34');
    const e2 = corrupt('trunc-head2.col', (b) => b.subarray(0, 50));
    expect(isMmtapeError(e2, 'MMTAPE_FORMAT_TRUNCATED_FILE')).toBe(true);
  });

  it('empty file', () => {
    const path = join(dir, 'empty.col');
    writeFileSync(path, Buffer.alloc(0));
    const e = catchError(() => ColumnFile.open(path, { forceFallback: true }));
    expect(isMmtapeError(e)).toBe(true);
    expect((e as Error).message).toContain(path);
  });

  it('bad magic', () => {
    const e = corrupt('magic.col', (b) => {
      b[0] = 0x50;
      return b;
    });
    expect(isMmtapeError(e, 'MMTAPE_FORMAT_BAD_MAGIC')).toBe(true);
    expect((e as Error).message).toContain('expected 4d 4d 54 41 50 45 00 01 but found 50 4d');
  });

  it('bad version', () => {
    const e = corrupt('version.col', (b) => {
      b.writeUInt16LE(1, 8);
      return b;
    });
    expect(isMmtapeError(e, 'MMTAPE_FORMAT_UNSUPPORTED_VERSION')).toBe(true);
    expect((e as Error).message).toContain('format version 1 is not supported, expected 2');
  });

  it('header length past EOF', () => {
    const e = corrupt('hlen.col', (b) => {
      b.writeUInt32LE(1_000_000, 12);
      return b;
    });
    expect(isMmtapeError(e, 'MMTAPE_FORMAT_TRUNCATED_FILE')).toBe(true);
  });

  /** A file with columns ts, px, qx (f64) and the header offset of a descriptor's name. */
  function pxqx(name: string): { path: string; bytes: Buffer; nameAt: (n: string) => number } {
    const path = join(dir, name);
    const rows = 50;
    writeColumnFile(path, {
      symbol: 'XY',
      columns: [
        { name: 'ts', dtype: 'i64', data: BigInt64Array.from({ length: rows }, (_, i) => BigInt(i)) },
        { name: 'px', dtype: 'f64', data: Float64Array.from({ length: rows }, (_, i) => i + 0.5) },
        { name: 'qx', dtype: 'f64', data: Float64Array.from({ length: rows }, (_, i) => -i) },
      ],
    });
    const bytes = readFileSync(path);
    const headerBytes = bytes.readUInt32LE(12);
    const nameAt = (n: string) => bytes.subarray(0, headerBytes).indexOf(Buffer.from(n));
    return { path, bytes, nameAt };
  }

  it('duplicate column names in a header are refused', () => {
    const { path, bytes, nameAt } = pxqx('dup-names.col');
    bytes.write('px', nameAt('qx'), 'latin1');
    writeFileSync(path, resealHeader(bytes));
    const e = catchError(() => ColumnFile.open(path));
    expect(isMmtapeError(e, 'MMTAPE_FORMAT_BAD_HEADER')).toBe(true);
    expect((e as Error).message).toContain('duplicate name "px"');
  });

  it('descriptors listed out of offset order still open (the overlap check sorts by offset)', () => {
    const { path, bytes, nameAt } = pxqx('swapped.col');
    // Offset field: after the name, one dtype byte and one stats-flags byte.
    const pxOffsetAt = nameAt('px') + 2 + 2;
    const qxOffsetAt = nameAt('qx') + 2 + 2;
    const px = bytes.readBigUInt64LE(pxOffsetAt);
    const qx = bytes.readBigUInt64LE(qxOffsetAt);
    bytes.writeBigUInt64LE(qx, pxOffsetAt);
    bytes.writeBigUInt64LE(px, qxOffsetAt);
    writeFileSync(path, resealHeader(bytes));
    const f = ColumnFile.open(path, { verify: false });
    expect(f.f64('px')[3]).toBe(-3); // the descriptors point at each other's data now
    expect(f.f64('qx')[3]).toBe(3.5);
    // The block checksums are per descriptor slot: the swapped data no longer matches them.
    expect(
      isMmtapeError(
        catchError(() => f.verify()),
        'MMTAPE_FORMAT_BLOCK_CHECKSUM_MISMATCH',
      ),
    ).toBe(true);
    f.close();
    // Unsealed (as corruption would leave it), the swap is caught at open by the header checksum.
    const unsealed = Buffer.from(bytes);
    unsealed[unsealed.readUInt32LE(12) - 1]! ^= 0xff;
    writeFileSync(path, unsealed);
    expect(
      isMmtapeError(
        catchError(() => ColumnFile.open(path)),
        'MMTAPE_FORMAT_HEADER_CHECKSUM_MISMATCH',
      ),
    ).toBe(true);
    // And a real overlap is still found: qx moved onto px.
    bytes.writeBigUInt64LE(qx, qxOffsetAt);
    writeFileSync(path, resealHeader(bytes));
    const e = catchError(() => ColumnFile.open(path));
    expect(isMmtapeError(e, 'MMTAPE_FORMAT_BAD_HEADER')).toBe(true);
    expect((e as Error).message).toMatch(/inside column/);
  });

  it('descriptor offset past EOF', () => {
    const e = corrupt('offset.col', (b) => {
      b.writeBigUInt64LE(1n << 40n, DESC0_OFFSET_FIELD);
      return b;
    });
    expect(isMmtapeError(e, 'MMTAPE_FORMAT_COLUMN_OUT_OF_BOUNDS')).toBe(true);
    expect((e as Error).message).toMatch(/column "ts" ends at byte 1099511628576 but file has \d+ bytes/);
  });

  it('descriptor offset or length above 2^53: out of bounds with the exact end (no BigInt on the happy path)', () => {
    const offset = corrupt('offset-2-60.col', (b) => {
      b.writeBigUInt64LE(1n << 60n, DESC0_OFFSET_FIELD);
      return b;
    });
    expect(isMmtapeError(offset, 'MMTAPE_FORMAT_COLUMN_OUT_OF_BOUNDS')).toBe(true);
    // The exact end (2^60 + the column's length), computed in BigInt only for the message.
    const offsetEnd = BigInt(
      /column "ts" ends at byte (\d+) but file has/.exec((offset as Error).message)![1]!,
    );
    expect(offsetEnd > 1n << 60n && offsetEnd < (1n << 60n) + 1_000_000n).toBe(true);
    const length = corrupt('length-2-60.col', (b) => {
      b.writeBigUInt64LE((1n << 60n) + 8n, DESC0_OFFSET_FIELD + 8);
      return b;
    });
    expect(isMmtapeError(length, 'MMTAPE_FORMAT_COLUMN_OUT_OF_BOUNDS')).toBe(true);
    const lengthEnd = BigInt(
      /column "ts" ends at byte (\d+) but file has/.exec((length as Error).message)![1]!,
    );
    expect(lengthEnd > (1n << 60n) + 8n && lengthEnd < (1n << 60n) + 1_000_000n).toBe(true);
  });

  it('decodes ASCII names on the fast path and longer or non-ASCII names through UTF-8', () => {
    const long = `x${'y'.repeat(80)}`;
    const path = join(dir, 'names.col');
    const data = BigInt64Array.from([1n, 2n]);
    writeColumnFile(path, {
      symbol: 'ÅSE',
      columns: [
        { name: 'ts', dtype: 'i64', data },
        { name: long, dtype: 'f64', data: Float64Array.from([1, 2]) },
        { name: 'prix €', dtype: 'f64', data: Float64Array.from([3, 4]) },
      ],
    });
    const f = ColumnFile.open(path);
    try {
      expect(f.symbol).toBe('ÅSE');
      expect(f.columns.map((c) => c.name)).toEqual(['ts', long, 'prix €']);
      expect(Array.from(f.f64('prix €'))).toEqual([3, 4]);
    } finally {
      f.close();
    }
  });

  it('misaligned offset', () => {
    const e = corrupt('misaligned.col', (b) => {
      b.writeBigUInt64LE(b.readBigUInt64LE(DESC0_OFFSET_FIELD) + 8n, DESC0_OFFSET_FIELD);
      return b;
    });
    expect(isMmtapeError(e, 'MMTAPE_FORMAT_MISALIGNED_COLUMN')).toBe(true);
    expect((e as Error).message).toContain('expected a multiple of 64');
  });

  it('length not rowCount * dtype size', () => {
    const e = corrupt('length.col', (b) => {
      b.writeBigUInt64LE(16n, DESC0_OFFSET_FIELD + 8);
      return b;
    });
    expect(isMmtapeError(e, 'MMTAPE_FORMAT_COLUMN_LENGTH_MISMATCH')).toBe(true);
    expect((e as Error).message).toContain('has 16 bytes, expected 800');
  });

  it('unknown dtype code', () => {
    const e = corrupt('dtype.col', (b) => {
      b[42] = 9;
      return b;
    });
    expect(isMmtapeError(e, 'MMTAPE_FORMAT_BAD_HEADER')).toBe(true);
  });

  it('missing file', () => {
    const e = catchError(() => ColumnFile.open(join(dir, 'nope.col')));
    expect(isMmtapeError(e, 'MMTAPE_FORMAT_OPEN_FAILED')).toBe(true);
  });

  it('seeded random header corruption never crashes and never returns inconsistent columns', () => {
    const rand = mulberry32(7);
    const path = join(dir, 'fuzz.col');
    let opened = 0;
    for (let i = 0; i < 300; i++) {
      const b = Buffer.from(base);
      const flips = 1 + Math.floor(rand() * 3);
      for (let k = 0; k < flips; k++) b[Math.floor(rand() * 120)] = Math.floor(rand() * 256);
      writeFileSync(path, b);
      try {
        const f = ColumnFile.open(path, { forceFallback: true });
        opened++;
        for (const c of f.columns) {
          expect(c.offsetBytes + c.lengthBytes).toBeLessThanOrEqual(b.byteLength);
          expect(f.column(c.name).length).toBe(f.rowCount);
        }
        f.close();
      } catch (e) {
        expect(isMmtapeError(e)).toBe(true);
      }
    }
    expect(opened).toBeLessThan(300);
  });
});
