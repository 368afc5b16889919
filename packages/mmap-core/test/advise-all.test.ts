import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { MappedFile, MappedFileClosedError, mmapStatus, pageSizeBytes } from '../src/index.js';
import { mergePageRuns } from '../src/page-runs.js';

const dir = mkdtempSync(join(tmpdir(), 'mmtape-advise-all-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const linux = existsSync('/proc/self/smaps') && mmapStatus().backend === 'mmap';

/** Page indexes covered by `[start, end)` pairs (flattened), as the kernel rounds them. */
function pagesOf(ranges: readonly number[], page: number): Set<number> {
  const pages = new Set<number>();
  for (let i = 0; i < ranges.length; i += 2) {
    for (let p = Math.floor(ranges[i]! / page); p * page < ranges[i + 1]!; p++) pages.add(p);
  }
  return pages;
}

/** `[start address, end address, random?]` of each mapping of `path` (/proc/self/smaps), in order. */
function randomLayout(path: string): [number, number, boolean][] {
  const out: [number, number, boolean][] = [];
  let inFile = false;
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) /.exec(line);
    if (head) {
      inFile = line.endsWith(` ${path}`);
      if (inFile) out.push([Number.parseInt(head[1]!, 16), Number.parseInt(head[2]!, 16), false]);
    } else if (inFile && line.startsWith('VmFlags:')) out.at(-1)![2] = line.split(/\s+/).includes('rr');
  }
  // Relative to the mapping's start: two files' layouts compare equal when their advice matches.
  return out.map(([s, e, r]) => [s - out[0]![0], e - out[0]![0], r]);
}

describe('mergePageRuns', () => {
  it('covers exactly the pages of the ranges, once each, in sorted runs that do not touch', () => {
    const page = 4096;
    const range = fc
      .tuple(fc.nat(40), fc.integer({ min: -page, max: 3 * page }))
      .map(([p, len]) => [p * page, p * page + len] as const);
    fc.assert(
      fc.property(fc.array(range, { maxLength: 30 }), (pairs) => {
        const ranges = pairs.flat();
        const runs = mergePageRuns(ranges, page);
        expect(pagesOf(runs, page)).toEqual(pagesOf(ranges, page));
        for (let r = 2; r < runs.length; r += 2) {
          // The next run starts past the page boundary after the previous run's end: a gap of a page.
          expect(runs[r]!).toBeGreaterThan(Math.ceil(runs[r - 1]! / page) * page);
        }
      }),
      { seed: 11, numRuns: 400 },
    );
  });

  it('makes one run of adjacent members that do not end on a page boundary', () => {
    const ranges = [0, 1000, 0, 5000, 4096, 9000, 8192, 12288];
    expect(mergePageRuns(ranges, 4096)).toEqual([0, 12288]);
  });
});

