import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type ColumnData,
  ColumnFile,
  type DType,
  isMmtapeError,
  writeColumnFile,
  xxh64,
  xxh64Hex,
} from '../src/index.js';
import { catchError, mulberry32, tempDir } from './helpers.js';

const { dir, cleanup } = tempDir('mmtape-v1-');
afterAll(cleanup);

const DTYPES: DType[] = ['i64', 'f64', 'f32', 'i32', 'u8'];

/** Runs a mutation and returns the buffer. */
function mut(b: Buffer, fn: () => unknown): Buffer {
  fn();
  return b;
}

/** Sets one byte and returns the buffer. */
function set(b: Buffer, offset: number, value: number): Buffer {
  b[offset] = value;
  return b;
}

function randomColumn(dtype: DType, rows: number, rand: () => number): ColumnData {
  switch (dtype) {
    case 'i64':
      return BigInt64Array.from({ length: rows }, () => BigInt(Math.floor((rand() - 0.5) * 2 ** 53)));
    case 'f64':
      return Float64Array.from({ length: rows }, () => (rand() < 0.1 ? Number.NaN : (rand() - 0.5) * 1e9));
    case 'f32':
      return Float32Array.from({ length: rows }, () => (rand() < 0.1 ? Number.NaN : (rand() - 0.5) * 1e3));
    case 'i32':
      return Int32Array.from({ length: rows }, () => Math.floor((rand() - 0.5) * 2 ** 32));
    case 'u8':
      return Uint8Array.from({ length: rows }, () => Math.floor(rand() * 256));
  }
}

