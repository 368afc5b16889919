/**
 * Entry of the {@link WillneedWorker} helper process (`node willneed-worker-process.js <shared> <config>`):
 * maps the shared words (`SharedMemory`) and reads its configuration, removes both files, maps the
 * streams' files (`MADV_RANDOM`, each file once), then until asked to stop (or orphaned: its parent gone),
 * scans the shared cursors every `pollMs` and advises each moved stream's WILLNEED window on its own
 * mappings (a `SlidingWindowPrefetcher` that never releases: nothing reads these mappings). A failure
 * ends the process with its message on stderr, which the parent keeps as `WillneedWorker.error`.
 *
 * @module
 */
import { readFileSync, rmSync } from 'node:fs';
import { type Advice, MappedFile, SharedMemory } from '@mmtape/mmap-core';
import { createXXHash64 } from 'hash-wasm';
import type { Advisable, PrefetchStream } from './prefetch-stream.js';
import { SlidingWindowPrefetcher } from './sliding-window-prefetcher.js';
import {
  CONTROL_FLUSH,
  CONTROL_FLUSHED,
  CONTROL_READY,
  CONTROL_STOP,
  sharedViews,
  type WillneedWorkerChecksums,
  type WillneedWorkerData,
} from './willneed-worker.js';

const [sharedPath, configPath] = process.argv.slice(2) as [string, string];
const data = JSON.parse(readFileSync(configPath, 'utf8')) as WillneedWorkerData;
const shared = SharedMemory.open(sharedPath, data.sharedBytes);
rmSync(configPath, { force: true });
shared.unlink();
const { cursors, control, checked, readerChecked, stats } = sharedViews(
  shared.buffer,
  data.streams.length,
  data.columnsPerStream,
);
const parentPid = process.ppid;
/** A private word to sleep on (`Atomics.wait` needs shared memory; the mapping is not a SharedArrayBuffer). */
const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * A stream's file as the worker's prefetcher sees it: before each WILLNEED it measures whether the
 * range is already in the page cache (mincore; ~10 µs per 512 KiB request). A stream whose last
 * requested range was all cached is warm: its rows are in memory whoever advises, and the touch skips
 * it (reading it again would only cost the replay memory bandwidth: measured +22 % on a warm replay).
 */
class WatchedFile implements Advisable {
  /** Whether the last WILLNEED range had a page not in the page cache (true until the first one). */
  cold = true;
  constructor(readonly file: MappedFile) {}
  get byteLength(): number {
    return this.file.byteLength;
  }
  advise(advice: Advice, offsetBytes: number, lengthBytes: number): void {
    if (advice === 'willneed') {
      const { residentBytes, totalBytes } = this.file.residency(offsetBytes, lengthBytes);
      this.cold = residentBytes < totalBytes;
    }
    this.file.advise(advice, offsetBytes, lengthBytes);
  }
}

const files = new Map<string, MappedFile>();
/** The streams over the worker's own mappings (advised, and read by the touch). */
const streams: (PrefetchStream & { file: WatchedFile })[] = data.streams.map((stream) => {
  let file = files.get(stream.filePath);
  if (file === undefined) {
    file = MappedFile.open(stream.filePath, { accessPattern: 'random' });
    files.set(stream.filePath, file);
  }
  const whole = stream.baseOffsetBytes === 0 && stream.byteLength === file.byteLength;
  return {
    file: new WatchedFile(whole ? file : file.slice(stream.baseOffsetBytes, stream.byteLength)),
    columns: stream.columns,
    rowCount: stream.rowCount,
  };
});
const prefetcher = new SlidingWindowPrefetcher(streams, {
  ...data.options,
  behindRows: Number.MAX_SAFE_INTEGER, // never release: these mappings are never read
  accessPattern: 'keep', // opened MADV_RANDOM above
});
Atomics.store(control, CONTROL_READY, 1);

const seen = new Int32Array(streams.length).fill(-1);

/** Bytes per touch request. */
const TOUCH_REQUEST_BYTES = 262_144;
let scratch = new Uint8Array(TOUCH_REQUEST_BYTES);
/** Per stream and column: the end of what was read ahead (bytes in the stream's file), -1 before. */
const touchedUpTo = streams.map((stream) => stream.columns.map(() => -1));
/**
 * Rows ahead of a cursor to read: the whole window (each read stops where WILLNEED has asked so far).
 * Measured on the cold 32 GB replay (2,000 streams, window reads, 5 alternating pairs, 2026-12-07):
 * 15.1–16.8 s against 15.9–18.5 s reading half the window, which let the replay reach blocks the helper
 * had not checked yet more often (it then reads and hashes them itself).
 */
const touchRows = (stream: PrefetchStream): number => {
  const widest = stream.columns.reduce((w, c) => Math.max(w, c.bytesPerRow), 1);
  const ahead =
    data.options.aheadBytes !== undefined
      ? Math.floor(data.options.aheadBytes / widest)
      : prefetcher.aheadRows; // WillneedWorker.start sets aheadRows: the window its caller uses
  return ahead;
};
const touchRowsOf = streams.map(touchRows);
let touchedBytes = 0;

/** XXH64 (seed 0), the block checksum of the column format (FORMAT.md "Checksums"). */
const hasher = await createXXHash64(0, 0);
/** Per stream and column: its checksum table (read once), `null` when unreadable or a block was bad. */
const tables = streams.map((stream) => stream.columns.map((): Uint8Array | null | undefined => undefined));

