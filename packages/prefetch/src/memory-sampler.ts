import { readFileSync } from 'node:fs';
import { PrefetchArgumentError } from './errors.js';
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
  /**
   * Bytes of the sampled files resident in the page cache (mincore), and their total size, as of the
   * residency measurement made `residencyAgeMs` before this sample (see
   * {@link MemorySamplerOptions.residencyBudget}: not every sample measures residency).
   */
  residentBytes: number;
  totalBytes: number;
  /** `residentBytes / totalBytes` (1 when there are no bytes). */
  residentFraction: number;
  /** ms between the residency measurement these residency figures come from and this sample (0: now). */
  residencyAgeMs: number;
  rssBytes: number;
  rssAnonBytes: number;
  rssFileBytes: number;
  peakRssBytes: number;
}

/** Options of {@link MemorySampler}. */
export interface MemorySamplerOptions {
  /**
   * Minimum ms between two samples taken by {@link MemorySampler.maybeSample}, ≥ 1. Default 250. The
   * RSS part of a sample is one read of `/proc/self/status` (~20 µs); residency is measured less often
   * (see `residencyBudget`).
   */
  intervalMs?: number;
  /**
   * Largest fraction of the elapsed time that residency measurements may take, in (0, 1]. Default 0.01.
   * A residency measurement is one `mincore` per file, and `mincore` looks up every page of the mapping
   * in the page cache: 18.8 ms per GiB mapped (measured: 560 ms for a 29.8 GiB dataset of 2,000 files on
   * Linux 6.18), so sampling it every 250 ms would take over the replay of a large dataset. After a
   * measurement that took `t` ms, the next one waits at least `t / residencyBudget` ms (100 `t` by
   * default); samples in between repeat the last residency figures (`residencyAgeMs` says how old).
   */
  residencyBudget?: number;
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
 * Samples the process's RSS split into anonymous and file-backed memory, at most once per `intervalMs`,
 * together with the page-cache residency of a set of mapped files (mincore), measured only as often as
 * `residencyBudget` allows (1 % of the elapsed time by default: mincore costs ~19 ms per GiB mapped). Call {@link maybeSample} from a loop
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
  readonly #residencyBudget: number;
  /** Last residency measurement: when (sampler clock), what it found and how long it took; none yet. */
  #residency: { atMs: number; costMs: number; residentBytes: number; totalBytes: number } | undefined;

  /**
   * @throws {PrefetchArgumentError} when `intervalMs` is not an integer ≥ 1 or `residencyBudget` not in
   *   (0, 1].
   */
  constructor(files: readonly ResidencyReporter[], options: MemorySamplerOptions = {}) {
    this.intervalMs = requireInteger('intervalMs', options.intervalMs ?? 250, 1);
    const budget = options.residencyBudget ?? 0.01;
    if (!(budget > 0 && budget <= 1)) {
      throw new PrefetchArgumentError('residencyBudget', 'a number in (0, 1]', budget);
    }
    this.#residencyBudget = budget;
    this.#files = [...files];
    this.#readMemory = options.readMemory ?? readProcessMemory;
    this.#nowMs = options.nowMs ?? (() => performance.now());
    this.#startedAtMs = this.#nowMs();
  }

  /** Takes a sample if at least `intervalMs` passed since the last one; returns it, or `null`. */
  maybeSample(): MemorySample | null {
    return this.#nowMs() - this.#lastSampleMs >= this.intervalMs ? this.sample() : null;
  }

  /** Takes a sample now (residency only when the budget allows, see `residencyBudget`). */
  sample(): MemorySample {
    const now = this.#nowMs();
    this.#lastSampleMs = now;
    let residency = this.#residency;
    if (residency === undefined || now - residency.atMs >= residency.costMs / this.#residencyBudget) {
      let residentBytes = 0;
      let totalBytes = 0;
      for (const file of this.#files) {
        const r = file.residency();
        residentBytes += r.residentBytes;
        totalBytes += r.totalBytes;
      }
      residency = { atMs: now, costMs: this.#nowMs() - now, residentBytes, totalBytes };
      this.#residency = residency;
    }
    const { residentBytes, totalBytes } = residency;
    const memory = this.#readMemory();
    const sample: MemorySample = {
      elapsedMs: now - this.#startedAtMs,
      residentBytes,
      totalBytes,
      residentFraction: totalBytes === 0 ? 1 : residentBytes / totalBytes,
      residencyAgeMs: now - residency.atMs,
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