function expectedStats(data: ColumnData): { min: number | bigint; max: number | bigint } | undefined {
  const values = Array.from(data as ArrayLike<number | bigint>).filter((v) => !Number.isNaN(v));
  if (values.length === 0) return undefined;
  let min = values[0]!;
  let max = values[0]!;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

describe('xxh64 (reference vectors from the xxHash spec)', () => {
  it('hashes "" and "abc" with seed 0', () => {
    expect(xxh64Hex(new Uint8Array(0))).toBe('ef46db3751d8e999');
    expect(xxh64(new TextEncoder().encode('abc'))).toBe(0x44bc2cf5ad770999n);
  });
});

describe('seeded round-trip property: random schemas and row counts (incl. 0 and 1)', () => {
  const rand = mulberry32(0x5eed_0001);
  const cases = 40;
  for (let k = 0; k < cases; k++) {
    const rows = k === 0 ? 0 : k === 1 ? 1 : Math.floor(rand() ** 3 * 5000);
    const forceFallback = k % 4 === 3;
    it(`case ${k}: ${rows} rows, fallback=${forceFallback}`, () => {
      const nCols = 1 + Math.floor(rand() * 8);
      const columns = Array.from({ length: nCols }, (_, i) => {
        const dtype = DTYPES[Math.floor(rand() * DTYPES.length)]!;
        return { name: `c${i}-${'é'.repeat(i % 3)}`, dtype, data: randomColumn(dtype, rows, rand) };
      });
      const symbol = ['BRK.B', 'ES=F', '日本/..\u0000x', 'A'][k % 4]!;
      const path = join(dir, `prop-${k}.col`);
      const written = writeColumnFile(path, { symbol, columns });
      const f = ColumnFile.open(path, { forceFallback });
      try {
        expect(f.rowCount).toBe(rows);
        expect(f.symbol).toBe(symbol);
        expect(written.sizeBytes).toBe(readFileSync(path).byteLength);
        expect(written.headerChecksum).toBe(f.headerChecksum);
        for (const c of columns) {
          const view = f.column(c.name);
          expect(Array.from(view as ArrayLike<unknown>)).toEqual(Array.from(c.data as ArrayLike<unknown>));
          const d = f.columns.find((x) => x.name === c.name)!;
          const stats = expectedStats(c.data);
          expect(d.min).toEqual(stats?.min);
          expect(d.max).toEqual(stats?.max);
          expect(d.offsetBytes % 64).toBe(0);
        }
        const checks = f.verifyNoCopies({ all: true });
        expect(checks).toHaveLength(columns.length);
        expect(checks.every((c) => c.aliases && c.sameArrayBuffer)).toBe(true);
        expect(f.verify().columnsVerified).toBe(columns.length);
      } finally {
        f.close();
      }
    });
  }
});

describe('every validation path gives a typed error (hand-made corrupt files)', () => {
  const rows = 50;
  const base = join(dir, 'base.col');
  writeColumnFile(base, {
    symbol: 'AAPL',
    columns: [
      { name: 'ts', dtype: 'i64', data: BigInt64Array.from({ length: rows }, (_, i) => BigInt(i) * 1000n) },
      { name: 'close', dtype: 'f64', data: Float64Array.from({ length: rows }, (_, i) => 100 + i) },
    ],
  });
  const bytes = readFileSync(base);
  // "AAPL": 30-byte fixed header + 4 symbol bytes; descriptor 0 ("ts") at 34: u16 len, "ts" (36),
  // dtype (38), statsFlags (39), offset (40), length (48), min (56), max (64), checksum (72); descriptor 1 at 80.
  const D0 = { dtype: 38, flags: 39, offset: 40, length: 48, checksum: 72 };

  function openCorrupt(name: string, mutate: (b: Buffer) => Buffer, forceFallback = false): unknown {
    const path = join(dir, name);
    writeFileSync(path, mutate(Buffer.from(bytes)));
    return catchError(() => ColumnFile.open(path, { forceFallback }).close());
  }

  const cases: [string, string, (b: Buffer) => Buffer][] = [
    ['wrong magic', 'MMTAPE_FORMAT_BAD_MAGIC', (b) => set(b, 0, 0x00)],
    ['truncated fixed header', 'MMTAPE_FORMAT_TRUNCATED_FILE', (b) => b.subarray(0, 20)],
    ['empty file', 'MMTAPE_FORMAT_TRUNCATED_FILE', () => Buffer.alloc(0)],
    ['truncated inside descriptors', 'MMTAPE_FORMAT_TRUNCATED_FILE', (b) => b.subarray(0, 60)],
    ['bad version', 'MMTAPE_FORMAT_UNSUPPORTED_VERSION', (b) => mut(b, () => b.writeUInt16LE(7, 8))],
    [
      'header length smaller than fixed header',
      'MMTAPE_FORMAT_BAD_HEADER',
      (b) => mut(b, () => b.writeUInt32LE(3, 12)),
    ],
    [
      'row count above 2^53',
      'MMTAPE_FORMAT_BAD_HEADER',
      (b) => mut(b, () => b.writeBigUInt64LE(1n << 60n, 16)),
    ],
    [
      'symbol length past header',
      'MMTAPE_FORMAT_BAD_HEADER',
      (b) => mut(b, () => b.writeUInt16LE(60_000, 28)),
    ],
    ['column count too large', 'MMTAPE_FORMAT_TRUNCATED_FILE', (b) => mut(b, () => b.writeUInt32LE(9, 24))],
    ['unknown dtype code', 'MMTAPE_FORMAT_BAD_HEADER', (b) => set(b, D0.dtype, 0)],
    ['unknown stats flags', 'MMTAPE_FORMAT_BAD_HEADER', (b) => set(b, D0.flags, 0x80)],
    [
      'offset past end',
      'MMTAPE_FORMAT_COLUMN_OUT_OF_BOUNDS',
      (b) => mut(b, () => b.writeBigUInt64LE(1n << 40n, D0.offset)),
    ],
    [
      'offset inside header',
      'MMTAPE_FORMAT_COLUMN_OUT_OF_BOUNDS',
      (b) => mut(b, () => b.writeBigUInt64LE(0n, D0.offset)),
    ],
    [
      'misaligned offset',
      'MMTAPE_FORMAT_MISALIGNED_COLUMN',
      (b) => mut(b, () => b.writeBigUInt64LE(b.readBigUInt64LE(D0.offset) + 8n, D0.offset)),
    ],
    [
      'length overflow (offset + length wraps past 2^64)',
      'MMTAPE_FORMAT_COLUMN_OUT_OF_BOUNDS',
      (b) => mut(b, () => b.writeBigUInt64LE(0xffff_ffff_ffff_ffc0n, D0.length)),
    ],
    [
      'length not rows x size',
      'MMTAPE_FORMAT_COLUMN_LENGTH_MISMATCH',
      (b) => mut(b, () => b.writeBigUInt64LE(8n, D0.length)),
    ],
    ['truncated data', 'MMTAPE_FORMAT_COLUMN_OUT_OF_BOUNDS', (b) => b.subarray(0, b.byteLength - 1)],
    ['invalid UTF-8 symbol', 'MMTAPE_FORMAT_BAD_HEADER', (b) => set(b, 30, 0xff)],
  ];
  for (const [what, code, mutate] of cases) {
    for (const forceFallback of [false, true]) {
      it(`${what} -> ${code} (fallback=${forceFallback})`, () => {
        const e = openCorrupt(`${what.replace(/\W+/g, '_')}-${forceFallback}.col`, mutate, forceFallback);
        expect(isMmtapeError(e, code)).toBe(true);
        expect((e as Error).message).toContain(dir);
      });
    }
  }

  it('bad checksum: open succeeds (no hashing at open), verify() throws MMTAPE_FORMAT_CHECKSUM_MISMATCH', () => {
    const path = join(dir, 'bad-checksum.col');
    const b = Buffer.from(bytes);
    const closeOffset = Number(b.readBigUInt64LE(80 + 2 + 'close'.length + 2));
    b.writeDoubleLE(-1, closeOffset + 8 * 7);
    writeFileSync(path, b);
    const f = ColumnFile.open(path);
    try {
      expect(f.f64('close')[7]).toBe(-1);
      expect(f.verify(['ts']).columnsVerified).toBe(1);
      const e = catchError(() => f.verify());
      expect(isMmtapeError(e, 'MMTAPE_FORMAT_CHECKSUM_MISMATCH')).toBe(true);
      expect((e as { field?: string }).field).toBe('close');
      expect((e as Error).message).toMatch(/column "close" checksum is [0-9a-f]{16} but the header says/);
    } finally {
      f.close();
    }
  });

  it('corrupted checksum field itself is caught by verify()', () => {
    const path = join(dir, 'bad-checksum-field.col');
    const b = Buffer.from(bytes);
    b.writeBigUInt64LE(123n, D0.checksum);
    writeFileSync(path, b);
    const f = ColumnFile.open(path);
    expect(
      isMmtapeError(
        catchError(() => f.verify()),
        'MMTAPE_FORMAT_CHECKSUM_MISMATCH',
      ),
    ).toBe(true);
    f.close();
  });

  it('seeded fuzz: random byte flips in the header never crash, they open or throw typed errors', () => {
    const rand = mulberry32(77);
    for (let i = 0; i < 300; i++) {
      const b = Buffer.from(bytes);
      const flips = 1 + Math.floor(rand() * 3);
      for (let k = 0; k < flips; k++) b[Math.floor(rand() * 120)] = Math.floor(rand() * 256);
      const path = join(dir, 'fuzz.col');
      writeFileSync(path, b);
      try {
        const f = ColumnFile.open(path);
        for (const c of f.columns) f.column(c.name);
        f.close();
      } catch (e) {
        expect(isMmtapeError(e)).toBe(true);
      }
    }
  });
});

describe('zero-copy and binary search', () => {
  it('verifyNoCopies reports views at the expected byteOffset of the mapping', () => {
    const path = join(dir, 'zc.col');
    const ts = BigInt64Array.from({ length: 1000 }, (_, i) => BigInt(i * 10));
    writeColumnFile(path, { symbol: 'Z', columns: [{ name: 'ts', dtype: 'i64', data: ts }] });
    const f = ColumnFile.open(path);
    const view = f.timestampsNs();
    const [check] = f.verifyNoCopies();
    expect(check!.aliases).toBe(true);
    expect(view.buffer).toBe(f.file.buffer.buffer);
    expect(view.byteOffset).toBe(f.file.buffer.byteOffset + f.columns[0]!.offsetBytes);
    expect(f.lowerBoundRow(-5n)).toBe(0);
    expect(f.lowerBoundRow(55n)).toBe(6);
    expect(f.lowerBoundRow(50n)).toBe(5);
    expect(f.lowerBoundRow(10_000n)).toBe(1000);
    f.close();
  });

  it('lowerBoundRow refuses unsorted files', () => {
    const path = join(dir, 'unsorted.col');
    writeColumnFile(path, {
      symbol: 'U',
      columns: [{ name: 'ts', dtype: 'i64', data: BigInt64Array.of(3n, 1n) }],
    });
    const f = ColumnFile.open(path);
    expect(f.sortedByTimestamp).toBe(false);
    expect(
      isMmtapeError(
        catchError(() => f.lowerBoundRow(2n)),
        'MMTAPE_FORMAT_NOT_SORTED',
      ),
    ).toBe(true);
    f.close();
  });
});
