import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dataset, DatasetWriter } from '@mmtape/columnar-format';
import { mmapStatus } from '@mmtape/mmap-core';
import { mappedRssKb, mulberry32 } from '@mmtape/test-utils';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type ReplayDatasetSource,
  type ReplayOptions,
  type ReplayStats,
  replayChunks,
  replayDataset,
} from '../src/index.js';
import { coldDataset, flipByte } from './cold-dataset.js';

/**
 * Window reads (`ReplayOptions.prefetch`, `ReplayStats.reads`): with the prefetch helper running, the
 * merge copies every row out of the files with pread into windows of its own. The events must be those of
 * a replay through the mapping, no page of the data may be mapped into the process, and a corrupt block
 * must still stop the replay before its rows.
 */

const SECOND_NS = 1_000_000_000n;
const START_NS = 1_704_067_200n * SECOND_NS; // 2024-01-01T00:00:00Z
const ROWS = 20_000; // 160,000 bytes per 8-byte column: 3 checksum blocks of 64 KiB
const SYMBOLS = ['A', 'B', 'C', 'D'];
const BLOCK_ROWS = 65_536 / 8;
const linux = existsSync('/proc/self/smaps') && mmapStatus().backend === 'mmap';

/** Seeded bars with gaps (a symbol misses ~5 % of the minutes) and one late listing. */
function write(dir: string, segmentBytes?: number): void {
  const writer = DatasetWriter.create(dir, { segmentBytes });
  const rand = mulberry32(17);
  SYMBOLS.forEach((symbol, s) => {
    const ts: bigint[] = [];
    for (let minute = s === 3 ? 5_000 : 0; ts.length < ROWS; minute++)
      if (rand() > 0.05) ts.push(START_NS + BigInt(minute * 60) * SECOND_NS);
    writer.writeSymbol(symbol, [
      { name: 'ts', dtype: 'i64', data: BigInt64Array.from(ts) },
      { name: 'close', dtype: 'f64', data: Float64Array.from({ length: ROWS }, () => rand() * 100) },
      {
        name: 'volume',
        dtype: 'i64',
        data: BigInt64Array.from({ length: ROWS }, (_, i) => BigInt(i * 7 + s)),
      },
    ]);
  });
  writer.finish();
}

/** Every event as `symbol:row:ts:close:volume`, the stats, and the error that ended the replay, if any. */
function replay(
  source: ReplayDatasetSource,
  options: ReplayOptions,
): { events: string[]; stats: ReplayStats | undefined; error: unknown } {
  const events: string[] = [];
  const it = replayChunks(source, { columns: ['close', 'volume'], memory: false, ...options });
  try {
    for (const chunk of it) {
      const close = chunk.columns.close as Float64Array;
      const volume = chunk.columns.volume as BigInt64Array;
      for (let i = 0; i < chunk.length; i++) {
        events.push(
          `${SYMBOLS[chunk.symbolId[i]!]}:${chunk.row[i]}:${chunk.timestampNs[i]}:${close[i]}:${volume[i]}`,
        );
      }
    }
    return { events, stats: it.stats(), error: undefined };
  } catch (error) {
    return { events, stats: undefined, error };
  }
}

