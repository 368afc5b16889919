/**
 * Splits the input files of an ingest into tasks: one per file, or, for large plain CSV files, one per
 * byte range (at line boundaries) so that several threads can parse a single file.
 */

import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { isParquetPath } from './read-input-file.js';
import type { LineRange } from './read-text-chunks.js';

/** One unit of work: a whole file, or the lines starting in one byte range of it. */
export interface PlannedTask {
  /** Index into the input file list. */
  file: number;
  /** Undefined = the whole file. */
  range: LineRange | undefined;
  /** True for the last task of its file (the file's result is complete once it is applied). */
  lastOfFile: boolean;
}

/** Smallest automatic range, bytes (8 MiB): below this the per-task overhead outweighs the split. */
const MIN_AUTO_SPLIT_BYTES = 8 << 20;
/** Bytes read to find the header line and check the file is plain (no quote, `\n` line ends). */
const SNIFF_BYTES = 64 * 1024;

/**
 * Plans the tasks for `files` parsed on `lanes` lanes.
 *
 * A file is split only when it is a CSV that is not gzipped, its first 64 KiB hold no quote and no bare
 * `\r`, the delimiter is one ASCII character other than `"`, and it is larger than `splitBytes`
 * (default: max(8 MiB, total input bytes / (4 × lanes)), and no splitting at all for 1 lane). Range
 * boundaries are at least `splitBytes` apart and all lie after the header line.
 * @param splitBytes bytes per range; undefined = automatic (see above).
 */
export function planFileTasks(
  files: readonly string[],
  lanes: number,
  delimiter: string,
  splitBytes: number | undefined,
): PlannedTask[] {
  const whole = (file: number): PlannedTask => ({ file, range: undefined, lastOfFile: true });
  const splittable = (path: string): boolean => !isParquetPath(path) && !path.toLowerCase().endsWith('.gz');
  if ((splitBytes === undefined && lanes <= 1) || delimiter.length !== 1 || delimiter === '"') {
    return files.map((_, i) => whole(i));
  }
  if (delimiter.charCodeAt(0) >= 0x80) return files.map((_, i) => whole(i));
  const sizes = files.map((f) => (splittable(f) ? statSync(f).size : 0));
  const total = files.reduce((n, f) => n + statSync(f).size, 0);
  const target = splitBytes ?? Math.max(MIN_AUTO_SPLIT_BYTES, Math.ceil(total / (4 * lanes)));
  const tasks: PlannedTask[] = [];
  files.forEach((path, file) => {
    const size = sizes[file]!;
    const headerEnd = size > target ? plainHeaderEnd(path) : undefined;
    if (headerEnd === undefined) {
      tasks.push(whole(file));
      return;
    }
    // Range k = [start_k, start_{k+1}); every start after the first is past the header's '\n'.
    const starts = [0];
    for (let at = Math.max(target, headerEnd + 1); at < size; at += target) starts.push(at);
    starts.forEach((startBytes, k) => {
      const last = k === starts.length - 1;
      tasks.push({ file, range: { startBytes, endBytes: last ? size : starts[k + 1]! }, lastOfFile: last });
    });
  });
  return tasks;
}

/**
 * Offset of the `\n` ending the header (the first non-empty line), when the first 64 KiB of `path`
 * contain no quote and no bare `\r` (the same test as the CSV fast path); otherwise undefined.
 */
function plainHeaderEnd(path: string): number | undefined {
  const head = Buffer.alloc(SNIFF_BYTES);
  const fd = openSync(path, 'r');
  let n: number;
  try {
    n = readSync(fd, head, 0, SNIFF_BYTES, 0);
  } finally {
    closeSync(fd);
  }
  const bytes = head.subarray(0, n);
  if (bytes.includes(0x22)) return undefined; // '"'
  for (let cr = bytes.indexOf(0x0d); cr >= 0; cr = bytes.indexOf(0x0d, cr + 1)) {
    if (cr + 1 < n && bytes[cr + 1] !== 0x0a) return undefined;
  }
  let start = 0;
  for (let nl = bytes.indexOf(0x0a); nl >= 0; nl = bytes.indexOf(0x0a, start)) {
    const line = bytes.subarray(start, nl);
    const blank = line.length === 0 || (line.length === 1 && line[0] === 0x0d) || isBomOnly(line, start);
    if (!blank) return nl;
    start = nl + 1;
  }
  return undefined;
}

function isBomOnly(line: Buffer, start: number): boolean {
  return start === 0 && line.length >= 3 && line[0] === 0xef && line[1] === 0xbb && line[2] === 0xbf
    ? line.length === 3 || (line.length === 4 && line[3] === 0x0d)
    : false;
}
