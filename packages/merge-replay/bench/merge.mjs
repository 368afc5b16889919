// Throughput of KWayMerge (loser tree, timestamp buckets, auto) vs a plain binary-heap k-way merge, on seeded synthetic data.
// Build first (`pnpm turbo run build --filter @mmtape/merge-replay...`), then:
//   node packages/merge-replay/bench/merge.mjs [streams=1000] [bars=10000]
// Prints events/s; no assertions (timings vary by machine).
import { KWayMerge } from '../dist/index.js';

const streamCount = Number(process.argv[2] ?? 1000);
const barsPerStream = Number(process.argv[3] ?? 10_000);
const BLOCK_EVENTS = process.env.MERGE_BLOCK_EVENTS ? Number(process.env.MERGE_BLOCK_EVENTS) : undefined;

/** mulberry32: tiny seeded PRNG (Tommy Ettinger, public domain), returns floats in [0, 1). */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const START_NS = 1_700_000_000_000_000_000n; // 2023-11-14T22:13:20Z
const MINUTE_NS = 60_000_000_000n;

/** Minute bars on a shared grid, ~10% missing per symbol: many ties (full-market batches). */
function alignedBars(seed) {
  const random = mulberry32(seed);
  return Array.from({ length: streamCount }, () => {
    const out = new BigInt64Array(barsPerStream);
    let minute = 0n;
    for (let i = 0; i < barsPerStream; i++) {
      while (random() < 0.1) minute++;
      out[i] = START_NS + minute * MINUTE_NS;
      minute++;
    }
    return out;
  });
}

/** Ticks with random ns gaps: practically no ties, one event per batch. */
function jitteredTicks(seed) {
  const random = mulberry32(seed);
  return Array.from({ length: streamCount }, () => {
    const out = new BigInt64Array(barsPerStream);
    let t = START_NS + BigInt(Math.floor(random() * 1e9));
    for (let i = 0; i < barsPerStream; i++) {
      t += BigInt(1 + Math.floor(random() * 2e9));
      out[i] = t;
    }
    return out;
  });
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HI = LITTLE_ENDIAN ? 1 : 0;
const LO = LITTLE_ENDIAN ? 0 : 1;

/** Baseline: binary min-heap of stream indices keyed by the same (hi, lo, index) triple. */
function heapMerge(streams, visit) {
  const k = streams.length;
  const hiViews = streams.map((s) => new Int32Array(s.buffer, s.byteOffset, s.length * 2));
  const loViews = streams.map((s) => new Uint32Array(s.buffer, s.byteOffset, s.length * 2));
  const cursor = new Uint32Array(k);
  const keyHi = new Int32Array(k);
  const keyLo = new Uint32Array(k);
  const heap = new Int32Array(k);
  let size = 0;
  const less = (a, b) => {
    if (keyHi[a] !== keyHi[b]) return keyHi[a] < keyHi[b];
    if (keyLo[a] !== keyLo[b]) return keyLo[a] < keyLo[b];
    return a < b;
  };
  const siftDown = (i) => {
    const item = heap[i];
    for (;;) {
      let child = 2 * i + 1;
      if (child >= size) break;
      if (child + 1 < size && less(heap[child + 1], heap[child])) child++;
      if (!less(heap[child], item)) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = item;
  };
  for (let s = 0; s < k; s++) {
    if (streams[s].length === 0) continue;
    keyHi[s] = hiViews[s][HI];
    keyLo[s] = loViews[s][LO];
    heap[size++] = s;
  }
  for (let i = (size >> 1) - 1; i >= 0; i--) siftDown(i);
  const symbolIds = new Int32Array(k * 4);
  const rows = new Uint32Array(k * 4);
  let events = 0;
  while (size > 0) {
    const top = heap[0];
    const hi = keyHi[top];
    const lo = keyLo[top];
    const timestampNs = streams[top][cursor[top]];
    let n = 0;
    while (size > 0 && keyHi[heap[0]] === hi && keyLo[heap[0]] === lo) {
      const s = heap[0];
      symbolIds[n] = s;
      rows[n] = cursor[s];
      n++;
      const next = ++cursor[s];
      if (next >= streams[s].length) {
        heap[0] = heap[--size];
      } else {
        keyHi[s] = hiViews[s][2 * next + HI];
        keyLo[s] = loViews[s][2 * next + LO];
      }
      if (size > 0) siftDown(0);
    }
    events += n;
    visit(timestampNs, n, symbolIds, rows);
  }
  return events;
}

const ROUNDS = 3;
const best = new Map();

function time(label, run) {
  const startedAt = process.hrtime.bigint();
  const { events, batches, checksum } = run();
  const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
  const rate = events / seconds;
  console.log(
    `${label.padEnd(34)} ${String(events).padStart(10)} events ${String(batches).padStart(9)} batches ` +
      `${seconds.toFixed(3).padStart(7)} s ${(rate / 1e6).toFixed(2).padStart(7)} M events/s  (checksum ${checksum})`,
  );
  best.set(
    label.replace(/ \(round \d+\)$/, ''),
    Math.max(best.get(label.replace(/ \(round \d+\)$/, '')) ?? 0, rate),
  );
  return rate;
}

function runMerge(streams, strategy) {
  const merge = new KWayMerge(streams, { strategy, blockEvents: BLOCK_EVENTS });
  let checksum = 0;
  for (let b = merge.next(); b !== null; b = merge.next())
    checksum = (checksum + b.rows[b.length - 1] + b.length) | 0;
  const { events, batches } = merge.stats();
  return { events, batches, checksum };
}

function runHeap(streams) {
  let checksum = 0;
  let batches = 0;
  const events = heapMerge(streams, (_t, n, _ids, rows) => {
    checksum = (checksum + rows[n - 1] + n) | 0;
    batches++;
  });
  return { events, batches, checksum };
}

console.log(`node ${process.version}, ${streamCount} streams x ${barsPerStream} rows, seed 42`);
for (const [name, make] of [
  ['aligned minute bars', alignedBars],
  ['jittered ticks', jitteredTicks],
]) {
  const streams = make(42);
  // Warm-up on a small prefix so both contenders are JIT-compiled before timing.
  const small = streams.slice(0, 50).map((s) => s.subarray(0, 1000));
  for (const strategy of ['tree', 'buckets', 'block', 'auto']) runMerge(small, strategy);
  runHeap(small);
  for (let round = 1; round <= ROUNDS; round++) {
    time(`${name}: loser tree (round ${round})`, () => runMerge(streams, 'tree'));
    time(`${name}: buckets (round ${round})`, () => runMerge(streams, 'buckets'));
    time(`${name}: block (round ${round})`, () => runMerge(streams, 'block'));
    time(`${name}: auto (round ${round})`, () => runMerge(streams, 'auto'));
    time(`${name}: binary heap (round ${round})`, () => runHeap(streams));
  }
}

console.log(`best of ${ROUNDS} rounds:`);
for (const [label, rate] of best) console.log(`  ${label.padEnd(32)} ${(rate / 1e6).toFixed(2)} M events/s`);
