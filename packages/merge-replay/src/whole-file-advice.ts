import { type AccessPattern, MappedFile } from '@mmtape/mmap-core';
import type { ResidencyReporter } from '@mmtape/prefetch';
import type { ReplayColumnFile } from './replay-options.js';

/**
 * Advises the whole of every replayed file (`random`, `normal`, or `dontneed` to release what the open
 * mapped). The `MappedFile`s of `@mmtape/mmap-core` go through `MappedFile.adviseAll`: one `madvise` per
 * run of pages of one mapping, so 3,000 members of a segment file are one call (the `random` a dataset
 * opened with it has, undone for a replay without prefetch, was 3,000 calls: ~21 ms of a one-shot
 * `mmtape replay` of 3,000 symbols). Any other file (`ReplayColumnFile.file` is structural) is advised on
 * its own, when not empty.
 * @throws whatever `advise` throws (MappedFileClosedError, MmapSyscallError).
 */
export function adviseWholeFiles(
  files: readonly ReplayColumnFile[],
  advice: AccessPattern | 'dontneed',
): void {
  const mapped: MappedFile[] = [];
  for (const { file } of files) {
    if (file instanceof MappedFile) mapped.push(file);
    else if (file.byteLength > 0) file.advise(advice, 0, file.byteLength);
  }
  MappedFile.adviseAll(mapped, advice);
}

/**
 * What the replay's `MemorySampler` measures the residency of: one reporter for all the `MappedFile`s
 * (`MappedFile.residencyOf`: one `mincore` per run of pages of one mapping, each page counted once), and
 * every other file that reports residency on its own. For 3,000 segment members, one call instead of
 * 3,000. That saves the system calls only: most of a sample's cost is the kernel's walk over the pages
 * (16–31 ms for a 283 MB segment on the 2-vCPU VM of the benches, one call or 3,000).
 */
export function residencyReporters(files: readonly ReplayColumnFile[]): ResidencyReporter[] {
  const mapped: MappedFile[] = [];
  const others: ResidencyReporter[] = [];
  for (const { file } of files) {
    if (file instanceof MappedFile) mapped.push(file);
    else if (typeof file.residency === 'function') others.push(file as ResidencyReporter);
  }
  if (mapped.length === 0) return others;
  return [{ residency: () => MappedFile.residencyOf(mapped) }, ...others];
}
