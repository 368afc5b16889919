import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';

describe('@mmtape/prefetch public API', () => {
  it('exports exactly these values', () => {
    expect(Object.keys(api).sort()).toEqual([
      'DEFAULT_AHEAD_ROWS',
      'DEFAULT_BEHIND_ROWS',
      'DEFAULT_FAULT_AROUND_BYTES',
      'DEFAULT_POLL_MS',
      'DEFAULT_RAMP_ROWS',
      'DEFAULT_STEP_ROWS',
      'MIN_DEFAULT_AHEAD_ROWS',
      'MemorySampler',
      'PrefetchArgumentError',
      'SlidingWindowPrefetcher',
      'WINDOW_MEMORY_FRACTION',
      'WillneedWorker',
      'defaultAheadRows',
      'emptyPrefetchStats',
      'isPrefetchError',
      'parseProcessIo',
      'readProcessIo',
      'readProcessMemory',
      'resolveWorkerEntry',
      'withDefaultWindow',
    ]);
  });

  it("has a package.json with types-first exports and @mmtape/errors, @mmtape/mmap-core and hash-wasm (the helper's block checks) as runtime dependencies", () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(Object.keys(pkg.exports['.'])[0]).toBe('types');
    expect(pkg.files).toEqual(['dist', 'README.md']);
    expect(Object.keys(pkg.dependencies)).toEqual(['@mmtape/errors', '@mmtape/mmap-core', 'hash-wasm']);
  });
});
