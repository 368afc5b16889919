/**
 * Shared by the merge's property tests: seeded fast-check arbitraries of sorted timestamp streams and a
 * plain-sort oracle of the merged order, and drains of a merge into comparable batches.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import type { KWayMerge, MergeStrategy, ReplayBatch } from '../src/index.js';

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;
export const TWO_32 = 2n ** 32n;

/** Timestamps that stress the (signed hi, unsigned lo) comparison and produce many ties. */
export const timestampArb: fc.Arbitrary<bigint> = fc.oneof(
  fc.bigInt({ min: INT64_MIN, max: INT64_MAX }),
  fc.constantFrom(
    INT64_MIN,
    INT64_MIN + 1n,
    INT64_MAX,
    INT64_MAX - 1n,
    0n,
    -1n,
    TWO_32 - 1n,
    TWO_32,
    TWO_32 + 1n,
    -TWO_32,
    -TWO_32 - 1n,
    -TWO_32 + 1n,
    2n ** 31n,
    2n ** 31n - 1n,
    -(2n ** 31n),
    -(2n ** 31n) - 1n,
    -86_400_000_000_000n, // 1969-12-31, before the epoch
  ),
  fc.bigInt({ min: -3n, max: 3n }),
  fc.bigInt({ min: TWO_32 - 2n, max: TWO_32 + 2n }),
  fc.bigInt({ min: -TWO_32 - 2n, max: -TWO_32 + 2n }),
);

/** `values` sorted ascending as a stream of timestamps (ns). Sorts `values` in place. */
export function sortedStream(values: bigint[]): BigInt64Array {
  return BigInt64Array.from(values.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
}

export const streamArb = fc.array(timestampArb, { maxLength: 40 }).map((values) => sortedStream(values));

export const streamsArb = fc.array(streamArb, { maxLength: 20 });

/**
 * Bar-like streams: timestamps on a small grid (many streams per timestamp, gaps, repeated timestamps
 * within a stream), so the calendar's dense bit-scan sort, sparse sort and duplicate paths all run.
 */
export const barStreamsArb = fc.array(
  fc.array(fc.bigInt({ min: 0n, max: 40n }), { maxLength: 60 }).map((values) => sortedStream(values)),
  { maxLength: 70 },
);

export const STRATEGIES: MergeStrategy[] = ['auto', 'tree', 'buckets', 'block'];

export interface Event {
  timestampNs: bigint;
  symbolId: number;
  row: number;
}

export function copyBatch(batch: ReplayBatch): { timestampNs: bigint; events: [number, number][] } {
  const events: [number, number][] = [];
  for (let i = 0; i < batch.length; i++) events.push([batch.symbolIds[i]!, batch.rows[i]!]);
  return { timestampNs: batch.timestampNs, events };
}

/** Plain-sort oracle: every in-range (stream, row), sorted by (timestamp, symbol id, row), grouped. */
export function oracle(streams: BigInt64Array[], startNs?: bigint, endNs?: bigint) {
  const events: Event[] = [];
  streams.forEach((stream, symbolId) => {
    stream.forEach((timestampNs, row) => {
      if (startNs !== undefined && timestampNs < startNs) return;
      if (endNs !== undefined && timestampNs >= endNs) return;
      events.push({ timestampNs, symbolId, row });
    });
  });
  events.sort((a, b) =>
    a.timestampNs !== b.timestampNs
      ? a.timestampNs < b.timestampNs
        ? -1
        : 1
      : a.symbolId - b.symbolId || a.row - b.row,
  );
  const batches: { timestampNs: bigint; events: [number, number][] }[] = [];
  for (const e of events) {
    const last = batches.at(-1);
    if (last !== undefined && last.timestampNs === e.timestampNs) last.events.push([e.symbolId, e.row]);
    else batches.push({ timestampNs: e.timestampNs, events: [[e.symbolId, e.row]] });
  }
  return batches;
}

/**
 * Drains `merge`, checking every event's gathered values against the per-stream sources and that the
 * emitting stream's cursor is past the emitted row; returns the batches as {@link copyBatch} copies.
 */
export function collectGathered(
  merge: KWayMerge,
  sources: Record<string, readonly (Float64Array | BigInt64Array)[]>,
): ReturnType<typeof copyBatch>[] {
  const got: ReturnType<typeof copyBatch>[] = [];
  for (let b = merge.next(); b !== null; b = merge.next()) {
    for (let i = 0; i < b.length; i++) {
      const id = b.symbolIds[i]!;
      const row = b.rows[i]!;
      for (const [name, perStream] of Object.entries(sources))
        expect(b.columns[name]![i]).toBe(perStream[id]![row]);
      expect(merge.cursorRows[id]).toBeGreaterThan(row);
    }
    got.push(copyBatch(b));
  }
  return got;
}

/** Drains `merge` into {@link copyBatch} copies of its batches. */
export function collect(merge: KWayMerge) {
  const out: ReturnType<typeof copyBatch>[] = [];
  for (let b = merge.next(); b !== null; b = merge.next()) out.push(copyBatch(b));
  return out;
}
