import type { Writable } from 'node:stream';
import { InvalidEventStreamInputError } from '../errors.js';
import type { EventChunk, EventStreamEncoder } from './event-chunk.js';

/** Options of {@link writeEventStream}. */
export interface WriteEventStreamOptions {
  /**
   * Called before each chunk is encoded, with the chunk; may return a promise to wait for (pacing a
   * replay to real time). Default: none.
   */
  beforeChunk?: (chunk: EventChunk) => Promise<void> | void;
  /** Called after each chunk was handed to the stream, with the events and bytes written so far. */
  onProgress?: (events: number, bytes: number) => void;
  /**
   * Most events encoded into one write, ≥ 1: a larger chunk is encoded and written in slices of this
   * many events (so an Arrow record batch holds at most this many rows). Default
   * {@link DEFAULT_EVENTS_PER_WRITE}.
   */
  eventsPerWrite?: number;
  /**
   * `true`: end `out` after the last bytes and wait for `'finish'` (a file stream). Default `false`:
   * leave it open (`process.stdout`, which must not be ended).
   */
  end?: boolean;
}

/** What {@link writeEventStream} wrote. */
export interface WriteEventStreamResult {
  /** Events encoded and handed to the stream. */
  events: number;
  /** Bytes (or UTF-16 characters for text formats) handed to the stream. */
  bytes: number;
  /** Chunks pulled from the iterable. */
  chunks: number;
  /**
   * True when the reader went away before the end (`EPIPE`: `mmtape replay --output csv | head`): writing
   * stopped at the first failed write and the rest of the chunks were not pulled. Not an error.
   */
  closedEarly: boolean;
}

/**
 * Default of {@link WriteEventStreamOptions.eventsPerWrite}: 8,192 events, ~0.5 MiB of CSV. Text formats
 * build one string per write, and smaller strings keep the garbage (and so the RSS) of a long replay low:
 * measured on 682,081 one-minute bars (`mmtape replay --output csv`), 65,536-event writes peaked at
 * ~330 MiB RSS against ~130 MiB for the replay alone.
 */
export const DEFAULT_EVENTS_PER_WRITE = 8192;

/** Error codes that mean "the reader is gone": a clean stop for a producer, not a failure. */
const READER_GONE_CODES = new Set(['EPIPE', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']);

/**
 * Streams event chunks through an encoder into a writable stream, with backpressure: whenever
 * `out.write()` returns false it waits for `'drain'` before encoding more, so memory holds at most one
 * encoded write (≤ `eventsPerWrite` events) plus the stream's high-water mark, whatever the size of the
 * replay. A stream whose `write()` throws (a file stream on a full disk) throws out of here. Chunks are
 * pulled one at a time (a sync or async iterable), and each is encoded before the next is pulled, so a
 * producer that reuses its chunk buffers (a replay) is safe.
 *
 * A reader that goes away (`EPIPE`, a destroyed stream) ends the writing cleanly: the result has
 * `closedEarly: true` and the iterator is closed (`return()`), so the producer releases what it holds.
 *
 * @throws whatever the encoder throws (`InvalidEventStreamInputError`), whatever the iterable throws, and
 * any other error the stream emits (`ENOSPC`, `EIO`...).
 */
export async function writeEventStream(
  out: Writable,
  encoder: EventStreamEncoder,
  chunks: Iterable<EventChunk> | AsyncIterable<EventChunk>,
  options: WriteEventStreamOptions = {},
): Promise<WriteEventStreamResult> {
  const step = options.eventsPerWrite ?? DEFAULT_EVENTS_PER_WRITE;
  if (!(Number.isSafeInteger(step) && step >= 1)) {
    throw new InvalidEventStreamInputError(`eventsPerWrite ${step}: expected an integer >= 1`, {
      field: 'eventsPerWrite',
      expected: 'an integer >= 1',
      actual: String(step),
    });
  }
  let failure: Error | null = null;
  let gone = false;
  let wake: (() => void) | null = null;
  const onError = (error: NodeJS.ErrnoException): void => {
    if (READER_GONE_CODES.has(error.code ?? '')) gone = true;
    else failure ??= error;
    wake?.();
  };
  const onClose = (): void => {
    gone = true;
    wake?.();
  };
  const onDrain = (): void => wake?.();
  out.on('error', onError);
  out.on('close', onClose);
  out.on('drain', onDrain);

  let events = 0;
  let bytes = 0;
  let count = 0;
  // A failed write sets `out.errored` at once; the 'error' event follows on a later tick.
  const check = (): void => {
    const errored = out.errored as NodeJS.ErrnoException | null;
    if (errored) onError(errored);
    if (out.destroyed) gone = true;
  };
  /** Hands `data` to the stream, waiting for 'drain' when it is full; false once the reader is gone. */
  const write = async (data: Uint8Array | string): Promise<boolean> => {
    check();
    if (failure) throw failure;
    if (gone) return false;
    if (data.length === 0) return true;
    bytes += typeof data === 'string' ? data.length : data.byteLength;
    if (!out.write(data)) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        // Re-check after installing the waker: the event may already have fired.
        if (failure || gone || out.destroyed || !out.writableNeedDrain) resolve();
      });
      wake = null;
    }
    check();
    if (failure) throw failure;
    return !gone;
  };

  try {
    if (!(await write(encoder.begin()))) return { events, bytes, chunks: count, closedEarly: true };
    for await (const chunk of chunks) {
      await options.beforeChunk?.(chunk);
      count++;
      for (let start = 0; start < chunk.length; start += step) {
        const end = Math.min(chunk.length, start + step);
        // Returning closes the iterator (its return()), so the producer can release its files.
        if (!(await write(encoder.encode(chunk, start, end)))) {
          return { events, bytes, chunks: count, closedEarly: true };
        }
        events += end - start;
      }
      options.onProgress?.(events, bytes);
    }
    if (!(await write(encoder.end()))) return { events, bytes, chunks: count, closedEarly: true };
    if (options.end) {
      await new Promise<void>((resolve, reject) => {
        out.end((error?: Error | null) => (error ? reject(error) : resolve()));
      });
    }
    return { events, bytes, chunks: count, closedEarly: false };
  } finally {
    // A dead stream keeps the error listener: its 'error' event may still be on its way, and an error
    // already reported here (or a reader gone) must not surface again as an unhandled 'error'.
    if (!out.errored) out.off('error', onError);
    out.off('close', onClose);
    out.off('drain', onDrain);
  }
}
