/** Counters of the advice a prefetcher issued. Bytes are page-aligned lengths passed to `advise`. */
export interface PrefetchStats {
  /** `advise('willneed', …)` calls. */
  willneedCalls: number;
  /** Bytes covered by those calls. */
  willneedBytes: number;
  /** `advise('dontneed', …)` calls. */
  dontneedCalls: number;
  /**
   * Bytes those calls released for the first time: a `SlidingWindowPrefetcher` release also covers again
   * the released pages of the fault-around block it starts in (see its class doc), not counted here.
   */
  dontneedBytes: number;
  /** `update()`/`visit()` calls received. */
  calls: number;
  /** Of those, the calls that issued advice (the rest were absorbed by hysteresis or nothing was new). */
  advisedCalls: number;
}

/**
 * A zeroed {@link PrefetchStats}: the counters of a prefetcher that has advised nothing yet (a replay
 * whose helper issues every window starts its own counters from it).
 */
export function emptyPrefetchStats(): PrefetchStats {
  return {
    willneedCalls: 0,
    willneedBytes: 0,
    dontneedCalls: 0,
    dontneedBytes: 0,
    calls: 0,
    advisedCalls: 0,
  };
}
