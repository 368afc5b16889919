import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MappedFile, mmapStatus, pageSizeBytes } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'mmtape-access-pattern-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * The `VmFlags` of every mapping of `path` in `/proc/self/smaps` (Linux): `rr` is `VM_RAND_READ`
 * (MADV_RANDOM), `sr` is `VM_SEQ_READ` (MADV_SEQUENTIAL), neither for MADV_NORMAL.
 */
function vmFlags(path: string): string[][] {
  const smaps = readFileSync('/proc/self/smaps', 'utf8').split('\n');
  const flags: string[][] = [];
  let inFile = false;
  for (const line of smaps) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) inFile = line.endsWith(` ${path}`);
    else if (inFile && line.startsWith('VmFlags:'))
      flags.push(line.slice('VmFlags:'.length).trim().split(/\s+/));
  }
  return flags;
}

describe('MappedFile.open accessPattern', () => {
  const linux = existsSync('/proc/self/smaps') && mmapStatus().backend === 'mmap';

  it('advises the whole mapping before returning it (VmFlags rr / sr / neither)', () => {
    if (!linux) return expect(linux).toBe(false);
    const cases = [
      ['random', ['rr']],
      ['sequential', ['sr']],
      ['normal', []],
      [undefined, []],
    ] as const;
    for (const [pattern, expected] of cases) {
      const path = join(dir, `file-${pattern ?? 'default'}.bin`);
      writeFileSync(path, Buffer.alloc(3 * pageSizeBytes() + 100, 7));
      const file = MappedFile.open(path, pattern === undefined ? {} : { accessPattern: pattern });
      const mappings = vmFlags(path);
      // One mapping (the whole file, not split), carrying exactly the flag of the pattern.
      expect(mappings.length, `${pattern}`).toBe(1);
      const readFlags = mappings[0]!.filter((f) => f === 'rr' || f === 'sr');
      expect(readFlags, `${pattern}`).toEqual(expected);
      expect(file.buffer[3 * pageSizeBytes() + 99]).toBe(7);
      file.close();
    }
  });

  it('is ignored by the fallback backend (nothing is mapped)', () => {
    const path = join(dir, 'fallback.bin');
    writeFileSync(path, Buffer.from([1, 2, 3]));
    const file = MappedFile.open(path, { forceFallback: true, accessPattern: 'random' });
    expect(file.backend).toBe('fallback');
    expect([...file.buffer]).toEqual([1, 2, 3]);
    file.close();
  });
});

describe('MappedFile.accessPattern', () => {
  const linux = existsSync('/proc/self/smaps') && mmapStatus().backend === 'mmap';
  const hasRandom = (path: string): boolean[] => vmFlags(path).map((flags) => flags.includes('rr'));

  it('follows the pattern of the whole mapping through its slices; advice it already has is skipped', () => {
    if (!linux) return expect(linux).toBe(false);
    const page = pageSizeBytes();
    const path = join(dir, 'tracked.bin');
    writeFileSync(path, Buffer.alloc(8 * page, 1));
    const file = MappedFile.open(path);
    const first = file.slice(0, 4 * page);
    const second = file.slice(4 * page, 4 * page);
    expect(file.accessPattern).toBe('normal');

    second.advise('random'); // half of the mapping: the whole has no single pattern any more
    expect([file.accessPattern, first.accessPattern, second.accessPattern]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    expect(hasRandom(path)).toEqual([false, true]);
    second.advise('normal'); // must reach the kernel, although `first` was normal all along
    expect(hasRandom(path)).not.toContain(true);
    expect(file.accessPattern).toBeUndefined(); // a part was advised: the whole is not known to be uniform

    file.advise('random');
    expect([file.accessPattern, second.accessPattern]).toEqual(['random', 'random']);
    first.advise('random'); // already random: skipped, and the mapping stays random
    expect(hasRandom(path)).toEqual([true]);
    second.advise('willneed'); // a one-off read-ahead, not a pattern
    expect(file.accessPattern).toBe('random');
    first.advise('normal', 0, page); // part of the mapping again
    expect(file.accessPattern).toBeUndefined();
    file.advise('normal');
    expect(file.accessPattern).toBe('normal');
    expect(hasRandom(path)).not.toContain(true);
    expect(second.buffer[4 * page - 1]).toBe(1);
    file.close();
  });

  it('starts as the accessPattern open option, and is normal for the fallback backend', () => {
    const path = join(dir, 'tracked-open.bin');
    writeFileSync(path, Buffer.alloc(2 * pageSizeBytes(), 2));
    const random = MappedFile.open(path, { accessPattern: 'random' });
    expect(random.accessPattern).toBe(linux ? 'random' : 'normal');
    const fallback = MappedFile.open(path, { forceFallback: true, accessPattern: 'random' });
    expect(fallback.accessPattern).toBe('normal');
    random.close();
    fallback.close();
  });
});
