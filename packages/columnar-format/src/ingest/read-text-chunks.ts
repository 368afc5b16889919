/**
 * Streams a (optionally gzip) file as UTF-8 text chunks: the transport of the CSV fast path, whose
 * records are then parsed by uDSV. Can read only the lines that start inside a byte range of a plain
 * file, so one file can be parsed by several threads: the range is aligned to line starts by looking
 * for `\n` bytes (no CSV parsing happens here).
 */

import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';

/** Stream chunk size, bytes (1 MiB): large enough to amortise stream and parser-call overhead. */
const CHUNK_BYTES = 1 << 20;

/** A byte range of an uncompressed file: the lines that *start* at an offset in `[startBytes, endBytes)`. */
export interface LineRange {
  /** File offset, bytes, >= 0. A line that begins before it (and runs into it) belongs to the previous range. */
  startBytes: number;
  /** File offset, bytes, exclusive. The last line that starts before it is read to its end. */
  endBytes: number;
}

/**
 * Called with consecutive text chunks, in order: each but the last holds at least {@link CHUNK_BYTES}
 * bytes minus 3 (the start of a multi-byte character completed by the next chunk; a character is never
 * split between chunks), so the first chunk holds the header line of any file whose header is shorter.
 */
export type OnText = (text: string) => void;

/**
 * Reads `path` (gunzipping `*.gz`) and calls `onText` with its text (a UTF-8 BOM is passed through).
 * With `range` (plain files only) the text is exactly the lines starting in the range (from a line
 * start to just after a `\n`, or to the end of the file), so consecutive ranges cover every byte after
 * the first line start exactly once. Memory is bounded by the chunk size. Errors thrown by `onText` and
 * stream errors reject.
 * @param onBytesRead called after each chunk with the bytes read from the file so far by this call
 *   (compressed bytes for `*.gz`; from the range's start): drives byte-based progress.
 */
export async function readTextChunks(
  path: string,
  onText: OnText,
  range?: LineRange,
  onBytesRead?: (bytes: number) => void,
): Promise<void> {
  const gzip = path.toLowerCase().endsWith('.gz');
  if (range !== undefined && gzip) throw new Error(`${path}: a gzip file cannot be read by byte range`);
  // Reading from startBytes - 1: everything up to and including the first '\n' belongs to the
  // previous range (a line starting exactly at startBytes follows a '\n' at startBytes - 1).
  const from = range === undefined || range.startBytes === 0 ? 0 : range.startBytes - 1;
  const endBytes = range?.endBytes ?? Number.POSITIVE_INFINITY;
  const source = createReadStream(path, { highWaterMark: CHUNK_BYTES, start: from });
  const stream = gzip ? source.pipe(createGunzip()) : source;
  if (stream !== source) source.on('error', (e: Error) => stream.destroy(e));
  const decoder = new StringDecoder('utf8');
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = (final: boolean): void => {
    const b = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
    pending = [];
    pendingBytes = 0;
    const text = decoder.write(b) + (final ? decoder.end() : '');
    if (text.length > 0) onText(text);
  };
  const keep = (b: Buffer): void => {
    if (b.length === 0) return;
    pending.push(b);
    pendingBytes += b.length;
    if (pendingBytes >= CHUNK_BYTES) flush(false);
  };
  /** Stream offset of the next chunk's byte 0. */
  let offset = from;
  let skipping = from > 0;
  try {
    for await (const chunk of stream) {
      const b = chunk as Buffer;
      onBytesRead?.(source.bytesRead);
      const base = offset;
      offset += b.length;
      let start = 0;
      if (skipping) {
        const nl = b.indexOf(0x0a);
        if (nl < 0) continue;
        skipping = false;
        start = nl + 1;
        if (base + start >= endBytes) break; // no line starts in the range
      }
      if (offset < endBytes) {
        keep(start === 0 ? b : b.subarray(start));
        continue;
      }
      // The range ends in this chunk: keep through the '\n' ending the line that holds byte endBytes - 1.
      const nl = b.indexOf(0x0a, Math.max(start, endBytes - 1 - base));
      if (nl >= 0) {
        keep(b.subarray(start, nl + 1));
        break;
      }
      keep(b.subarray(start)); // the line runs on into the next chunk, which is searched from byte 0
    }
    flush(true);
  } finally {
    source.destroy();
    if (stream !== source) stream.destroy();
  }
}
