import { readFileSync } from 'node:fs';

/**
 * I/O counters of a process, from `/proc/<pid>/io` (Linux, `Documentation/filesystems/proc.rst`,
 * section "/proc/<pid>/io"). Counts since the process started, in bytes or calls.
 */
export interface ProcessIo {
  /** `rchar`: bytes passed to read-like syscalls (`read`, `pread`), whether or not the disk was used. */
  readCharBytes: number;
  /** `wchar`: bytes passed to write-like syscalls. */
  writeCharBytes: number;
  /** `syscr`: read-like syscalls. */
  readSyscalls: number;
  /** `syscw`: write-like syscalls. */
  writeSyscalls: number;
  /**
   * `read_bytes`: bytes this process caused to be fetched from the storage layer: page faults on
   * mappings, `read`, and the read-ahead it triggered (`madvise(WILLNEED)`, kernel read-around).
   * Reads served by the page cache do not count. This is the figure a replay's device reads are
   * measured with.
   */
  readBytes: number;
  /** `write_bytes`: bytes this process caused to be sent to the storage layer. */
  writeBytes: number;
  /** `cancelled_write_bytes`: written bytes later truncated away before reaching storage. */
  cancelledWriteBytes: number;
}

const FIELDS: readonly [string, keyof ProcessIo][] = [
  ['rchar', 'readCharBytes'],
  ['wchar', 'writeCharBytes'],
  ['syscr', 'readSyscalls'],
  ['syscw', 'writeSyscalls'],
  ['read_bytes', 'readBytes'],
  ['write_bytes', 'writeBytes'],
  ['cancelled_write_bytes', 'cancelledWriteBytes'],
];

/**
 * Parses the text of `/proc/<pid>/io` (`key: value` lines, decimal). Returns `null` unless every one of
 * the seven fields is present exactly as a non-negative integer, so a changed or truncated file never
 * yields a silently wrong count.
 */
export function parseProcessIo(text: string): ProcessIo | null {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+):\s*(\d+)\s*$/.exec(line);
    if (match !== null) values.set(match[1]!, Number(match[2]));
  }
  const out = {} as ProcessIo;
  for (const [key, field] of FIELDS) {
    const value = values.get(key);
    if (value === undefined || !Number.isSafeInteger(value)) return null;
    out[field] = value;
  }
  return out;
}

/**
 * Reads the {@link ProcessIo} of this process (or of process `pid`, e.g. a child) from `/proc/<pid>/io`,
 * or `null` where it is unavailable (not Linux, `/proc` not mounted, a kernel without
 * `CONFIG_TASK_IO_ACCOUNTING`, a process that is gone or not ours) or unparsable.
 */
export function readProcessIo(pid: number | 'self' = 'self'): ProcessIo | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/io`, 'utf8');
  } catch {
    return null;
  }
  return parseProcessIo(text);
}
