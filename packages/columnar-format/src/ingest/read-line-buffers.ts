/**
 * Streams a (optionally gzip) text file as byte ranges of lines, without decoding to strings: the
 * transport of the CSV fast path. Can read only the lines that start inside a byte range of the file,
 * so one file can be parsed by several threads.
 */

import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';

/** Stream chunk size, bytes (1 MiB): large enough to amortise stream overhead, small for memory. */
const CHUNK_BYTES = 1 << 20;

/**
 * Called per non-empty line with its bytes `[start, end)` inside `bytes` (without `\n` / `\r\n`) and its
 * 1-based line number (counted from the first line read; empty lines are counted but not reported).
 * `bytes` is only valid during the call. Returning `true` stops the reading.
 */
export type OnLineBytes = (bytes: Buffer, start: number, end: number, lineNo: number) => boolean | undefined;

/** A byte range of an uncompressed file: the lines that *start* at an offset in `[startBytes, endBytes)`. */
export interface LineRange {
  /** File offset, bytes, >= 0. A line that begins before it (and runs into it) belongs to the previous range. */
  startBytes: number;
  /** File offset, bytes, exclusive. The last line that starts before it is read to its end. */
  endBytes: number;
}

/**
 * Reads `path` (gunzipping `*.gz`) and calls `onLine` for every non-empty line, in order. A UTF-8 BOM at
 * the start of the file is skipped. With `range` (plain files only) only the lines starting in the range
 * are reported, so consecutive ranges cover every line exactly once. Memory is bounded by the chunk
 * size plus the longest line, so files larger than memory work. Errors thrown by `onLine` and stream
 * errors reject.
 */
export async function readLineBuffers(path: string, onLine: OnLineBytes, range?: LineRange): Promise<void> {
  if (range !== undefined && path.toLowerCase().endsWith('.gz')) {
    throw new Error(`${path}: a gzip file cannot be read by byte range`);
  }
  const from = range === undefined || range.startBytes === 0 ? 0 : range.startBytes - 1;
  const endBytes = range?.endBytes ?? Number.POSITIVE_INFINITY;
  const source = createReadStream(path, { highWaterMark: CHUNK_BYTES, start: from });
  const stream = path.toLowerCase().endsWith('.gz') ? source.pipe(createGunzip()) : source;
  if (stream !== source) source.on('error', (e: Error) => stream.destroy(e));
  let rest: Buffer | undefined;
  /** Offset (in the decompressed stream) of `rest[0]`, or of the next chunk when there is no rest. */
  let restOffset = from;
  let lineNo = 0;
  let first = true;
  // Reading from startBytes - 1: everything up to and including the first '\n' belongs to the
  // previous range (a line starting exactly at startBytes follows a '\n' at startBytes - 1).
  let skipping = from > 0;
  let stop = false;
  /** Emits the complete lines of `b` (whose byte 0 is at stream offset `base`) from `start`. */
  const split = (b: Buffer, base: number, start: number): Buffer | undefined => {
    let at = start;
    for (let nl = b.indexOf(0x0a, at); nl >= 0 && !stop; nl = b.indexOf(0x0a, at)) {
      if (skipping) skipping = false;
      else if (base + at >= endBytes) stop = true;
      else emit(b, at, nl);
      at = nl + 1;
    }
    if (!stop && base + at >= endBytes && !skipping) stop = true;
    // Copy the partial line: the stream may reuse `b`, and a view would pin the whole chunk.
    restOffset = base + at;
    return stop || at >= b.length ? undefined : Buffer.from(b.subarray(at));
  };
  const emit = (b: Buffer, start: number, end: number): void => {
    lineNo++;
    const e = end > start && b[end - 1] === 0x0d ? end - 1 : end; // strip '\r' of '\r\n'
    if (e > start && onLine(b, start, e, lineNo) === true) stop = true;
  };
  try {
    for await (const chunk of stream) {
      let b = chunk as Buffer;
      const base = restOffset;
      if (rest !== undefined) {
        b = Buffer.concat([rest, b]);
        rest = undefined;
      }
      if (first && from === 0 && b.length < 3) {
        rest = Buffer.from(b); // too short to tell whether it starts with a BOM
        continue;
      }
      const start = first && from === 0 ? bomLength(b) : 0;
      first = false;
      rest = split(b, base, start);
      if (stop) return;
    }
    if (rest !== undefined) {
      const base = restOffset;
      const start = first && from === 0 ? bomLength(rest) : 0;
      const tail = split(rest, base, start);
      if (tail !== undefined && !stop && !skipping) emit(tail, 0, tail.length);
    }
  } finally {
    source.destroy();
    if (stream !== source) stream.destroy();
  }
}

/** 3 when `b` starts with the UTF-8 BOM (EF BB BF), else 0. */
function bomLength(b: Buffer): number {
  return b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
}