describe('replay with window reads: pread into the merge, nothing mapped, every block still checked', () => {
  const root = mkdtempSync(join(tmpdir(), 'mmtape-replay-windows-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  for (const [layout, segmentBytes] of [
    ['one file per symbol', undefined],
    ['segment files', 2 ** 20],
  ] as const) {
    it(`${layout}: the same events as through the mapping, with any window size and time range`, () => {
      const dir = join(root, layout.replaceAll(' ', '-'));
      write(dir, segmentBytes);
      const dataset = Dataset.open(dir);
      try {
        const mapped = replay(dataset, { prefetch: false });
        expect(mapped.stats!.reads).toBe('mapping');
        expect(mapped.events).toHaveLength(SYMBOLS.length * ROWS);
        for (const windowRows of [undefined, 1, 37, 5000]) {
          const windows = replay(coldDataset(dataset), { prefetch: true, windowRows });
          expect(windows.error).toBeUndefined();
          expect(windows.stats!.reads).toBe('windows');
          expect(windows.stats!.prefetchWorker).toBe(true);
          expect(windows.events).toEqual(mapped.events);
        }
        const range = {
          startNs: START_NS + 3_000n * 60n * SECOND_NS,
          endNs: START_NS + 9_000n * 60n * SECOND_NS,
        };
        const rangeMapped = replay(dataset, { prefetch: false, ...range });
        expect(rangeMapped.events.length).toBeGreaterThan(0);
        expect(replay(coldDataset(dataset), { prefetch: true, windowRows: 64, ...range }).events).toEqual(
          rangeMapped.events,
        );
        // Without the helper the replay reads through the mapping (and says so); so does replayDataset,
        // whose context reads the mapping.
        expect(replay(coldDataset(dataset), { prefetch: { worker: false } }).stats!.reads).toBe('mapping');
        const batches = replayDataset(coldDataset(dataset), { prefetch: true, memory: false }, () => {});
        expect(batches.prefetchWorker).toBe(true);
        expect(batches.reads).toBe('mapping');
      } finally {
        dataset.close();
      }
    });

    it(`${layout}: maps no page of the data (the mapping replay does: the check can fail)`, () => {
      if (!linux) return expect(linux).toBe(false);
      const dir = join(root, `${layout.replaceAll(' ', '-')}-rss`);
      write(dir, segmentBytes);
      const filesOf = (dataset: Dataset): string[] => [
        ...new Set(SYMBOLS.map((symbol) => dataset.open(symbol).file.filePath!)),
      ];
      const windowed = Dataset.open(dir);
      try {
        expect(replay(coldDataset(windowed), { prefetch: true }).stats!.reads).toBe('windows');
        for (const path of filesOf(windowed)) expect(mappedRssKb(path)).toBe(0);
      } finally {
        windowed.close();
      }
      const mapped = Dataset.open(dir);
      try {
        expect(replay(mapped, { prefetch: false }).stats!.reads).toBe('mapping');
        const kb = filesOf(mapped).reduce((sum, path) => sum + mappedRssKb(path), 0);
        expect(kb).toBeGreaterThan(0);
      } finally {
        mapped.close();
      }
    });

    it(`${layout}: a corrupt block of B's close stops the replay before its rows, with the typed error`, () => {
      const dir = join(root, `${layout.replaceAll(' ', '-')}-corrupt`);
      write(dir, segmentBytes);
      const probe = Dataset.open(dir);
      const file = probe.open('B');
      const close = file.columns.find((c) => c.name === 'close')!;
      const filePath = file.path;
      probe.close();
      const blockStartBytes = close.offsetBytes + 65_536;
      const at = filePath.lastIndexOf('@');
      const [path, base] = at < 0 ? [filePath, 0] : [filePath.slice(0, at), Number(filePath.slice(at + 1))];
      flipByte(path, base + blockStartBytes + 8 * 10 + 2); // row 8,192 + 10 of B's close
      const dataset = Dataset.open(dir);
      try {
        const { events, error } = replay(coldDataset(dataset), { prefetch: true, windowRows: 512 });
        expect(error).toMatchObject({
          code: 'MMTAPE_FORMAT_BLOCK_CHECKSUM_MISMATCH',
          path: filePath,
          field: 'close',
          blockIndex: 1,
          startBytes: blockStartBytes,
        });
        expect(events.filter((e) => e.startsWith('B:') && Number(e.split(':')[1]) >= BLOCK_ROWS)).toEqual([]);
        // verify: false reads the block as it is.
        const unchecked = replay(coldDataset(dataset), { prefetch: true, verify: false });
        expect(unchecked.error).toBeUndefined();
        expect(unchecked.stats!.reads).toBe('windows');
        expect(unchecked.events).toHaveLength(SYMBOLS.length * ROWS);
      } finally {
        dataset.close();
      }
    });
  }
});

describe('replay with window reads over partitions (chained streams)', () => {
  const root = mkdtempSync(join(tmpdir(), 'mmtape-replay-windows-partitioned-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('daily partitions in segments: the same events as the unpartitioned dataset through the mapping', () => {
    // 4 symbols of 20,000 minutes (~14 days each, one of them listed late): ~60 daily partitions.
    write(join(root, 'whole'));
    const writer = DatasetWriter.create(join(root, 'daily'), { partition: 'day', segmentBytes: 2 ** 20 });
    const whole = Dataset.open(join(root, 'whole'));
    for (const symbol of SYMBOLS) {
      const file = whole.open(symbol);
      writer.writeSymbol(
        symbol,
        file.columns.map((c) => ({ name: c.name, dtype: c.dtype, data: file.column(c.name) })) as never,
      );
    }
    writer.finish();
    const daily = Dataset.open(join(root, 'daily'));
    try {
      // Rows are per partition: compare symbol, timestamp and values.
      const withoutRow = (events: string[]): string[] =>
        events.map((e) =>
          e
            .split(':')
            .filter((_, i) => i !== 1)
            .join(':'),
        );
      const expected = replay(whole, { prefetch: false });
      const partitions = SYMBOLS.reduce((n, symbol) => n + daily.partitions(symbol).length, 0);
      expect(partitions).toBeGreaterThan(SYMBOLS.length * 10);
      for (const windowRows of [undefined, 100]) {
        const got = replay(coldDataset(daily), { prefetch: true, windowRows });
        expect(got.error).toBeUndefined();
        expect(got.stats!.reads).toBe('windows');
        expect(got.stats!.streams).toBe(partitions);
        expect(withoutRow(got.events)).toEqual(withoutRow(expected.events));
      }
    } finally {
      daily.close();
      whole.close();
    }
  });
});
