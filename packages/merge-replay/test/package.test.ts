import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

describe('package.json', () => {
  it('is ESM-only with types first in the exports map and a files allowlist', () => {
    expect(pkg.type).toBe('module');
    expect(pkg.sideEffects).toBe(false);
    expect(Object.keys(pkg.exports['.'])[0]).toBe('types');
    expect(pkg.exports['./package.json']).toBe('./package.json');
    // The native kernel's sources and build script: compiled at install (the `install` script).
    expect(pkg.files).toEqual([
      'dist',
      'README.md',
      'native/block_kernels.c',
      'native/binding.gyp',
      'scripts/build-native.mjs',
    ]);
    expect(pkg.scripts.install).toBe('node scripts/build-native.mjs');
  });

  it('depends only on the mmtape packages it uses', () => {
    expect(Object.keys(pkg.dependencies).sort()).toEqual([
      '@mmtape/columnar-format',
      '@mmtape/errors',
      '@mmtape/mmap-core',
      '@mmtape/prefetch',
    ]);
  });
});
