import { readFileSync } from 'node:fs';

/** Resident-set figures of this process, in bytes, from /proc/self/status (Linux). */
export interface MemoryFigures {
  /** Peak resident set size (VmHWM), bytes. */
  peakRssBytes: number;
  /** Current resident set size (VmRSS), bytes. */
  rssBytes: number;
  /** Anonymous resident memory (RssAnon), bytes: heap, stacks, malloc. */
  rssAnonBytes: number;
  /** File-backed resident memory (RssFile), bytes: mapped files in the page cache. */
  rssFileBytes: number;
}

/**
 * Reads the process's memory figures. On systems without /proc, falls back to
 * `process.resourceUsage().maxRSS` (KiB) for the peak and `process.memoryUsage().rss` for the current value,
 * with anon/file reported as -1 (unknown).
 */
export function readMemoryFigures(): MemoryFigures {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const kib = (key: string): number => {
      const match = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
      return match ? Number(match[1]) * 1024 : -1;
    };
    return {
      peakRssBytes: kib('VmHWM'),
      rssBytes: kib('VmRSS'),
      rssAnonBytes: kib('RssAnon'),
      rssFileBytes: kib('RssFile'),
    };
  } catch {
    return {
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
      rssBytes: process.memoryUsage().rss,
      rssAnonBytes: -1,
      rssFileBytes: -1,
    };
  }
}

/** Formats a byte count with binary units, e.g. `12.3 MiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 0) return 'n/a';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}