/**
 * Checks the whole blocks of `bytes` (read at `startBytes`, a block start of column `c` of stream `s`)
 * not checked yet, and publishes the column's run of good blocks in `checked` (`[start, end)` at
 * `2 · slot`): a read at or before the run's end extends it; a read past it (the replay's cursor overtook
 * the reads) starts a new run there, its start stored before its end (see `WillneedWorker.checkedRunEnd`).
 * A bad block (or an unreadable table) stops the column's checks for good: the replay then checks from
 * there itself, and throws for the bad block.
 */
function checkBlocks(
  s: number,
  c: number,
  sums: WillneedWorkerChecksums,
  columnStart: number,
  columnEnd: number,
  startBytes: number,
  bytes: Uint8Array,
): void {
  const slot = 2 * (s * data.columnsPerStream + c);
  let next = checked[slot + 1]!;
  const first = (startBytes - columnStart) / sums.blockBytes;
  let table = tables[s]![c];
  if (table === null) return; // stopped
  if (first > next) {
    // A gap before this read: a new run from here (start first, then the end grows from it).
    Atomics.store(checked, slot, first);
    next = first;
  }
  if (table === undefined) {
    const entries = Math.ceil((columnEnd - columnStart) / sums.blockBytes);
    table = new Uint8Array(8 * entries);
    const file = streams[s]!.file.file;
    if (!file.readInto(table, sums.tableOffsetBytes + 8 * sums.firstEntry)) table = null;
    tables[s]![c] = table;
    if (table === null) return;
  }
  for (let b = Math.max(first, next); ; b++) {
    const from = (b - first) * sums.blockBytes;
    const to = Math.min(from + sums.blockBytes, columnEnd - startBytes);
    if (to > bytes.length || from >= to) break; // not whole in this read
    hasher.init();
    hasher.update(bytes.subarray(from, to));
    const d = hasher.digest('binary');
    for (let i = 0; i < 8; i++) {
      if (table[8 * b + i] !== d[7 - i]) {
        tables[s]![c] = null;
        Atomics.store(checked, slot + 1, next);
        return;
      }
    }
    next = b + 1;
  }
  Atomics.store(checked, slot + 1, next);
}

/**
 * Reads stream `s`'s columns from the cursor (or past the rows the replay checked itself) to `touchRows`
 * ahead (at most to the end of its WILLNEED window so far), once half the window is new (or the
 * column's end is reached), in {@link TOUCH_REQUEST_BYTES} requests. A column with `checksums`
 * is read in whole checksum blocks, which are checked as they are read ({@link checkBlocks}). A failed
 * read (file replaced) stops touching the stream; advising goes on.
 */
function touch(s: number, row: number): void {
  const stream = streams[s]!;
  if (data.touch === 'cold' && !stream.file.cold) return;
  const ahead = touchRowsOf[s]!;
  const touched = touchedUpTo[s]!;
  for (let c = 0; c < stream.columns.length; c++) {
    const column = stream.columns[c]!;
    const columnEnd = column.offsetBytes + stream.rowCount * column.bytesPerRow;
    // Within what was advised: a read past it would find its pages not requested and read them itself.
    let end = Math.min(
      columnEnd,
      column.offsetBytes + (row + ahead) * column.bytesPerRow,
      prefetcher.advisedUpToBytes(s, c),
    );
    // From the cursor, or past what the replay checked itself (it got there first).
    const from = Math.max(row, Atomics.load(readerChecked, s * data.columnsPerStream + c));
    let start = Math.max(touched[c]!, column.offsetBytes + from * column.bytesPerRow);
    if (touched[c]! === Number.POSITIVE_INFINITY) continue;
    if (end - start < (ahead / 2) * column.bytesPerRow && end < columnEnd) continue;
    const sums = data.streams[s]!.columns[c]!.checksums;
    let request = TOUCH_REQUEST_BYTES;
    if (sums !== undefined) {
      // Whole checksum blocks: from the block holding `start`, to the last block ending by `end`.
      const block = sums.blockBytes;
      start = column.offsetBytes + Math.floor((start - column.offsetBytes) / block) * block;
      if (end < columnEnd) end = column.offsetBytes + Math.floor((end - column.offsetBytes) / block) * block;
      request = Math.max(1, Math.floor(TOUCH_REQUEST_BYTES / block)) * block;
      if (scratch.length < request) scratch = new Uint8Array(request);
    }
    while (start < end) {
      const length = Math.min(request, end - start);
      const read = scratch.subarray(0, length);
      if (!stream.file.file.readInto(read, start)) {
        touched[c] = Number.POSITIVE_INFINITY;
        break;
      }
      if (sums !== undefined) checkBlocks(s, c, sums, column.offsetBytes, columnEnd, start, read);
      start += length;
      touchedBytes += length;
    }
    if (touched[c]! !== Number.POSITIVE_INFINITY) touched[c] = Math.max(touched[c]!, end);
  }
}
while (Atomics.load(control, CONTROL_STOP) === 0 && process.ppid === parentPid) {
  const flush = Atomics.load(control, CONTROL_FLUSH);
  for (let s = 0; s < seen.length; s++) {
    const row = Atomics.load(cursors, s);
    if (row >= 0 && row !== seen[s]) {
      prefetcher.update(s, row);
      seen[s] = row;
    }
  }
  if (data.touch !== 'never') {
    for (let s = 0; s < seen.length; s++) if (seen[s]! >= 0) touch(s, seen[s]!);
  }
  const counters = prefetcher.stats();
  stats[0] = counters.willneedCalls;
  stats[1] = counters.willneedBytes;
  stats[2] = touchedBytes;
  if (flush !== Atomics.load(control, CONTROL_FLUSHED)) Atomics.store(control, CONTROL_FLUSHED, flush);
  Atomics.wait(sleeper, 0, 0, data.pollMs);
}
