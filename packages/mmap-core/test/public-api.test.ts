import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';

describe('@mmtape/mmap-core public API', () => {
  it('exports exactly these values', () => {
    expect(Object.keys(api).sort()).toEqual([
      'ADVICE_VALUES',
      'FALLBACK_WARNING_CODE',
      'InvalidRangeError',
      'MAX_MAPPING_BYTES',
      'MappedFile',
      'MappedFileChangedError',
      'MappedFileClosedError',
      'MappedFileOpenError',
      'MappedFileReader',
      'MappingTooLargeError',
      'MmapSyscallError',
      'SharedMemory',
      'isMmapError',
      'isMmtapeError',
      'madvise',
      'mapReadOnly',
      'mincore',
      'mmapStatus',
      'pageSizeBytes',
      'validateMappingSize',
    ]);
  });

  it('has a package.json with types-first exports, a files allowlist, @mmtape/errors and one optional native dependency', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(Object.keys(pkg.exports['.'])[0]).toBe('types');
    expect(pkg.files).toEqual(['dist', 'README.md']);
    // Optional: when the addon cannot be built (Node 24 without CXXFLAGS=-std=gnu++20), install still
    // succeeds and mmap-core reads files into memory (backend 'fallback') instead of failing to install.
    expect(Object.keys(pkg.dependencies)).toEqual(['@mmtape/errors']);
    expect(Object.keys(pkg.optionalDependencies)).toEqual(['@riaskov/mmap-io']);
    expect(pkg.type).toBe('module');
  });
});
