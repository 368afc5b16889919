/**
 * Entry of the {@link WillneedWorker} thread: maps the streams' files (`MADV_RANDOM`, each file once),
 * then until asked to stop, scans the shared cursors every `pollMs` and advises each moved stream's
 * WILLNEED window on its own mappings (a `SlidingWindowPrefetcher` that never releases: nothing reads
 * these mappings, so nothing of them is resident).
 *
 * @module
 */
import { workerData } from 'node:worker_threads';
import { MappedFile } from '@mmtape/mmap-core';
import type { PrefetchStream } from './prefetch-stream.js';
import { SlidingWindowPrefetcher } from './sliding-window-prefetcher.js';
import {
  CONTROL_FLUSH,
  CONTROL_FLUSHED,
  CONTROL_READY,
  CONTROL_STOP,
  CONTROL_WAKE,
  type WillneedWorkerData,
} from './willneed-worker.js';

const data = workerData as WillneedWorkerData;
const cursors = new Int32Array(data.cursors);
const control = new Int32Array(data.control);
const stats = new Float64Array(data.stats);

const files = new Map<string, MappedFile>();
const streams: PrefetchStream[] = data.streams.map((stream) => {
  let file = files.get(stream.filePath);
  if (file === undefined) {
    file = MappedFile.open(stream.filePath, { accessPattern: 'random' });
    files.set(stream.filePath, file);
  }
  const whole = stream.baseOffsetBytes === 0 && stream.byteLength === file.byteLength;
  return {
    file: whole ? file : file.slice(stream.baseOffsetBytes, stream.byteLength),
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
while (Atomics.load(control, CONTROL_STOP) === 0) {
  const wake = Atomics.load(control, CONTROL_WAKE);
  const flush = Atomics.load(control, CONTROL_FLUSH);
  for (let s = 0; s < seen.length; s++) {
    const row = Atomics.load(cursors, s);
    if (row >= 0 && row !== seen[s]) {
      prefetcher.update(s, row);
      seen[s] = row;
    }
  }
  const counters = prefetcher.stats();
  stats[0] = counters.willneedCalls;
  stats[1] = counters.willneedBytes;
  if (flush !== Atomics.load(control, CONTROL_FLUSHED)) {
    Atomics.store(control, CONTROL_FLUSHED, flush);
    Atomics.notify(control, CONTROL_FLUSHED);
  }
  Atomics.wait(control, CONTROL_WAKE, wake, data.pollMs);
}
