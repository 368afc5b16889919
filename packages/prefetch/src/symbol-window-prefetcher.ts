import { pageSizeBytes as systemPageSizeBytes } from '@mmtape/mmap-core';
import { PrefetchArgumentError } from './errors.js';
import { alignDown, alignUp, requireInteger, validateStreams } from './page-math.js';
import { emptyStats, type PrefetchStats } from './prefetch-stats.js';
import type { PrefetchStream } from './prefetch-stream.js';

/**
 * Streams advised WILLNEED after the visited one: 100, so that with per-symbol work of a few ms the
 * kernel has ~100 files' reads in flight. First guess, to be tuned by the prefetch benchmark.
 */
export const DEFAULT_AHEAD_SYMBOLS = 100;
/**
 * Streams kept behind the visited one before DONTNEED: 50, for work that looks back at recent symbols
 * (e.g. pairs). First guess, to be tuned by the prefetch benchmark.
 */
export const DEFAULT_BEHIND_SYMBOLS = 50;

/** Options of {@link SymbolWindowPrefetcher}. */
export interface SymbolWindowOptions {
  /** Streams after the visited one to advise WILLNEED, ≥ 0. Default {@link DEFAULT_AHEAD_SYMBOLS} (100). */
  aheadSymbols?: number;
  /** Streams behind the visited one kept before DONTNEED, ≥ 0. Default {@link DEFAULT_BEHIND_SYMBOLS} (50). */
  behindSymbols?: number;
  /** Page size in bytes used for alignment. Default: `pageSizeBytes()` of `@mmtape/mmap-core`. */
  pageSizeBytes?: number;
}

// Per-stream state: 0 = never advised (the Uint8Array's initial value), then:
/** WILLNEED issued, not released since. */
const ADVISED = 1;
/** DONTNEED issued. */
const RELEASED = 2;

/**
 * Prefetch for work that processes streams (symbols) one after another, each read whole.
 *
 * `visit(i)` advises WILLNEED for streams `i … i + aheadSymbols` (the visited one and the next
 * `aheadSymbols`) that are not currently advised, and DONTNEED for advised streams with index
 * `< i - behindSymbols`. A stream's columns are advised as their byte ranges rounded outward to pages,
 * with overlapping or touching ranges merged, so each page gets one call. Each stream is advised WILLNEED
 * at most once while advised and released at most once; a stream released and visited again is advised
 * again. {@link finish} releases every stream still advised.
 *
 * @example
 * const prefetcher = new SymbolWindowPrefetcher(streams);
 * streams.forEach((_, i) => { prefetcher.visit(i); work(i); });
 * prefetcher.finish();
 */
export class SymbolWindowPrefetcher {
  readonly aheadSymbols: number;
  readonly behindSymbols: number;
  readonly pageSizeBytes: number;
  readonly #streams: readonly PrefetchStream[];
  readonly #state: Uint8Array;
  /** Streams below this index have been scanned for release. */
  #releaseCursor = 0;
  readonly #stats: PrefetchStats = emptyStats();

  /** @throws {PrefetchArgumentError} for invalid options or a column past its file's end. */
  constructor(streams: PrefetchStream[], options: SymbolWindowOptions = {}) {
    this.aheadSymbols = requireInteger('aheadSymbols', options.aheadSymbols ?? DEFAULT_AHEAD_SYMBOLS, 0);
    this.behindSymbols = requireInteger('behindSymbols', options.behindSymbols ?? DEFAULT_BEHIND_SYMBOLS, 0);
    this.pageSizeBytes = requireInteger('pageSizeBytes', options.pageSizeBytes ?? systemPageSizeBytes(), 1);
    validateStreams(streams);
    this.#streams = [...streams];
    this.#state = new Uint8Array(this.#streams.length);
  }

  /**
   * Marks stream `symbolIndex` as being processed and advises around it (see the class doc).
   * @throws {PrefetchArgumentError} for an index outside `[0, streams.length)`.
   */
  visit(symbolIndex: number): void {
    this.#stats.calls++;
    if (!Number.isSafeInteger(symbolIndex) || symbolIndex < 0 || symbolIndex >= this.#streams.length) {
      throw new PrefetchArgumentError(
        'symbolIndex',
        `an integer in [0, ${this.#streams.length})`,
        symbolIndex,
      );
    }
    let advised = false;
    const lastAhead = Math.min(symbolIndex + this.aheadSymbols, this.#streams.length - 1);
    for (let i = symbolIndex; i <= lastAhead; i++) {
      if (this.#state[i] !== ADVISED) {
        this.#adviseStream(i, 'willneed');
        this.#state[i] = ADVISED;
        advised = true;
      }
    }
    const releaseEnd = symbolIndex - this.behindSymbols;
    for (let i = this.#releaseCursor; i < releaseEnd; i++) {
      if (this.#state[i] === ADVISED) {
        this.#adviseStream(i, 'dontneed');
        this.#state[i] = RELEASED;
        advised = true;
      }
    }
    this.#releaseCursor = Math.max(this.#releaseCursor, releaseEnd);
    if (advised) this.#stats.advisedCalls++;
  }

  /** Releases (DONTNEED) every stream still advised. Idempotent. */
  finish(): void {
    for (let i = 0; i < this.#streams.length; i++) {
      if (this.#state[i] === ADVISED) {
        this.#adviseStream(i, 'dontneed');
        this.#state[i] = RELEASED;
      }
    }
  }

  /** A snapshot of the advice counters. */
  stats(): PrefetchStats {
    return { ...this.#stats };
  }

  #adviseStream(index: number, advice: 'willneed' | 'dontneed'): void {
    const stream = this.#streams[index]!;
    for (const [start, end] of mergedPageRanges(stream, this.pageSizeBytes)) {
      stream.file.advise(advice, start, end - start);
      if (advice === 'willneed') {
        this.#stats.willneedCalls++;
        this.#stats.willneedBytes += end - start;
      } else {
        this.#stats.dontneedCalls++;
        this.#stats.dontneedBytes += end - start;
      }
    }
  }
}

/** Column byte ranges rounded outward to pages, clamped to the file, sorted and merged. */
function mergedPageRanges(stream: PrefetchStream, pageBytes: number): [number, number][] {
  const ranges = stream.columns
    .map((column): [number, number] => [
      alignDown(column.offsetBytes, pageBytes),
      Math.min(
        alignUp(column.offsetBytes + stream.rowCount * column.bytesPerRow, pageBytes),
        stream.file.byteLength,
      ),
    ])
    .filter(([start, end]) => end > start)
    .sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const range of ranges) {
    const last = merged[merged.length - 1];
    if (last !== undefined && range[0] <= last[1]) last[1] = Math.max(last[1], range[1]);
    else merged.push(range);
  }
  return merged;
}
