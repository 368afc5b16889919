import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mappedRssKb } from '@mmtape/test-utils';
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
import { catchError, mulberry32, resealHeader, tempDir } from './helpers.js';

const { dir, cleanup } = tempDir('mmtape-format-');
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

describe('checksums (reference vectors)', () => {
  it('XXH64 hashes "" and "abc" with seed 0 as the xxHash spec says', () => {
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
      // Small blocks on some cases, so that columns span several checksum blocks.
      const checksumBlockBytes = k % 2 === 0 ? 4096 : undefined;
      const written = writeColumnFile(path, { symbol, columns }, { checksumBlockBytes });
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
        expect(f.findBadBlocks()).toEqual([]);
        expect(f.checksumBlockBytes).toBe(checksumBlockBytes ?? 65536);
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
  // "AAPL": 34-byte fixed header + 4 symbol bytes; descriptor 0 ("ts") at 38: u16 len, "ts" (40),
  // dtype (42), statsFlags (43), offset (44), length (52), min (60), max (68); descriptor 1 ("close") at
  // 76 ... 117; block checksum table (u64 each): ts block 0 at 117, close block 0 at 125; header
  // checksum at 133; header length 141; ts data at 192, close data at 640.
  const D0 = { dtype: 42, flags: 43, offset: 44, length: 52 };
  const TABLE = { ts: 117, close: 125 };
  const HEADER_CHECKSUM_AT = 133;
  const CLOSE_AT = 640;

  it('the layout of this file is the one the offsets above assume', () => {
    expect(bytes.readUInt32LE(12)).toBe(141);
    expect(bytes.readUInt32LE(28)).toBe(65536);
    expect(bytes[D0.dtype]).toBe(1);
    expect(Number(bytes.readBigUInt64LE(D0.offset))).toBe(192);
    expect(bytes.readBigUInt64LE(TABLE.close)).toBe(xxh64(bytes.subarray(CLOSE_AT, CLOSE_AT + 400)));
    expect(bytes.readBigUInt64LE(TABLE.ts)).toBe(xxh64(bytes.subarray(192, 592)));
    expect(bytes.readBigUInt64LE(HEADER_CHECKSUM_AT)).toBe(xxh64(bytes.subarray(0, HEADER_CHECKSUM_AT)));
  });

  /** Writes the mutated bytes, the header checksum recomputed after the mutation, and opens them. */
  function openCorrupt(name: string, mutate: (b: Buffer) => Buffer, forceFallback = false): unknown {
    const path = join(dir, name);
    writeFileSync(path, resealHeader(mutate(Buffer.from(bytes))));
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
      (b) => mut(b, () => b.writeUInt16LE(60_000, 32)),
    ],
    [
      'checksum block size not a power of two',
      'MMTAPE_FORMAT_BAD_HEADER',
      (b) => mut(b, () => b.writeUInt32LE(5000, 28)),
    ],
    [
      'checksum block size below 4 KiB',
      'MMTAPE_FORMAT_BAD_HEADER',
      (b) => mut(b, () => b.writeUInt32LE(2048, 28)),
    ],
    [
      'header length 8 bytes past the block checksum table',
      'MMTAPE_FORMAT_BAD_HEADER',
      (b) => mut(b, () => b.writeUInt32LE(149, 12)),
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
    ['invalid UTF-8 symbol', 'MMTAPE_FORMAT_BAD_HEADER', (b) => set(b, 34, 0xff)],
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

  // Without the reseal: any changed header byte after the version is caught by the header checksum.
  const unsealed: [string, number][] = [
    ['row count', 16],
    ['column count', 24],
    ['block size', 29],
    ['symbol', 35],
    ['dtype code f64 -> i64 (a valid code)', 83],
    ['stats (ts min)', 61],
    ['column offset', 45],
    ['block checksum table', TABLE.close],
    ['the header checksum itself', HEADER_CHECKSUM_AT],
  ];
  for (const [what, at] of unsealed) {
    it(`changed ${what} (byte ${at}) -> HEADER_CHECKSUM_MISMATCH at open; verify: false skips the check`, () => {
      const path = join(dir, `unsealed-${at}.col`);
      const b = Buffer.from(bytes);
      b[at] = at === 83 ? 1 : b[at]! ^ 0x04;
      writeFileSync(path, b);
      const e = catchError(() => ColumnFile.open(path));
      expect(isMmtapeError(e, 'MMTAPE_FORMAT_HEADER_CHECKSUM_MISMATCH')).toBe(true);
      expect((e as Error).message).toContain(path);
      expect((e as { offsetBytes?: number }).offsetBytes).toBe(HEADER_CHECKSUM_AT);
      // Unverified, the header may still be structurally invalid: a typed error or an open file.
      try {
        ColumnFile.open(path, { verify: false }).close();
      } catch (e2) {
        expect(isMmtapeError(e2)).toBe(true);
      }
    });
  }

  it('a flipped value: open succeeds, the first read of the column throws BLOCK_CHECKSUM_MISMATCH', () => {
    const path = join(dir, 'bad-block.col');
    const b = Buffer.from(bytes);
    b.writeDoubleLE(-1, CLOSE_AT + 8 * 7);
    writeFileSync(path, b);
    const f = ColumnFile.open(path);
    try {
      expect(f.timestampsNs()[3]).toBe(3000n);
      expect(f.verify(['ts']).columnsVerified).toBe(1);
      const e = catchError(() => f.f64('close'));
      expect(isMmtapeError(e, 'MMTAPE_FORMAT_BLOCK_CHECKSUM_MISMATCH')).toBe(true);
      const err = e as { field?: string; blockIndex?: number; startBytes?: number; endBytes?: number };
      expect(err.field).toBe('close');
      expect(err.blockIndex).toBe(0);
      expect(err.startBytes).toBe(CLOSE_AT);
      expect(err.endBytes).toBe(CLOSE_AT + 400);
      expect((e as Error).message).toMatch(
        new RegExp(
          `${path}: column "close" block 0 \\(bytes 640\\.\\.1040\\) is corrupt: XXH64 [0-9a-f]{16} but the checksum table says [0-9a-f]{16}`,
        ),
      );
      expect(
        isMmtapeError(
          catchError(() => f.verify()),
          'MMTAPE_FORMAT_BLOCK_CHECKSUM_MISMATCH',
        ),
      ).toBe(true);
      expect(f.findBadBlocks().map((x) => [x.column, x.blockIndex])).toEqual([['close', 0]]);
    } finally {
      f.close();
    }
    const unverified = ColumnFile.open(path, { verify: false });
    expect(unverified.f64('close')[7]).toBe(-1);
    expect(unverified.verifyRows('close', 0, 50)).toBe(50);
    expect(unverified.findBadBlocks()).toHaveLength(1);
    unverified.close();
  });

  it('verifyRows checks only the blocks of the rows asked for, and findBadBlocks lists every bad block', () => {
    const path = join(dir, 'blocks.col');
    const rows2 = 2000; // 16,000 bytes of f64 = blocks of 512 rows: 0..3 (the last 464 rows)
    writeColumnFile(
      path,
      {
        symbol: 'B',
        columns: [
          { name: 'ts', dtype: 'i64', data: BigInt64Array.from({ length: rows2 }, (_, i) => BigInt(i)) },
          { name: 'close', dtype: 'f64', data: Float64Array.from({ length: rows2 }, (_, i) => i / 2) },
        ],
      },
      { checksumBlockBytes: 4096 },
    );
    const b = readFileSync(path);
    const f0 = ColumnFile.open(path);
    const closeAt = f0.columns[1]!.offsetBytes;
    f0.close();
    b[closeAt + 4096 + 5]! ^= 0x01; // block 1
    b[closeAt + 3 * 4096 + 100]! ^= 0x80; // block 3
    writeFileSync(path, b);
    const f = ColumnFile.open(path);
    try {
      expect(f.verifyRows('close', 0, 10)).toBe(512);
      expect(f.verifyRows('close', 100, 512)).toBe(512);
      const e = catchError(() => f.verifyRows('close', 500, 600));
      expect(isMmtapeError(e, 'MMTAPE_FORMAT_BLOCK_CHECKSUM_MISMATCH')).toBe(true);
      expect((e as { blockIndex?: number }).blockIndex).toBe(1);
      expect(f.verifyRows('close', 1024, 1100)).toBe(1536);
      expect(f.verifyRows('ts', 0, 2000)).toBe(2000);
      const bad = f.findBadBlocks();
      expect(bad.map((x) => [x.column, x.blockIndex, x.startBytes, x.endBytes])).toEqual([
        ['close', 1, closeAt + 4096, closeAt + 8192],
        ['close', 3, closeAt + 12288, closeAt + 16000],
      ]);
      expect(f.lowerBoundRow(1500n)).toBe(1500);
    } finally {
      f.close();
    }
  });

  it('blockChecksums locates each block checksum; blocks accepted as checked elsewhere are not hashed again', () => {
    const path = join(dir, 'blocks-accepted.col');
    const rows2 = 2000; // close: 16,000 bytes = blocks 0..3 of 4,096 bytes (512 rows); ts: 4 blocks before it
    writeColumnFile(
      path,
      {
        symbol: 'B',
        columns: [
          { name: 'ts', dtype: 'i64', data: BigInt64Array.from({ length: rows2 }, (_, i) => BigInt(i)) },
          { name: 'close', dtype: 'f64', data: Float64Array.from({ length: rows2 }, (_, i) => i / 4) },
        ],
      },
      { checksumBlockBytes: 4096 },
    );
    const b = readFileSync(path);
    const f0 = ColumnFile.open(path);
    const closeAt = f0.columns[1]!.offsetBytes;
    const sums = f0.blockChecksums('close')!;
    f0.close();
    expect(sums.blockBytes).toBe(4096);
    expect(sums.firstEntry).toBe(4);
    // Block 2 of close: its XXH64 as a little-endian u64 at the table entry the layout names.
    const entry = sums.tableOffsetBytes + 8 * (sums.firstEntry + 2);
    expect(b.readBigUInt64LE(entry)).toBe(xxh64(b.subarray(closeAt + 2 * 4096, closeAt + 3 * 4096)));
    b[closeAt + 4096 + 5]! ^= 0x01; // block 1
    b[closeAt + 3 * 4096 + 100]! ^= 0x80; // block 3
    writeFileSync(path, b);
    const f = ColumnFile.open(path);
    try {
      // Blocks 1 and 2 accepted as checked (another reader's word): the bad block 1 is not hashed here,
      // block 0 is (good).
      f.acceptCheckedBlocks('close', 1, 3);
      expect(f.verifyRows('close', 500, 600, true)).toBeGreaterThanOrEqual(1024);
      // Block 3 was not accepted: it is hashed, and found bad.
      const e = catchError(() => f.verifyRows('close', 1536, 1600, true));
      expect(isMmtapeError(e, 'MMTAPE_FORMAT_BLOCK_CHECKSUM_MISMATCH')).toBe(true);
      expect((e as { blockIndex?: number }).blockIndex).toBe(3);
      f.acceptCheckedBlocks('close', 0, 99); // past the last block: the column's blocks only
      expect(f.verifyRows('close', 0, rows2)).toBe(rows2);
    } finally {
      f.close();
    }
    const unverified = ColumnFile.open(path, { verify: false });
    expect(unverified.blockChecksums('close')).toBeUndefined();
    unverified.close();
  });

  it('verifyRows fromFile finds the same bad blocks from file reads, maps no page, and reads the mapping once the file is replaced', () => {
    const path = join(dir, 'blocks-pread.col');
    const rows2 = 6000; // 48,000 bytes of f64 = 12 blocks of 4,096 bytes (512 rows); a read covers 64
    const write = (target: string, scale: number) =>
      writeColumnFile(
        target,
        {
          symbol: 'P',
          columns: [
            { name: 'ts', dtype: 'i64', data: BigInt64Array.from({ length: rows2 }, (_, i) => BigInt(i)) },
            { name: 'close', dtype: 'f64', data: Float64Array.from({ length: rows2 }, (_, i) => i * scale) },
          ],
        },
        { checksumBlockBytes: 4096 },
      );
    write(path, 0.5);
    const b = readFileSync(path);
    const f0 = ColumnFile.open(path);
    const closeAt = f0.columns[1]!.offsetBytes;
    f0.close();
    b[closeAt + 9 * 4096 + 3]! ^= 0x04; // block 9
    writeFileSync(path, b);
    const smapsRssKb = (): number => mappedRssKb(path);
    const f = ColumnFile.open(path);
    try {
      const before = smapsRssKb(); // the header and descriptors, read at open
      // The column's first read reads only the block asked for (rows 0..10: block 0).
      expect(f.verifyRows('close', 0, 10, true)).toBe(512);
      // After a checked block a read reads ahead: rows 512..520 read the other 11 blocks; blocks 1..8 are
      // found good, the bad block 9 (read ahead, not asked for) ends the good run without throwing.
      expect(f.verifyRows('close', 512, 520, true)).toBe(4608);
      expect(smapsRssKb()).toBe(before);
      const e = catchError(() => f.verifyRows('close', 4608, 4700, true));
      expect(isMmtapeError(e, 'MMTAPE_FORMAT_BLOCK_CHECKSUM_MISMATCH')).toBe(true);
      expect((e as { blockIndex?: number }).blockIndex).toBe(9);
      expect((e as { startBytes?: number }).startBytes).toBe(closeAt + 9 * 4096);
      expect(f.verifyRows('ts', 0, 1, true)).toBe(512);
      expect(f.verifyRows('ts', 512, 513, true)).toBe(rows2);
      expect(smapsRssKb()).toBe(before);
    } finally {
      f.close();
    }
    // Renamed over by another file (another inode): the blocks are hashed in the mapping, which still
    // holds the first file (intact), not in the new file (whose blocks differ from the mapped table).
    write(path, 0.25);
    const g = ColumnFile.open(path);
    write(`${path}.new`, 0.75);
    renameSync(`${path}.new`, path);
    expect(g.verifyRows('close', 0, 10, true)).toBe(512);
    expect(g.f64('close')[7]).toBe(7 * 0.25);
    g.close();
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
