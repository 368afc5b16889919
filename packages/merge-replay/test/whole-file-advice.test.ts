import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Advice, MappedFile, pageSizeBytes } from '@mmtape/mmap-core';
import { afterAll, describe, expect, it } from 'vitest';
import type { ReplayColumnFile } from '../src/replay-options.js';
import { adviseWholeFiles, residencyReporters } from '../src/whole-file-advice.js';

const dir = mkdtempSync(join(tmpdir(), 'mmtape-whole-file-advice-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A replay file whose `file` is `file` (only `file` is read by the functions under test). */
const replayFile = (file: ReplayColumnFile['file']): ReplayColumnFile =>
  ({ file }) as unknown as ReplayColumnFile;

/** A structural file (not a MappedFile) recording its advice; it reports 3 of its 10 pages resident. */
function fakeFile(byteLength: number) {
  const advice: [Advice, number, number][] = [];
  return {
    advice,
    byteLength,
    advise: (a: Advice, offsetBytes: number, lengthBytes: number) => {
      advice.push([a, offsetBytes, lengthBytes]);
    },
    residency: () => ({ residentBytes: 3 * 4096, totalBytes: 10 * 4096 }),
  };
}

describe('adviseWholeFiles and residencyReporters', () => {
  const page = pageSizeBytes();
  const path = join(dir, 'segment.bin');
  writeFileSync(path, Buffer.alloc(8 * page, 1));

  it('advise MappedFile slices together (the mapping records the pattern) and other files one by one', () => {
    const segment = MappedFile.open(path, { accessPattern: 'random' });
    const fake = fakeFile(4096);
    const empty = fakeFile(0);
    const files = [
      replayFile(segment.slice(0, 3 * page + 5)),
      replayFile(fake),
      replayFile(segment.slice(3 * page + 5, 5 * page - 5)),
      replayFile(empty),
    ];
    adviseWholeFiles(files, 'normal');
    // The two slices tile the mapping: one run, so the whole mapping is known to be normal again.
    expect(segment.accessPattern).toBe('normal');
    expect(fake.advice).toEqual([['normal', 0, 4096]]);
    expect(empty.advice).toEqual([]); // nothing to advise in an empty file
    segment.close();
  });

  it('measure the MappedFiles as one reporter and the other files each on their own', () => {
    const segment = MappedFile.open(path);
    const slices = [segment.slice(0, 2 * page), segment.slice(2 * page, 6 * page)];
    const fake = fakeFile(4096);
    const reporters = residencyReporters([replayFile(slices[0]!), replayFile(fake), replayFile(slices[1]!)]);
    expect(reporters).toHaveLength(2);
    expect(reporters[0]!.residency()).toEqual(MappedFile.residencyOf(slices));
    expect(reporters[1]!.residency()).toEqual(fake.residency());
    expect(residencyReporters([replayFile(fake)])).toHaveLength(1); // no MappedFile: no group reporter
    segment.close();
  });
});
