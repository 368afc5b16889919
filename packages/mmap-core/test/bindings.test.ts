import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  isMmapError,
  MAX_MAPPING_BYTES,
  MappingTooLargeError,
  madvise,
  mapReadOnly,
  mincore,
  pageSizeBytes,
  validateMappingSize,
} from '../src/index.js';

let dir: string;
let dataPath: string;
const page = pageSizeBytes();

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mmtape-mmap-bindings-'));
  dataPath = join(dir, 'data.bin');
  writeFileSync(dataPath, Buffer.alloc(4 * page + 100, 9));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('thin bindings', () => {
  it('maps, advises and counts resident pages, incl. on a page-aligned subarray', () => {
    const fd = openSync(dataPath, 'r');
    const buffer = mapReadOnly(fd, 4 * page + 100);
    closeSync(fd);
    expect(buffer.length).toBe(4 * page + 100);
    expect(buffer[4 * page + 99]).toBe(9);
    madvise(buffer, page, 2 * page, 'willneed');
    expect(mincore(buffer)).toEqual({ residentPages: 5, nonResidentPages: 0 });
    expect(mincore(buffer.subarray(2 * page, 3 * page + 1))).toEqual({
      residentPages: 2,
      nonResidentPages: 0,
    });
  });

  it('translates native failures into MmapSyscallError with the errno name', () => {
    const fd = openSync(dataPath, 'r');
    const buffer = mapReadOnly(fd, page);
    let caught: unknown;
    try {
      mapReadOnly(fd, 0); // mmap rejects length 0 with EINVAL
    } catch (error) {
      caught = error;
    } finally {
      closeSync(fd);
    }
    expect(isMmapError(caught, 'MMTAPE_MMAP_SYSCALL_FAILED')).toBe(true);
    expect(caught).toMatchObject({ syscall: 'mmap', errnoName: 'EINVAL', errno: 22 });
    expect(() => madvise(buffer, 1, 10, 'willneed')).toThrow(/madvise\(\) failed with EINVAL/);
    expect(() => mincore(buffer.subarray(1))).toThrow(/mincore\(\) failed with EINVAL/);
  });
});

describe('validateMappingSize', () => {
  it('accepts sizes below 2^31 - 1 and rejects others with expected vs actual', () => {
    expect(MAX_MAPPING_BYTES).toBe(2 ** 31 - 1);
    expect(() => validateMappingSize('/x', 0)).not.toThrow();
    expect(() => validateMappingSize('/x', MAX_MAPPING_BYTES - 1)).not.toThrow();
    let caught: unknown;
    try {
      validateMappingSize('/data/huge.bin', 3 * 2 ** 30);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MappingTooLargeError);
    expect(isMmapError(caught, 'MMTAPE_MMAP_TOO_LARGE')).toBe(true);
    expect(caught).toMatchObject({ path: '/data/huge.bin', expected: 2147483647, actual: 3221225472 });
    expect((caught as Error).message).toBe(
      'file "/data/huge.bin" has 3221225472 bytes but mappings must be < 2147483647 bytes',
    );
    expect(() => validateMappingSize('/x', MAX_MAPPING_BYTES)).toThrow(MappingTooLargeError);
  });
});

describe('native binding loading', () => {
  it('requires the compiled .node file directly, without the node-pre-gyp lookup of the package entry', async () => {
    const { createRequire } = await import('node:module');
    const { dirname } = await import('node:path');
    const { existsSync } = await import('node:fs');
    const { nativeBindingCandidates, nativeStatus } = await import('../src/bindings.js');
    const require = createRequire(import.meta.url);
    const packageDir = dirname(require.resolve('@riaskov/mmap-io/package.json'));
    const candidates = nativeBindingCandidates(packageDir);
    expect(candidates[0]).toContain(`node-v${process.versions.modules}-${process.platform}-${process.arch}`);
    const present = candidates.filter((path) => existsSync(path));
    // The install built the binding (onlyBuiltDependencies), so the direct path is taken here.
    expect(present.length).toBeGreaterThan(0);
    expect(nativeStatus().available).toBe(true);
    const loadedModules = Object.keys(require.cache);
    expect(loadedModules).toContain(present[0]);
    expect(loadedModules.some((path) => path.includes('node-pre-gyp'))).toBe(false);
  });
});
