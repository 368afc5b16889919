import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulberry32 } from '@mmtape/test-utils';
import { createXXHash64 } from 'hash-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { WillneedWorker } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'mmtape-willneed-checks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HEADER_BYTES = 64;
const BLOCK_BYTES = 4096;
const ROWS = 20_000; // 160,000 bytes: 39 whole blocks and a short one
const COLUMN_BYTES = ROWS * 8;
const BLOCKS = Math.ceil(COLUMN_BYTES / BLOCK_BYTES);
const hasher = await createXXHash64(0, 0);

/**
 * A file of a header, one f64 column of ROWS rows (seeded random bytes) and a table of XXH64 (seed 0,
 * little-endian u64) per BLOCK_BYTES block of the column, the layout `WillneedWorkerChecksums` describes.
 * With `corruptBlock`, that block's bytes are changed after its checksum was taken.
 */
function checkedFile(name: string, corruptBlock?: number): string {
  const random = mulberry32(11);
  const column = Buffer.alloc(COLUMN_BYTES);
  for (let i = 0; i < COLUMN_BYTES; i++) column[i] = Math.floor(random() * 256);
  const table = Buffer.alloc(8 * BLOCKS);
  for (let b = 0; b < BLOCKS; b++) {
    hasher.init();
    hasher.update(column.subarray(b * BLOCK_BYTES, Math.min(COLUMN_BYTES, (b + 1) * BLOCK_BYTES)));
    const digest = hasher.digest('binary'); // big-endian
    for (let i = 0; i < 8; i++) table[8 * b + i] = digest[7 - i]!;
  }
  if (corruptBlock !== undefined) column[corruptBlock * BLOCK_BYTES + 5]! ^= 0xff;
  const path = join(dir, name);
  writeFileSync(path, Buffer.concat([Buffer.alloc(HEADER_BYTES), column, table]));
  return path;
}

/** Start of the run of the last {@link checkedBlocksAfter}. */
let runStart = -1;

/**
 * Starts a helper that reads the file's column ahead and checks it; moves the cursor through `rows`
 * (after telling it that the replay checked rows up to `readerCheckedRow` itself, when given); returns
 * the end of its run of good blocks (its start in `runStart`).
 */
function checkedBlocksAfter(path: string, rows: number[], readerCheckedRow?: number): number {
  const checksums = { blockBytes: BLOCK_BYTES, tableOffsetBytes: HEADER_BYTES + COLUMN_BYTES, firstEntry: 0 };
  const worker = WillneedWorker.start(
    [
      {
        filePath: path,
        baseOffsetBytes: 0,
        byteLength: HEADER_BYTES + COLUMN_BYTES + 8 * BLOCKS,
        columns: [{ offsetBytes: HEADER_BYTES, bytesPerRow: 8, checksums }],
        rowCount: ROWS,
      },
    ],
    { aheadRows: 8192, requestRows: 2048, stepRows: 512 },
    { pollMs: 1, touch: 'always' },
  );
  try {
    if (readerCheckedRow !== undefined) worker.readerChecked(0, 0, readerCheckedRow);
    for (const row of rows) {
      worker.update(0, row);
      expect(worker.flushSync(20_000)).toBe(true);
    }
    expect(worker.error).toBeUndefined();
    const end = worker.checkedRunEnd(0, 0);
    runStart = worker.checkedRunStart(0, 0);
    return end;
  } finally {
    worker.close();
  }
}

describe('WillneedWorker block checks', () => {
  it('publishes the run of good blocks it read ahead, to the column end', () => {
    const path = checkedFile('good.bin');
    // Row 0: the column read in whole blocks up to the window's end (8,192 rows = 65,536 bytes), from
    // its start: 16 blocks of 4 KiB, each checked.
    expect(checkedBlocksAfter(path, [0])).toBe(16);
    expect(runStart).toBe(0);
    // Cursor moved to the end: every block, the short last one included.
    const rows = [0];
    for (let row = 1024; row < ROWS; row += 1024) rows.push(row);
    expect(checkedBlocksAfter(path, [...rows, ROWS - 1])).toBe(BLOCKS);
    expect(runStart).toBe(0);
  });

  it('starts a new run where the cursor jumped past its reads', () => {
    const path = checkedFile('jump.bin');
    // Row 0 reads blocks [0, 16); the cursor then jumps to row 15,000 (byte 120,000 of the column, block
    // 29): the next read starts at block 29, past the run's end, so the run is now [29, 40): the window
    // reaches past the column's end, so to its last (short) block.
    expect(checkedBlocksAfter(path, [0, 15_000])).toBe(BLOCKS);
    expect(runStart).toBe(29);
  });

  it('skips what the replay checked itself (readerChecked): its reads start there', () => {
    const path = checkedFile('reader.bin');
    // The replay checked rows [0, 2,048) (bytes [0, 16,384): blocks [0, 4)): the helper reads from block
    // 4 to the window's end (8,192 rows ahead of the cursor: block 16), a run that starts past 0.
    expect(checkedBlocksAfter(path, [0], 2_048)).toBe(16);
    expect(runStart).toBe(4);
    // Past the window (8,192 rows): nothing to read until the cursor gets near.
    expect(checkedBlocksAfter(path, [0], 15_000)).toBe(0);
    // Cursor at 11,000: from block 29 (holding row 15,000, byte 120,000) to row 19,192 (byte 153,536:
    // whole blocks end at 37), half a window (32 KiB) of new blocks: read.
    expect(checkedBlocksAfter(path, [0, 11_000], 15_000)).toBe(37);
    expect(runStart).toBe(29);
  });

  it('stops at a bad block: the run ends before it, and nothing after it counts', () => {
    const path = checkedFile('bad.bin', 5);
    const rows = [];
    for (let row = 0; row < ROWS; row += 1024) rows.push(row);
    expect(checkedBlocksAfter(path, [...rows, ROWS - 1])).toBe(5);
    expect(runStart).toBe(0);
  });
});
