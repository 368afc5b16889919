/**
 * The temporary chunk adapter of `mmtape replay --output` (replaced by `replayChunks` of
 * `@mmtape/merge-replay` when it lands; delete this test with it): chunks against an oracle of every row
 * sorted by (timestamp, symbol id), batch runs and their continuation across chunks, on one file per symbol
 * and on a month-partitioned dataset (chained partitions).
 */
import { join } from 'node:path';
import { Dataset } from '@mmtape/columnar-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoDataDir } from '../src/commands/demo.js';
import { runIngest } from '../src/commands/ingest.js';
import { replayChunksAdapter } from '../src/commands/replay-chunks-adapter.js';
import { quietCtx, tempDir } from './helpers.js';

const tmp = tempDir('replay-chunks');
const flat = join(tmp.dir, 'flat');
const monthly = join(tmp.dir, 'monthly');

beforeAll(async () => {
  await runIngest([demoDataDir()], { out: flat }, quietCtx);
  await runIngest([demoDataDir()], { out: monthly, partition: 'month' }, quietCtx);
});
afterAll(() => tmp.cleanup());

interface Row {
  symbolId: number;
  ts: bigint;
  close: number;
}

/** Every row of the chosen symbols in [startNs, endNs), sorted by (timestamp, symbol id). */
function oracle(dir: string, symbols?: string[], startNs = -(2n ** 63n), endNs = 2n ** 63n - 1n): Row[] {
  const ds = Dataset.open(dir);
  try {
    const chosen = ds.symbols.filter((s) => symbols === undefined || symbols.includes(s));
    const rows: Row[] = [];
    chosen.forEach((symbol, symbolId) => {
      for (const file of ds.openPartitions(symbol)) {
        const ts = file.timestampsNs();
        const close = file.f64('close');
        for (let r = 0; r < ts.length; r++) {
          if (ts[r]! >= startNs && ts[r]! < endNs) rows.push({ symbolId, ts: ts[r]!, close: close[r]! });
        }
      }
    });
    return rows.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.symbolId - b.symbolId));
  } finally {
    ds.close();
  }
}

/** Replays through the adapter; copies the events and checks each chunk's batch runs. */
function replay(dir: string, options: Parameters<typeof replayChunksAdapter>[1]) {
  const ds = Dataset.open(dir);
  try {
    const source = replayChunksAdapter(ds, options);
    const rows: Row[] = [];
    let previousTs: bigint | null = null;
    let batches = 0;
    for (const chunk of source) {
      expect(chunk.length).toBeGreaterThan(0);
      expect(chunk.length).toBeLessThanOrEqual(options?.chunkEvents ?? 65_536);
      expect(chunk.continuesBatch).toBe(previousTs !== null && chunk.timestampNs[0] === previousTs);
      expect(chunk.batchEnds[chunk.batchCount - 1]).toBe(chunk.length);
      let start = 0;
      for (let b = 0; b < chunk.batchCount; b++) {
        const end = chunk.batchEnds[b]!;
        for (let i = start; i < end; i++) expect(chunk.timestampNs[i]).toBe(chunk.timestampNs[start]);
        if (end < chunk.length) expect(chunk.timestampNs[end]! > chunk.timestampNs[start]!).toBe(true);
        start = end;
      }
      batches += chunk.batchCount - (chunk.continuesBatch ? 1 : 0);
      const close = chunk.columns.close as Float64Array;
      for (let i = 0; i < chunk.length; i++) {
        rows.push({ symbolId: chunk.symbolId[i]!, ts: chunk.timestampNs[i]!, close: close[i]! });
      }
      previousTs = chunk.timestampNs[chunk.length - 1]!;
    }
    return { rows, batches, stats: source.stats() };
  } finally {
    ds.close();
  }
}

describe('replayChunksAdapter', () => {
  it.each([
    ['one file per symbol', flat],
    ['month partitions', monthly],
  ])(
    '%s: chunks hold every row once in (timestamp, symbol id) order, batches split across chunks',
    (_, dir) => {
      // 997 events per chunk: not a multiple of the 30-symbol batches, so batches continue across chunks.
      const r = replay(dir, { columns: ['close'], chunkEvents: 997 });
      const expected = oracle(dir);
      expect(r.rows.length).toBe(expected.length);
      expect(r.rows).toEqual(expected);
      expect(r.stats.events).toBe(expected.length);
      expect(r.batches).toBe(r.stats.batches);
      expect(r.batches).toBe(new Set(expected.map((row) => row.ts)).size);
      // Month partitions: one stream per symbol and month (chained), else one per symbol.
      if (dir === monthly) expect(r.stats.streams).toBeGreaterThan(30 * 12);
      else expect(r.stats.streams).toBe(30);
    },
  );

  it('honours symbols, start and end', () => {
    const startNs = 1_425_254_400_000_000_000n; // 2015-03-02
    const endNs = 1_451_606_400_000_000_000n; // 2016-01-01
    const symbols = ['XOM', 'KO', 'PEP'];
    const r = replay(monthly, { symbols, startNs, endNs, chunkEvents: 64 });
    const expected = oracle(monthly, symbols, startNs, endNs);
    expect(expected.length).toBeGreaterThan(600);
    expect(r.rows).toEqual(expected);
  });

  it('rejects a chunk size below 1 and an unknown symbol', () => {
    const ds = Dataset.open(flat);
    try {
      expect(() => replayChunksAdapter(ds, { chunkEvents: 0 })).toThrow(/chunkEvents/);
      expect(() => [...replayChunksAdapter(ds, { symbols: ['NOPE'] })]).toThrow(/NOPE/);
    } finally {
      ds.close();
    }
  });
});
