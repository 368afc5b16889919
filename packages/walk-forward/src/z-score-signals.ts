/**
 * The z-score band trading rule of a pair, as a pure state machine over a z path.
 *
 * @module
 */

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
 * Non-finite z closes any position and opens none. The result is the signal; callers apply it with a
 * delay (no same-bar execution), see {@link simulatePairTrading}.
 */
export function zScoreSignals(z: ArrayLike<number>, bands: ZScoreBands, out?: Int8Array): Int8Array {
  const { entryZ, exitZ, stopZ } = bands;
  const n = z.length;
  const signal = out ?? new Int8Array(n);
  let position = 0;
  let blockShort = false;
  let blockLong = false;
  for (let t = 0; t < n; t++) {
    const zt = z[t]!;
    if (!Number.isFinite(zt)) {
      position = 0;
      signal[t] = 0;
      continue;
    }
    if (blockShort && zt <= entryZ) blockShort = false;
    if (blockLong && zt >= -entryZ) blockLong = false;
    if (position === -1) {
      if (zt > stopZ) {
        position = 0;
        blockShort = true;
      } else if (zt < exitZ) {
        position = 0;
      }
    } else if (position === 1) {
      if (zt < -stopZ) {
        position = 0;
        blockLong = true;
      } else if (zt > -exitZ) {
        position = 0;
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