describe('MappedFile.adviseAll and residencyOf', () => {
  it('advise the pages of many slices as advising each slice does, and record a whole-mapping pattern', () => {
    if (!linux) return expect(linux).toBe(false);
    const page = pageSizeBytes();
    const sizeBytes = 24 * page;
    // Two files: one advised slice by slice, one with adviseAll; their mappings must split alike. New
    // files for every run: a closed mapping stays in smaps until it is garbage collected.
    let run = 0;
    let pathAll = '';
    const slice = fc
      .tuple(fc.nat(sizeBytes - 1), fc.nat(3 * page))
      .map(([start, len]) => [start, Math.min(len, sizeBytes - start)] as const);
    fc.assert(
      fc.property(fc.array(slice, { minLength: 1, maxLength: 12 }), (slices) => {
        run++;
        const pathEach = join(dir, `each-${run}.bin`);
        pathAll = join(dir, `all-${run}.bin`);
        writeFileSync(pathEach, Buffer.alloc(sizeBytes, 3));
        writeFileSync(pathAll, Buffer.alloc(sizeBytes, 3));
        const each = MappedFile.open(pathEach);
        const all = MappedFile.open(pathAll);
        for (const [start, len] of slices) each.slice(start, len).advise('random');
        MappedFile.adviseAll(
          slices.map(([start, len]) => all.slice(start, len)),
          'random',
        );
        expect(randomLayout(pathAll)).toEqual(randomLayout(pathEach));
        expect(all.accessPattern).toBe(each.accessPattern);
        each.close();
        all.close();
      }),
      { seed: 5, numRuns: 40 },
    );

    // Slices that tile the file, out of order and not page-aligned: the whole mapping, one pattern.
    pathAll = join(dir, 'tiled.bin');
    writeFileSync(pathAll, Buffer.alloc(sizeBytes, 3));
    const file = MappedFile.open(pathAll);
    const cuts = [0, 1000, 9000, 9001, 20 * page + 17, sizeBytes];
    const members = cuts.slice(1).map((end, i) => file.slice(cuts[i]!, end - cuts[i]!));
    MappedFile.adviseAll(members.reverse(), 'random');
    expect(file.accessPattern).toBe('random');
    expect(randomLayout(pathAll).map(([, , random]) => random)).toEqual([true]);
    MappedFile.adviseAll(members, 'normal');
    expect(file.accessPattern).toBe('normal');
    expect(randomLayout(pathAll).map(([, , random]) => random)).toEqual([false]);

    // Slices of two mappings, interleaved: each mapping gets its own runs (here one each, the whole).
    const pathOther = join(dir, 'tiled-other.bin');
    writeFileSync(pathOther, Buffer.alloc(sizeBytes, 4));
    const other = MappedFile.open(pathOther);
    const half = 12 * page;
    MappedFile.adviseAll(
      [file.slice(half, half), other.slice(0, half), file.slice(0, half), other.slice(half, half)],
      'random',
    );
    expect([file.accessPattern, other.accessPattern]).toEqual(['random', 'random']);
    expect(randomLayout(pathOther).map(([, , random]) => random)).toEqual([true]);
    const both = MappedFile.residencyOf([other.slice(0, 100), file.slice(0, 100)]);
    expect(both.totalPages).toBe(2); // one page of each mapping, not one page counted once
    other.close();
    file.close();
  });

  it('counts each page of the slices once, as residency() over their union does', () => {
    const page = pageSizeBytes();
    const path = join(dir, 'residency.bin');
    writeFileSync(path, Buffer.alloc(10 * page + 123, 9));
    const file = MappedFile.open(path);
    expect(file.buffer[10 * page + 122]).toBe(9); // the last page resident
    const tiles = [file.slice(0, 700), file.slice(700, 5 * page), file.slice(5 * page, 5 * page + 123)];
    expect(MappedFile.residencyOf(tiles)).toEqual(file.residency());
    // Two slices sharing a page: per-file residency counts it twice, the union once.
    const a = file.slice(0, page + 10);
    const b = file.slice(page + 10, 100);
    const union = MappedFile.residencyOf([a, b]);
    expect(union.totalPages).toBe(2);
    expect(union.totalBytes).toBe(page + 110);
    expect(a.residency().totalPages + b.residency().totalPages).toBe(3);
    // A fallback file counts as resident; an empty slice as nothing.
    const fallback = MappedFile.open(path, { forceFallback: true });
    const r = MappedFile.residencyOf([fallback.slice(page, 2 * page), file.slice(0, 0)]);
    expect(r).toEqual({ residentPages: 2, totalPages: 2, residentBytes: 2 * page, totalBytes: 2 * page });
    MappedFile.adviseAll([fallback], 'random'); // a no-op, as advise() is for the fallback backend
    expect(fallback.accessPattern).toBe('normal');
    fallback.close();
    file.close();
  });

  it('throws MappedFileClosedError for a closed file before advising any', () => {
    if (!linux) return expect(linux).toBe(false);
    const path = join(dir, 'closed.bin');
    writeFileSync(path, Buffer.alloc(4 * pageSizeBytes(), 1));
    const file = MappedFile.open(path);
    const open = file.slice(0, pageSizeBytes());
    const closed = file.slice(pageSizeBytes(), pageSizeBytes());
    closed.close();
    expect(() => MappedFile.adviseAll([open, closed], 'random')).toThrow(MappedFileClosedError);
    expect(file.accessPattern).toBe('normal'); // nothing was advised
    expect(() => MappedFile.residencyOf([closed])).toThrow(MappedFileClosedError);
    file.close();
  });
});
