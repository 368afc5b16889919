/**
 * The z-score band trading rule of a pair, as a pure state machine over a z path.
 *
 * @module
 */

/** Reason code of {@link zScoreSignals}: the position was closed because z reverted within ±exitZ. */
export const SIGNAL_EXIT = 1;
/** Reason code of {@link zScoreSignals}: the position was stopped out (|z| beyond stopZ). */
export const SIGNAL_STOP = 2;

/** Thresholds of {@link zScoreSignals}, in spread standard deviations: 0 ≤ exitZ < entryZ < stopZ. */
export interface ZScoreBands {
  entryZ: number;
  exitZ: number;
  stopZ: number;
}

/**
 * Desired position after each bar's close: +1 long the spread (long y, short β·x), −1 short the spread,
 * 0 flat. Rules, evaluated at every bar t in this order:
 *
 * 1. **Re-entry blocks clear**: after a stop-out of a short (z > stopZ) no new short is allowed until
 *    z ≤ entryZ again (z back within the entry band); symmetrically for longs (z ≥ −entryZ).
 * 2. **Stop**: short with z > stopZ, or long with z < −stopZ → flat, and that direction is blocked.
 * 3. **Exit**: short with z < exitZ, or long with z > −exitZ → flat (reversion to within ±exitZ, or a jump
 *    through it, closes the trade).
 * 4. **Entry** (only when flat after steps 2–3, so an exit and an opposite entry can happen on one bar):
 *    z > entryZ → short; z < −entryZ → long; unless that direction is blocked. A flat z beyond ±stopZ
 *    blocks its direction instead of entering (it would stop out at once).
 *
 * A non-finite z (a bar on which a leg has no price) decides nothing: the previous desired position
 * holds. The result is the signal; callers fill it later (see {@link simulatePairTrading}).
 *
 * @param reasons optional output: at each bar, {@link SIGNAL_EXIT} when a position was closed by rule 3,
 *   {@link SIGNAL_STOP} when closed by rule 2, 0 otherwise.
 */
export function zScoreSignals(
  z: ArrayLike<number>,
  bands: ZScoreBands,
  out?: Int8Array,
  reasons?: Int8Array,
): Int8Array {
  const { entryZ, exitZ, stopZ } = bands;
  const n = z.length;
  const signal = out ?? new Int8Array(n);
  let position = 0;
  let blockShort = false;
  let blockLong = false;
  for (let t = 0; t < n; t++) {
    const zt = z[t]!;
    if (reasons) reasons[t] = 0;
    if (!Number.isFinite(zt)) {
      signal[t] = position;
      continue;
    }
    if (blockShort && zt <= entryZ) blockShort = false;
    if (blockLong && zt >= -entryZ) blockLong = false;
    if (position === -1) {
      if (zt > stopZ) {
        position = 0;
        blockShort = true;
        if (reasons) reasons[t] = SIGNAL_STOP;
      } else if (zt < exitZ) {
        position = 0;
        if (reasons) reasons[t] = SIGNAL_EXIT;
      }
    } else if (position === 1) {
      if (zt < -stopZ) {
        position = 0;
        blockLong = true;
        if (reasons) reasons[t] = SIGNAL_STOP;
      } else if (zt > -exitZ) {
        position = 0;
        if (reasons) reasons[t] = SIGNAL_EXIT;
      }
    }
    if (position === 0) {
      if (zt > stopZ) blockShort = true;
      else if (zt < -stopZ) blockLong = true;
      else if (zt > entryZ && !blockShort) position = -1;
      else if (zt < -entryZ && !blockLong) position = 1;
    }
    signal[t] = position;
  }
  return signal;
}
