import { readFileSync } from 'node:fs';
import { requireInteger } from './page-math.js';

/** Resident-set figures of this process in bytes, from `/proc/self/status`; -1 where unknown. */
export interface ProcessMemory {
  /** VmRSS: everything resident now. */
  rssBytes: number;
  /** VmHWM: the peak of VmRSS since the process started. */
  peakRssBytes: number;
  /** RssAnon: heap, stacks, malloc — what grows if the replay leaks. */
  rssAnonBytes: number;
  /**
   * RssFile: file-backed pages mapped into this process (the memory-mapped dataset). `madvise(DONTNEED)`
   * on a shared file mapping removes pages from here, although they may stay in the page cache.
   */
  rssFileBytes: number;
}

/**
 * Reads {@link ProcessMemory} from `/proc/self/status` (Linux). Elsewhere: `process.memoryUsage().rss`
 * for `rssBytes`, `resourceUsage().maxRSS` for the peak, -1 for anon and file.
 */
export function readProcessMemory(): ProcessMemory {
  let status: string;
  try {
    status = readFileSync('/proc/self/status', 'utf8');
  } catch {
    return {
      rssBytes: process.memoryUsage().rss,
      peakRssBytes: process.resourceUsage().maxRSS * 1024, // maxRSS is in KiB
      rssAnonBytes: -1,
      rssFileBytes: -1,
    };
  }
  const kib = (key: string): number => {
    const match = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) * 1024 : -1;
  };
  return {
    rssBytes: kib('VmRSS'),
    peakRssBytes: kib('VmHWM'),
    rssAnonBytes: kib('RssAnon'),
    rssFileBytes: kib('RssFile'),
  };
}

/** Anything that reports page-cache residency of its bytes; `MappedFile` of `@mmtape/mmap-core` does (mincore). */
export interface ResidencyReporter {
  residency(): { residentBytes: number; totalBytes: number };
}

/** One measurement of {@link MemorySampler}. */
export interface MemorySample {
  /** ms since the sampler was created. */
  elapsedMs: number;
  /** Bytes of the sampled files resident in the page cache (mincore), and their total size. */
  residentBytes: number;
  totalBytes: number;
  /** `residentBytes / totalBytes` (1 when there are no bytes). */
  residentFraction: number;
  rssBytes: number;
  rssAnonBytes: number;
  rssFileBytes: number;
  peakRssBytes: number;
}

/** Options of {@link MemorySampler}. */
export interface MemorySamplerOptions {
  /**
   * Minimum ms between two samples taken by {@link MemorySampler.maybeSample}, ≥ 1. Default 250: a
   * sample costs one `/proc` read plus one `mincore` per file (≈ 1 ms per GiB of mapping), so four a
   * second stay well under 1 % of a replay.
   */
  intervalMs?: number;
  /** Source of process memory figures. Default {@link readProcessMemory}; tests inject a fake. */
  readMemory?: () => ProcessMemory;
  /** Clock in ms. Default `performance.now`. */
  nowMs?: () => number;
}

/** Peaks over all samples of a {@link MemorySampler}. */
export interface MemorySummary {
  samples: MemorySample[];
  peakRssBytes: number;
  peakRssAnonBytes: number;
  peakRssFileBytes: number;
  peakResidentFraction: number;
  /** Residency of the last sample. */
  residentFraction: number;
}

/**
 * Samples the residency of a set of mapped files (mincore) together with the process's RSS split into
 * anonymous and file-backed memory, at most once per `intervalMs`. Call {@link maybeSample} from a loop
 * (it only reads the clock when not due) and {@link sample} at the start and end.
 *
 * @example
 * const sampler = new MemorySampler(files.map((f) => f.file), { intervalMs: 500 });
 * sampler.sample();
 * while (work()) sampler.maybeSample();
 * sampler.sample();
 * console.log(sampler.summary().peakRssFileBytes);
 */
export class MemorySampler {
  readonly intervalMs: number;
  readonly #files: readonly ResidencyReporter[];
  readonly #readMemory: () => ProcessMemory;
  readonly #nowMs: () => number;
  readonly #startedAtMs: number;
  #lastSampleMs = Number.NEGATIVE_INFINITY;
  readonly #samples: MemorySample[] = [];

  /** @throws {PrefetchArgumentError} when `intervalMs` is not an integer ≥ 1. */
  constructor(files: readonly ResidencyReporter[], options: MemorySamplerOptions = {}) {
    this.intervalMs = requireInteger('intervalMs', options.intervalMs ?? 250, 1);
    this.#files = [...files];
    this.#readMemory = options.readMemory ?? readProcessMemory;
    this.#nowMs = options.nowMs ?? (() => performance.now());
    this.#startedAtMs = this.#nowMs();
  }

  /** Takes a sample if at least `intervalMs` passed since the last one; returns it, or `null`. */
  maybeSample(): MemorySample | null {
    return this.#nowMs() - this.#lastSampleMs >= this.intervalMs ? this.sample() : null;
  }

  /** Takes a sample now. */
  sample(): MemorySample {
    const now = this.#nowMs();
    this.#lastSampleMs = now;
    let residentBytes = 0;
    let totalBytes = 0;
    for (const file of this.#files) {
      const r = file.residency();
      residentBytes += r.residentBytes;
      totalBytes += r.totalBytes;
    }
    const memory = this.#readMemory();
    const sample: MemorySample = {
      elapsedMs: now - this.#startedAtMs,
      residentBytes,
      totalBytes,
      residentFraction: totalBytes === 0 ? 1 : residentBytes / totalBytes,
      rssBytes: memory.rssBytes,
      rssAnonBytes: memory.rssAnonBytes,
      rssFileBytes: memory.rssFileBytes,
      peakRssBytes: memory.peakRssBytes,
    };
    this.#samples.push(sample);
    return sample;
  }

  /** All samples so far and their peaks (-1 / 0 when there are none). */
  summary(): MemorySummary {
    const samples = [...this.#samples];
    const max = (pick: (s: MemorySample) => number, none: number): number =>
      samples.reduce((m, s) => Math.max(m, pick(s)), none);
    return {
      samples,
      peakRssBytes: max((s) => s.peakRssBytes, -1),
      peakRssAnonBytes: max((s) => s.rssAnonBytes, -1),
      peakRssFileBytes: max((s) => s.rssFileBytes, -1),
      peakResidentFraction: max((s) => s.residentFraction, 0),
      residentFraction: samples.at(-1)?.residentFraction ?? 0,
    };
  }
}
