import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dataset, DatasetWriter } from '@mmtape/columnar-format';
import { afterAll, describe, expect, it } from 'vitest';
import { replayChunks } from '../src/index.js';
import { flipByte } from './cold-dataset.js';

/**
 * Verified reads through the replay (FORMAT.md, "Verified reads"): files are opened by the replay and
 * their blocks checked as the merge reaches them, so a corrupt block must stop the replay with the typed
 * error (file, column, block, bytes) before any of its rows is handed out, whatever the layout.
 */

const SECOND_NS = 1_000_000_000n;
const START_NS = 1_704_067_200n * SECOND_NS; // 2024-01-01T00:00:00Z
const ROWS = 20_000; // 160,000 bytes per 8-byte column: 3 checksum blocks of 64 KiB (the writer's default)
const SYMBOLS = ['A', 'B', 'C'];
/** Rows per 64 KiB checksum block of an 8-byte column. */
const BLOCK_ROWS = 65_536 / 8;

function write(dir: string, segmentBytes?: number): void {
  const writer = DatasetWriter.create(dir, { segmentBytes });
  SYMBOLS.forEach((symbol, s) => {
    const ts = BigInt64Array.from({ length: ROWS }, (_, i) => START_NS + BigInt(i * 60 + s) * SECOND_NS);
    writer.writeSymbol(symbol, [
      { name: 'ts', dtype: 'i64', data: ts },
      { name: 'close', dtype: 'f64', data: Float64Array.from({ length: ROWS }, (_, i) => s * 1e6 + i) },
      { name: 'volume', dtype: 'f64', data: Float64Array.from({ length: ROWS }, (_, i) => i) },
    ]);
  });
  writer.finish();
}

/** File and absolute byte offset of a column file's byte `offsetBytes` (`path` or `<segment>@<start>`). */
function place(path: string, offsetBytes: number): [string, number] {
  const at = path.lastIndexOf('@');
  return at < 0 ? [path, offsetBytes] : [path.slice(0, at), Number(path.slice(at + 1)) + offsetBytes];
}

/** Replays `columns`, returning every (symbol, row) handed out and the error that ended it, if any. */
function replay(
  dir: string,
  columns: string[],
  verify = true,
  forceFallback = false,
): { rows: string[]; error: unknown } {
  const dataset = Dataset.open(dir, { verify, forceFallback });
  const rows: string[] = [];
  try {
    for (const chunk of replayChunks(dataset, { columns, memory: false, chunkEvents: 1000 })) {
      for (let i = 0; i < chunk.length; i++) rows.push(`${SYMBOLS[chunk.symbolId[i]!]}:${chunk.row[i]}`);
    }
    return { rows, error: undefined };
  } catch (error) {
    return { rows, error };
  } finally {
    dataset.close();
  }
}

describe('replayChunks with verified reads: a corrupt block fails the replay with the typed error', () => {
  const root = mkdtempSync(join(tmpdir(), 'mmtape-replay-verified-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  for (const [layout, segmentBytes, forceFallback] of [
    ['one file per symbol', undefined, false],
    ['segment files', 4 * 2 ** 20, false],
    ['segment files read into memory (mmap fallback)', 4 * 2 ** 20, true],
  ] as const) {
    it(`${layout}: block 2 of B's close stops the replay before its rows; other columns and verify: false replay`, () => {
      const dir = join(root, layout.replaceAll(' ', '-'));
      write(dir, segmentBytes);
      expect(replay(dir, ['close'], true, forceFallback)).toEqual({
        rows: expect.any(Array),
        error: undefined,
      });
      expect(replay(dir, ['close'], true, forceFallback).rows).toHaveLength(SYMBOLS.length * ROWS);

      const probe = Dataset.open(dir);
      const file = probe.open('B');
      const close = file.columns.find((c) => c.name === 'close')!;
      const filePath = file.path;
      expect(filePath.includes('@')).toBe(segmentBytes !== undefined);
      probe.close();
      const blockStartBytes = close.offsetBytes + 2 * 65_536;
      flipByte(...place(filePath, blockStartBytes + 8 * 100 + 3)); // row 2 * 8192 + 100 of B's close

      const { rows, error } = replay(dir, ['close'], true, forceFallback);
      expect(error).toMatchObject({
        code: 'MMTAPE_FORMAT_BLOCK_CHECKSUM_MISMATCH',
        kind: 'data',
        path: filePath,
        field: 'close',
        blockIndex: 2,
        startBytes: blockStartBytes,
        endBytes: close.offsetBytes + close.lengthBytes,
      });
      // Nothing of the corrupt block was handed out; rows before it were (the merge checks a little ahead).
      const firstBadRow = 2 * BLOCK_ROWS;
      expect(rows.filter((r) => r.startsWith('B:') && Number(r.slice(2)) >= firstBadRow)).toEqual([]);
      expect(rows).toContain(`B:${BLOCK_ROWS}`);

      // The corrupt block is in a column this replay does not read; without verification it is read as is.
      expect(replay(dir, ['volume'], true, forceFallback).rows).toHaveLength(SYMBOLS.length * ROWS);
      expect(replay(dir, ['close'], false, forceFallback)).toMatchObject({ error: undefined });
    });

    it(`${layout}: a corrupt header byte fails at replayChunks (HeaderChecksumMismatchError naming the file)`, () => {
      const dir = join(root, `${layout.replaceAll(' ', '-')}-header`);
      write(dir, segmentBytes);
      const probe = Dataset.open(dir);
      const filePath = probe.open('C').path;
      probe.close();
      flipByte(...place(filePath, 40)); // inside the fixed header's symbol / first descriptor
      const dataset = Dataset.open(dir, { forceFallback });
      try {
        expect(() => replayChunks(dataset, { columns: ['close'], memory: false })).toThrow(
          expect.objectContaining({ code: 'MMTAPE_FORMAT_HEADER_CHECKSUM_MISMATCH', path: filePath }),
        );
      } finally {
        dataset.close();
      }
    });
  }
});
